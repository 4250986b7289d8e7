"""The headless main job (`make run`): land every changed extract, then build, check and publish.

Files land in parallel in this process (pipelines/lib/ingest/landing.py, the code of the `regency_extract`
asset), each recorded as its partition's materialization; then one Dagster run does one dbt build
(judging what changed, deduplication, the marts of the changed snapshots), the checks of every changed
file and snapshot in one go, and the publication; a second writes the audit reports. Exit status 0
only when everything succeeded and was published.
"""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
from dagster._core.definitions.data_version import DATA_VERSION_TAG

from pipelines.lib.dbt.project import parsing_in_background
from pipelines.lib.engines import check_engine
from pipelines.lib.faults import fault_point
from pipelines.lib.ingest.discovery import scan
from pipelines.lib.ingest.landing import Landed, land_all
from pipelines.lib.masking import scrub_digits
from pipelines.lib.out_of_memory import advice, is_out_of_memory
from pipelines.lib.publish import report_stamp
from pipelines.lib.quality.context import import_gx_in_background
from pipelines.lib.quality.standing_warnings import standing_warnings
from pipelines.lib.runs import dagster_history, preflight, run_log, up_to_date
from pipelines.lib.runs.progress import Progress, showing
from pipelines.lib.runs.run_lock import RunLockTimeout, run_lock
from pipelines.lib.settings import ConfigError, Settings
from pipelines.lib.warehouse import connect

# Exit statuses: 0 published (or nothing changed), 1 not published, 2 a setting cannot be used,
# 4 the warehouse is busy (another run kept it past KTP_LOCK_WAIT_SECONDS, or another process has it
# open); 3 is the fault injection's (pipelines/lib/faults.py).
CONFIG_ERROR = 2
BUSY = 4


@dataclass
class Problem:
    stage: str  # 'ingest' | 'snapshot' | 'marts' | 'check'
    what: str  # file, partition or check
    message: str


@dataclass
class RunOutcome:
    started_at: str
    finished_at: str = ""
    run_ids: list[str] = field(default_factory=list)
    snapshots: list[str] = field(default_factory=list)
    files_loaded: int = 0  # landed anew in this run
    files_unchanged: int = 0
    folders_ignored: list[str] = field(default_factory=list)  # in the raw directory, not snapshots
    files_dropped: list[str] = field(default_factory=list)  # left the raw directory, so the warehouse
    published: bool = False
    up_to_date: bool = False  # nothing changed since the current publication: nothing was rebuilt
    release: str | None = None  # the publication current when the run ended (published now or before)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    # Dagster's own step timings, and each Dagster run's wall time: where the time of a run went.
    steps: list[dict] = field(default_factory=list)
    runs: list[dict] = field(default_factory=list)

    def record(
        self, result: dg.ExecuteInProcessResult, stage: str, what: str, partition: str | None = None
    ) -> None:
        """Keep a run's id, step timings, failed steps and failed checks."""
        self.run_ids.append(result.run_id)
        self.problems += [Problem(stage, what, m) for m in _failures(result)]
        blocking, warnings = _check_problems(result)
        self.problems += blocking
        self.warnings += warnings
        for event in result.all_events:
            if event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE"):
                duration = getattr(event.event_specific_data, "duration_ms", None)
                self.steps.append(
                    {
                        "job": result.job_def.name,
                        "partition": partition,
                        "step": event.step_key,
                        "status": "success" if event.event_type_value == "STEP_SUCCESS" else "failure",
                        "seconds": round(duration / 1000, 3) if duration is not None else None,
                    }
                )

    @property
    def ok(self) -> bool:
        return not self.problems and self.published


@contextmanager
def dagster_instance() -> Iterator[dg.DagsterInstance]:
    """An in-memory instance; when DAGSTER_HOME is set, its history is then recorded there.

    In memory on purpose: SQLite event storage written one event at a time, for the ~430 events of a
    run (every dbt test is an asset check), made a sample run twice as long. pipelines/lib/runs/dagster_history.py
    copies the runs and events into DAGSTER_HOME's instance (the one `make dev` shows) in one batch at
    the end.
    """
    with dg.DagsterInstance.ephemeral(settings={"telemetry": {"enabled": False}}) as instance:
        try:
            yield instance
        finally:
            dagster_history.record_into_home(instance)


