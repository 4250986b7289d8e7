"""`python -m pipelines run` (`make run`): land every changed extract, then build, check and publish.

The work is the jobs a person launches from the UI, executed on the same Dagster instance
(pipelines/lib/runs/headless.py); this module is the command line around them: the options, the checks
made before any work, one line per problem, and the exit status.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from pipelines.lib.engines import check_engine
from pipelines.lib.masking import scrub_digits
from pipelines.lib.out_of_memory import advice, is_out_of_memory
from pipelines.lib.runs import preflight, run_log
from pipelines.lib.runs.headless import dagster_instance, run_pipeline
from pipelines.lib.runs.outcome import RunOutcome, report_path
from pipelines.lib.runs.progress import Progress
from pipelines.lib.runs.run_lock import RunLockTimeout, run_lock
from pipelines.lib.runs.terminal import one_line
from pipelines.lib.settings import ConfigError, Settings

# Exit statuses: 0 published (or nothing changed), 1 not published, 2 a setting cannot be used,
# 4 the warehouse is busy (another run kept it past KTP_LOCK_WAIT_SECONDS, or another process has it
# open); 3 is the fault injection's (pipelines/lib/faults.py).
CONFIG_ERROR = 2
BUSY = 4


# Options of the command line and the variables they set; an option wins over its variable.
OPTIONS = {
    "--raw-dir": ("KTP_RAW_DIR", "the extracts: DIR/<YYYY-MM-DD>/<regency code>_*.csv|xlsx"),
    "--warehouse": ("KTP_WAREHOUSE", "the DuckDB file (its landing, dbt and spill folders sit beside it)"),
    "--publish-dir": ("KTP_PUBLISH_DIR", "where the marts are published (a symlink to the current release)"),
    "--reports-dir": ("KTP_REPORTS_DIR", "validation reports, dbt docs, masked quarantine listings"),
    "--max-reject-rate": ("KTP_MAX_REJECT_RATE", "largest share of rejected rows a file may have, in [0, 1]"),
    "--target-date": ("KTP_TARGET_DATE", "the date the trend mart compares against, YYYY-MM-DD"),
    "--memory-limit": ("KTP_DUCKDB_MEMORY_LIMIT", "DuckDB's memory cap, e.g. 1536MB or 4GB"),
    "--lock-wait": ("KTP_LOCK_WAIT_SECONDS", "seconds to wait for another run on the warehouse, 0 to stop"),
    "--log-level": ("KTP_LOG_LEVEL", "Dagster's console log level, e.g. WARNING"),
    "--engine": ("KTP_ENGINE", "what builds the tables: duckdb (default) or spark"),
    "--spark-master": (
        "KTP_SPARK_MASTER",
        "with --engine spark: local[*] (default), spark://host:7077, yarn",
    ),
}


def parse_args(argv: list[str] | None) -> dict[str, str]:
    """The command line as KTP_* variables (only those given)."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m pipelines run",
        description="Land the changed extracts, judge and deduplicate them, build the marts, check them and "
        "publish them if every check passed. Every option can also be given as its environment variable "
        "(README: 'Pointing it at other data'); an option wins over the variable.",
        epilog="Exit status: 0 published (or nothing changed since the current publication), 1 not "
        "published, 2 a setting or an option cannot be used, 4 the warehouse is busy (another run or "
        "process holds it; nothing was done).",
    )
    for option, (var, what) in OPTIONS.items():
        parser.add_argument(option, metavar=var.removeprefix("KTP_"), help=f"{what} [{var}]")
    args = vars(parser.parse_args(argv))
    return {OPTIONS["--" + k.replace("_", "-")][0]: v for k, v in args.items() if v is not None}


def main(argv: list[str] | None = None) -> int:
    # Set in the environment, not only passed on: the Dagster resources read the KTP_* variables too.
    os.environ.update(parse_args(argv))
    try:
        settings = Settings.from_env()
        check_engine(settings)
        preflight.check_raw_dir(settings)
        preflight.check_writable(settings)
    except (ConfigError, preflight.NotWritable) as e:
        # Before anything is read or written: one line, and a status of its own.
        say(f"configuration error: {e}", sys.stderr)
        return CONFIG_ERROR
    try:
        # Before the nothing-changed check too: it reads what another run may be half-way through.
        with run_lock(settings, settings.lock_wait_seconds, say=say):
            # Before landing: a run that cannot build must not land either, or it would half-run.
            try:
                preflight.check_warehouse_free(settings)
            except preflight.Unopenable as e:
                say(f"configuration error: {e}", sys.stderr)
                return CONFIG_ERROR
            log = run_log.start(settings)
            try:
                with dagster_instance() as instance:
                    outcome = run_pipeline(settings, instance, progress=Progress(sys.stdout))
            except Exception as e:
                # Not a failed step (those are reported below) but the run itself: one line here, the
                # trace in the log.
                run_log.append_trace(settings, e)
                first = scrub_digits((str(e).strip().splitlines() or [type(e).__name__])[0])
                if is_out_of_memory(str(e)):
                    first = advice("the run")
                say(f"RUN FAILED: {first} (trace in {log})", sys.stderr)
                return 1
    except (RunLockTimeout, preflight.WarehouseBusy) as e:
        say(f"not started: {e}", sys.stderr)
        return BUSY
    return report(settings, outcome, log)


def say(text: str, stream=None) -> None:
    """One line on the console: what it quotes (file names, paths) cannot break it or steer the terminal."""
    print(one_line(text), file=stream or sys.stdout, flush=True)


def report(settings: Settings, outcome: RunOutcome, log: Path, out=None, err=None) -> int:
    """The run's summary in lines, and its exit status."""
    out, err = out or sys.stdout, err or sys.stderr
    held = preflight.opened_during_run(
        settings.warehouse, [p.message for p in outcome.problems], published=outcome.published
    )
    if held is not None:
        say(f"not finished: {held} (run log: {log})", err)
        return BUSY
    summary = report_path(settings)
    say(f"snapshots: {', '.join(outcome.snapshots) or '-'}", out)
    say(f"files loaded: {outcome.files_loaded}, unchanged (skipped): {outcome.files_unchanged}", out)
    for folder in outcome.folders_ignored:
        say(f"IGNORED  {folder} (in {settings.raw_dir})", out)
    for dropped in outcome.files_dropped:
        say(f"DROPPED  {dropped}: no longer in {settings.raw_dir}, its rows left the warehouse", out)
    for w in outcome.warnings:
        say(f"WARNING  {w.stage:8} {w.what}: {w.message}", out)
    for p in outcome.problems:
        say(f"FAILED   {p.stage:8} {p.what}: {p.message}", out)
    docs = settings.reports_dir / "data_docs" / "index.html"
    if docs.is_file():  # no check ran yet on a new deployment that stopped before them
        say(f"validation report: {docs}", out)
    coverage = settings.publish_dir / "report" / "index.html"
    if coverage.is_file():  # the current publication's, whether this run published or found it current
        say(f"coverage report: {coverage}", out)
    say(f"run summary: {summary}", out)
    say(f"run log: {log}", out)
    if outcome.up_to_date:
        say(f"nothing changed since the current publication in {settings.publish_dir}", out)
        return 0
    if outcome.ok:
        say(f"published to {settings.publish_dir}", out)
        return 0
    say("NOT PUBLISHED: the previous publication (if any) is unchanged", err)
    return 1


if __name__ == "__main__":
    sys.exit(main())
