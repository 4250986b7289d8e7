"""The headless run's log, `<reports>/last_run.log`, and a console that leaves stack traces to it.

Dagster writes a failed step's whole stack trace into its log message. On the console that buries the
one line that says what to do (run.py prints it: a DuckDB that ran out of memory names
KTP_DUCKDB_MEMORY_LIMIT), so there a message ends where its trace begins, with a pointer to the log
file, which keeps everything, traces included, for whoever has to look further. Errors say where
and what, with values masked (pipelines/lib/masking.py); in case one does not, any NIK-long run of digits
is masked again on its way into the file.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg

from pipelines.lib.masking import scrub_digits
from pipelines.lib.settings import Settings

LOG_NAME = "last_run.log"
_TRACE = "\nStack Trace:"
# The layout of Dagster's own console lines: time - logger - level - message.
_FORMAT = logging.Formatter("%(asctime)s - %(name)s - %(levelname)s - %(message)s", "%Y-%m-%d %H:%M:%S %z")


def log_path(settings: Settings) -> Path:
    return settings.reports_dir / LOG_NAME


def start(settings: Settings) -> Path:
    """A new log for this run (the file holds one run, as last_run.json does), opened with a line that
    is the whole log when the process died before anything else was written."""
    path = log_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S +0000")
    path.write_text(f"{started} - ktp - INFO - run started (pid {os.getpid()})\n", encoding="utf-8")
    return path


def append_trace(settings: Settings, error: BaseException) -> Path:
    path = log_path(settings)
    with path.open("a", encoding="utf-8") as log:
        log.write(scrub_digits("".join(traceback.format_exception(error))))
    return path


class _WithoutTrace(logging.Filter):
    def __init__(self, trace_file: str) -> None:
        super().__init__()
        self.trace_file = trace_file

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _TRACE in message:
            record.msg = message.split(_TRACE, 1)[0].rstrip() + f" (trace in {self.trace_file})"
            record.args = ()
        return True


class _SaidInTheSummary(logging.Filter):
    """Dagster's error lines (a failed step, the failed run, the steps it skipped) are left to the log
    file: the run's summary says each failure once, in a line of its own, and the progress lines which
    stage it stopped. Shown again with KTP_LOG_LEVEL=DEBUG, for whoever wants Dagster's own account."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno < logging.ERROR


class _AppendingHandler(logging.Handler):
    """Opens the file for each record: Dagster builds loggers per run and never closes their handlers,
    and a run in a long-lived process (tests, `make dev`) must not leave a file open behind it."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
        self.setFormatter(_FORMAT)

    def emit(self, record: logging.LogRecord) -> None:
        line = scrub_digits(self.format(record)) + "\n"
        try:
            path = Path(self.path)
            path.parent.mkdir(parents=True, exist_ok=True)  # a run's first event precedes its reports
            with path.open("a", encoding="utf-8") as log:
                log.write(line)
        except OSError:
            self.handleError(record)


@dg.logger(
    config_schema={
        # WARNING by default: a run launched from the UI shows every event in the UI; the console of
        # `make dev` says only what needs a person.
        "log_level": dg.Field(str, is_required=False, default_value="WARNING"),
        "name": dg.Field(str, is_required=False, default_value="dagster"),
        "trace_file": dg.Field(str, is_required=False, default_value=""),
    },
    description="The console, WARNING and above unless configured; with trace_file, stack traces go there.",
)
def console_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    config = init_context.logger_config
    logger = logging.Logger(config["name"], level=config["log_level"].upper())
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_FORMAT)
    logger.addHandler(handler)
    if config["trace_file"]:
        for handler in logger.handlers:
            handler.addFilter(_WithoutTrace(config["trace_file"]))
            if config["log_level"].upper() != "DEBUG":
                handler.addFilter(_SaidInTheSummary())
    return logger


@dg.logger(
    config_schema={
        "path": dg.Field(str, is_required=False, default_value=""),
        "log_level": dg.Field(str, is_required=False, default_value="DEBUG"),
    },
    description="Every event of the run, stack traces included, appended to a file (none without a path).",
)
def file_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    config = init_context.logger_config
    logger = logging.Logger("ktp_run_log", level=config["log_level"].upper())
    logger.addHandler(_AppendingHandler(config["path"]) if config["path"] else logging.NullHandler())
    return logger