def _failures(result: dg.ExecuteInProcessResult) -> list[str]:
    messages = []
    for event in result.get_step_failure_events():
        data = event.step_failure_data
        if data.user_failure_data and data.user_failure_data.description:
            messages.append(data.user_failure_data.description)
        elif data.error and data.error.cls_name == "DagsterAssetCheckFailedError":
            continue  # reported, with its details, from the check evaluations
        elif data.error:
            # The step error wraps the user's exception: report the innermost cause.
            error = data.error
            while error.cause is not None:
                error = error.cause
            if is_out_of_memory(error.message):
                messages.append(advice(f"step {event.step_key}"))
                continue
            messages.append(error.message.strip().splitlines()[0])
    return messages


def _check_problems(result: dg.ExecuteInProcessResult) -> tuple[list[Problem], list[Problem]]:
    blocking, warnings = [], []
    for evaluation in result.get_asset_check_evaluations():
        if evaluation.passed:
            continue
        key = evaluation.asset_check_key
        where = f"{key.asset_key.to_user_string()}:{key.name}"
        if evaluation.partition:
            where += f" [{evaluation.partition}]"
        severity = warnings if evaluation.severity == dg.AssetCheckSeverity.WARN else blocking
        scopes = evaluation.metadata.get("failed_scopes")
        if scopes is not None and scopes.value:
            # One line per file or snapshot that failed, named as its partition.
            for scope, failed in scopes.value.items():
                # each failure already said in words (pipelines/lib/quality/plain_words.py)
                detail = "failed: " + ", ".join(str(v) for v in failed.values())
                severity.append(Problem("check", f"{where} [{scope}]" if scope else where, detail))
            continue
        failed = evaluation.metadata.get("failed_expectations")
        if failed is not None and failed.value:
            detail = "failed: " + ", ".join(
                f"{rule} (observed {value})" for rule, value in failed.value.items()
            )
        else:
            detail = (evaluation.description or "check failed").strip()
        severity.append(Problem("check", where, detail))
    return blocking, warnings


def _run_config(settings: Settings) -> dict:
    log = str(run_log.log_path(settings))
    return {
        "loggers": {
            "console": {"config": {"log_level": settings.log_level, "trace_file": log}},
            "run_file": {"config": {"path": log}},
            "progress": {},
        }
    }


def run_pipeline(
    settings: Settings,
    instance: dg.DagsterInstance,
    *,
    publish: bool = True,
    progress: Progress | None = None,
) -> RunOutcome:
    """Ingest every file, resolve every snapshot, then (unless `publish` is False) build, check, publish.

    With `progress`, says what it does as it goes (lib/runs/progress.py). The outcome is also written to
    <reports>/last_run.json.
    """
    progress = progress or Progress(quiet=True)
    try:
        outcome = _run_pipeline(settings, instance, publish=publish, progress=progress)
    finally:
        progress.close()  # the bar goes, whatever happened
    outcome.release = report_stamp.publication_of(report_stamp.current_manifest(settings))[0]
    write_report(settings, outcome)
    return outcome


