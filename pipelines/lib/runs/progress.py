"""What the headless run shows while it works: a line per file as it lands, then a line per stage.

On a terminal the lines scroll above a progress bar (rich): the files landed out of those to land,
then the stage at work with how many dbt models and tests, or checks, it has finished. Elsewhere (CI,
cron, a pipe) there is no bar and no escape code: the same lines, plain, one per event, flushed as they
come, so a log shows where a run was when it stopped.

Stage lines come from Dagster's own events (a step that started, succeeded or failed), through the
`progress` logger of the code location, which forwards them to the run's Progress while one is open.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

import dagster as dg
from dagster._core.log_manager import get_log_record_metadata, has_log_record_metadata

# Step keys of the build's Dagster runs, as a person names the stage.
_STAGES = {
    "extract_inventory": "inventory",
    "dbt_marts": "dbt build",
    "ingest__files_gx_ingested_file": "checks: files",
    "ingest__files_gx_snapshot": "checks: snapshots",
    "marts__coverage_province_gx_marts": "checks: marts",
    "marts__coverage_district_gx_warnings": "warnings",
    "published": "publication",
    "audit_reports": "audit reports",
    "judge_extracts": "dbt build",
}
# Events that mark one piece of a step's work done (a dbt model or test, a check).
_WORK_EVENTS = {"ASSET_MATERIALIZATION", "ASSET_CHECK_EVALUATION"}


def stage_name(step_key: str) -> str:
    return _STAGES.get(step_key, step_key)


class Progress:
    """The run's progress display; `interactive` (default: the stream is a terminal) adds the bar,
    `quiet` says nothing at all (a run called from Python, e.g. the tests)."""

    def __init__(
        self, stream: TextIO | None = None, *, interactive: bool | None = None, quiet: bool = False
    ) -> None:
        self.stream = stream or sys.stdout
        self.quiet = quiet
        self.interactive = not quiet and (self.stream.isatty() if interactive is None else interactive)
        self._lock = threading.Lock()
        self._bar = None
        self._task = None
        self._done = 0
        # step key -> what to say once that step has succeeded (the run's own lines, e.g. per file)
        self.after_step: dict[str, Callable[[], None]] = {}

    # lines ---------------------------------------------------------------------------------------

    def line(self, text: str) -> None:
        if self.quiet:
            return
        with self._lock:
            if self._bar is not None:
                self._bar.console.print(text, markup=False, highlight=False, soft_wrap=True)
            else:
                print(text, file=self.stream, flush=True)

    def file_landed(
        self, source_file: str, status: str, rows: int, seconds: float, error: str | None
    ) -> None:
        if status == "refused":
            self.line(f"refused  {source_file}: {error}")
        elif status == "landed":
            self.line(f"landed   {source_file}: {rows:,} rows in {seconds:.2f} s")
        self._advance()

    def file_judged(self, source_file: str, rows: int, loaded: int, rejected: int) -> None:
        self.line(f"judged   {source_file}: {rows:,} rows, {loaded:,} loaded, {rejected:,} rejected")

    def stage(self, name: str, seconds: float, status: str = "done", detail: str = "") -> None:
        text = f"stage    {name}: {status} in {seconds:.1f} s"
        self.line(text + (f" ({detail})" if detail else ""))

    # the bar -------------------------------------------------------------------------------------

    def begin(self, description: str, total: int | None = None) -> None:
        """A new bar (a terminal only): `total` pieces of work, or a count without an end."""
        if not self.interactive:
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as Bar

        with self._lock:
            if self._bar is None:
                self._bar = Bar(
                    SpinnerColumn(),
                    TextColumn("{task.description}"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TimeElapsedColumn(),
                    console=Console(file=self.stream),
                    transient=True,
                )
                self._bar.start()
            if self._task is not None:
                self._bar.remove_task(self._task)
            self._done = 0
            self._task = self._bar.add_task(description, total=total)

    def _advance(self) -> None:
        with self._lock:
            self._done += 1
            if self._bar is not None and self._task is not None:
                self._bar.update(self._task, completed=self._done)

    def close(self) -> None:
        with self._lock:
            if self._bar is not None:
                self._bar.stop()
                self._bar = None
                self._task = None

    # Dagster events ------------------------------------------------------------------------------

    def dagster_event(self, step_key: str | None, event_type: str, seconds: float | None) -> None:
        if step_key is None:
            return
        if event_type == "STEP_START":
            self.begin(stage_name(step_key))
        elif event_type in _WORK_EVENTS:
            self._advance()
        elif event_type in ("STEP_SUCCESS", "STEP_FAILURE"):
            status = "done" if event_type == "STEP_SUCCESS" else "FAILED"
            self.stage(stage_name(step_key), seconds or 0.0, status)
            if event_type == "STEP_SUCCESS" and step_key in self.after_step:
                self.after_step[step_key]()


_current: Progress | None = None


@contextmanager
def showing(progress: Progress) -> Iterator[Progress]:
    """Dagster's events go to `progress` while the block runs; the bar is gone after it."""
    global _current
    _current = progress
    try:
        yield progress
    finally:
        _current = None
        progress.close()


class _ToProgress(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        if _current is None or not has_log_record_metadata(record):
            return
        meta = get_log_record_metadata(record)
        event = meta.get("dagster_event")
        if event is None:
            return
        duration = getattr(event.event_specific_data, "duration_ms", None)
        _current.dagster_event(
            meta.get("step_key") or event.step_key,
            event.event_type_value,
            duration / 1000 if duration is not None else None,
        )


@dg.logger(
    description="Dagster's step events as the headless run's progress lines (pipelines/lib/runs/progress.py)."
)
def progress_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    logger = logging.Logger("ktp_progress", level=logging.DEBUG)
    logger.addHandler(_ToProgress())
    return logger