def _run_pipeline(
    settings: Settings, instance: dg.DagsterInstance, *, publish: bool, progress: Progress
) -> RunOutcome:
    run_config = _run_config(settings)
    outcome = RunOutcome(started_at=datetime.now(UTC).isoformat(timespec="seconds"))
    inventory = scan(settings.raw_dir)
    outcome.snapshots = inventory.snapshots
    outcome.folders_ignored = inventory.ignored
    outcome.warnings += [
        Problem("settings", check, "switched off by a setting: this run's publication is not checked for it")
        for check in settings.checks_switched_off()
    ]
    if not outcome.snapshots:
        outcome.problems.append(
            Problem("ingest", str(settings.raw_dir), "no snapshot folders (YYYY-MM-DD) found")
        )
        return outcome

    # Skip what has not changed before paying for Dagster, dbt or GX start-up (see up_to_date.py).
    if publish and up_to_date.is_current(settings, inventory):
        # Nothing changed since the current publication: not even the code location is loaded.
        outcome.published = outcome.up_to_date = True
        outcome.files_unchanged = len(inventory.extracts)
        # No check ran, but the publication still has its warnings: those of the marts' last validation.
        with connect(settings, read_only=True) as conn:
            outcome.warnings += [Problem("check", what, message) for what, message in standing_warnings(conn)]
        outcome.finished_at = datetime.now(UTC).isoformat(timespec="seconds")
        return outcome

    # Started now, dbt's parse overlaps the imports and the landing (dbt_manifest.start_parse).
    with parsing_in_background(settings) as wait_for_parse:
        # Files land on threads that spend their time in Arrow's C++ code, while this thread imports the
        # code location (Python). GX's import waits for the landing: a cp1252 file's decoding needs the
        # GIL, and the dbt build, a process of its own, leaves this process idle for longer than GX takes.
        started = time.perf_counter()
        landing_run = f"landing-{uuid.uuid4()}"
        progress.begin("landing", total=len(inventory.extracts))

        def landed_one(result: Landed) -> None:
            progress.file_landed(result.source_file, result.status, result.rows, result.seconds, result.error)

        def land() -> tuple[list[Landed], list[str], float]:
            results, dropped = land_all(
                settings.landing_dir, inventory, run_id=landing_run, on_landed=landed_one
            )
            return results, dropped, time.perf_counter() - started

        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="landing") as background:
            landing = background.submit(land)
            # What both GX's thread and this one import is imported here first: two threads importing
            # one module at once can meet it half-initialised (sqlalchemy.orm.exc, seen once in 68 runs).
            import pandas  # noqa: F401
            import sqlalchemy.orm  # noqa: F401

            from pipelines.definitions import defs
            from pipelines.defs.ingest.assets import landed_metadata, regency_extract

            landed, dropped, landing_seconds = landing.result()
        import_gx_in_background()
        fault_point("after_landing")  # crash tests: every file landed, nothing judged yet
        outcome.runs.append(
            {"job": "landing", "partition": None, "seconds": round(time.perf_counter() - started, 3)}
        )
        outcome.run_ids.append(landing_run)
        outcome.files_dropped = dropped
        counts = Counter(r.status for r in landed)
        progress.stage(
            "landing",
            landing_seconds,
            detail=f"{counts['landed']} landed, {counts['unchanged']} unchanged, {counts['refused']} refused",
        )
        # Rejected rows are known once dbt has judged the files: said as soon as it has.
        progress.after_step["dbt_marts"] = lambda: _say_judged(settings, progress, landed)
        for result in landed:
            if result.status == "refused":
                outcome.problems.append(
                    Problem("ingest", result.source_file, f"{result.source_file}: {result.error}")
                )
            elif result.status == "unchanged":
                outcome.files_unchanged += 1
            else:
                outcome.files_loaded += 1
                outcome.steps.append(
                    {
                        "job": "landing",
                        "partition": result.partition_key,
                        "step": "regency_extract",
                        "status": "success",
                        "seconds": result.seconds,
                    }
                )

        existing = set(instance.get_dynamic_partitions("snapshots"))
        instance.add_dynamic_partitions("snapshots", [s for s in outcome.snapshots if s not in existing])
        # Each landed file is its partition's materialization, as if it had had its own run.
        for result in landed:
            if result.status == "landed":
                instance.report_runless_asset_event(
                    dg.AssetMaterialization(
                        asset_key=regency_extract.key,
                        partition=result.partition_key,
                        metadata=landed_metadata(result),
                        tags={DATA_VERSION_TAG: result.sha256 or ""},
                    )
                )

        def launch(job: str) -> dg.ExecuteInProcessResult:
            started = time.perf_counter()
            with showing(progress):
                result = defs.resolve_job_def(job).execute_in_process(
                    instance=instance, raise_on_error=False, run_config=run_config
                )
            outcome.runs.append(
                {"job": job, "partition": None, "seconds": round(time.perf_counter() - started, 3)}
            )
            return result

        wait_for_parse()
        if not publish:
            outcome.record(launch("judge_extracts"), "marts", "judge_extracts")
            outcome.finished_at = datetime.now(UTC).isoformat(timespec="seconds")
            return outcome
        result = launch("build_and_publish")
        outcome.record(result, "marts", "build_and_publish")
        outcome.published = result.success and any(
            m.asset_key == dg.AssetKey("published") for m in result.get_asset_materialization_events()
        )
        # Reports are written whatever the outcome: a blocked run is when auditors need them most.
        outcome.record(launch("write_audit_reports"), "reports", "audit_reports")
        outcome.finished_at = datetime.now(UTC).isoformat(timespec="seconds")
        return outcome


def _say_judged(settings: Settings, progress: Progress, landed: list[Landed]) -> None:
    """A line per file landed in this run, with its rows as dbt judged them."""
    files = [r.source_file for r in landed if r.status == "landed"]
    if not files:
        return
    with connect(settings, read_only=True) as conn:
        rows = conn.execute(
            "select source_file, rows_read, rows_loaded, rows_rejected from ingest.files "
            "where list_contains(?, source_file) order by snapshot_date, regency_code",
            [files],
        ).fetchall()
    for source_file, read, loaded, rejected in rows:
        progress.file_judged(source_file, read or 0, loaded or 0, rejected or 0)


def report_path(settings: Settings) -> Path:
    return settings.reports_dir / "last_run.json"


def write_report(settings: Settings, outcome: RunOutcome) -> Path:
    settings.reports_dir.mkdir(parents=True, exist_ok=True)
    path = report_path(settings)
    data = asdict(outcome) | {"ok": outcome.ok}
    # Whole or not at all: a reader (or a killed run) never finds half a summary.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
    os.replace(tmp, path)
    return path


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
        print(f"configuration error: {e}", file=sys.stderr)
        return CONFIG_ERROR
    try:
        # Before the nothing-changed check too: it reads what another run may be half-way through.
        with run_lock(settings, settings.lock_wait_seconds, say=lambda line: print(line, flush=True)):
            # Before landing: a run that cannot build must not land either, or it would half-run.
            try:
                preflight.check_warehouse_free(settings)
            except preflight.Unopenable as e:
                print(f"configuration error: {e}", file=sys.stderr)
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
                print(f"RUN FAILED: {first} (trace in {log})", file=sys.stderr)
                return 1
    except (RunLockTimeout, preflight.WarehouseBusy) as e:
        print(f"not started: {e}", file=sys.stderr)
        return BUSY
    held = preflight.opened_during_run(
        settings.warehouse, [p.message for p in outcome.problems], published=outcome.published
    )
    if held is not None:
        print(f"not finished: {held} (run log: {log})", file=sys.stderr)
        return BUSY
    summary = report_path(settings)
    print(f"snapshots: {', '.join(outcome.snapshots) or '-'}")
    print(f"files loaded: {outcome.files_loaded}, unchanged (skipped): {outcome.files_unchanged}")
    for folder in outcome.folders_ignored:
        print(f"IGNORED  {settings.raw_dir}/{folder}")
    for dropped in outcome.files_dropped:
        print(f"DROPPED  {dropped}: no longer in {settings.raw_dir}, its rows left the warehouse")
    for w in outcome.warnings:
        print(f"WARNING  {w.stage:8} {w.what}: {w.message}")
    for p in outcome.problems:
        print(f"FAILED   {p.stage:8} {p.what}: {p.message}")
    docs = settings.reports_dir / "data_docs" / "index.html"
    if docs.is_file():  # no check ran yet on a new deployment that stopped before them
        print(f"validation report: {docs}")
    coverage = settings.publish_dir / "report" / "index.html"
    if coverage.is_file():  # the current publication's, whether this run published or found it current
        print(f"coverage report: {coverage}")
    print(f"run summary: {summary}")
    print(f"run log: {log}")
    if outcome.up_to_date:
        print(f"nothing changed since the current publication in {settings.publish_dir}")
        return 0
    if outcome.ok:
        print(f"published to {settings.publish_dir}")
        return 0
    print("NOT PUBLISHED: the previous publication (if any) is unchanged", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
