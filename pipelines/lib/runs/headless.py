"""The headless run (`make run`): the jobs a person launches from the UI, executed on the same instance.

Nothing changed since the current publication: stop before any Dagster, dbt or GX start-up. Otherwise
execute `build_and_publish` (land what changed, one dbt build, the checks, the publication) and then
`write_audit_reports`, with Dagster's public `execute_job` on the instance `make dev` shows: the runs
appear there as they go, step by step, and can be re-launched there. The progress lines are those
runs' events, read back from the instance (pipelines/lib/runs/progress.py).
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import dagster as dg

from pipelines.lib.dbt.project import parsing_in_background
from pipelines.lib.ingest.discovery import scan
from pipelines.lib.publish import report_stamp
from pipelines.lib.quality.context import import_gx_in_background
from pipelines.lib.quality.standing_warnings import standing_warnings
from pipelines.lib.runs import run_log, up_to_date
from pipelines.lib.runs.outcome import Problem, RunOutcome, unfinished, write_report
from pipelines.lib.runs.progress import Progress, RunFollower
from pipelines.lib.settings import REPO_ROOT, Settings
from pipelines.lib.warehouse import connect

# The instance `make run` and `make dev` share when DAGSTER_HOME is not set otherwise.
DEFAULT_HOME = REPO_ROOT / ".dagster"
# Tags of a headless run: which one to follow, and who launched it.
FOLLOW_TAG = "ktp/headless_run"
LAUNCHED_BY = {"ktp/launched_by": "make run"}


def job_named(name: str) -> dg.JobDefinition:
    """The job as the code location defines it (what execute_job reconstructs from its name)."""
    from pipelines.definitions import defs

    return defs.resolve_job_def(name)


@contextmanager
def dagster_instance() -> Iterator[dg.DagsterInstance]:
    """DAGSTER_HOME's instance (`make dev`'s), the repository's .dagster/ when the variable is unset."""
    if not os.environ.get("DAGSTER_HOME"):
        DEFAULT_HOME.mkdir(exist_ok=True)
        config = DEFAULT_HOME / "dagster.yaml"
        if not config.exists():
            config.symlink_to(REPO_ROOT / "dagster.yaml")
        os.environ["DAGSTER_HOME"] = str(DEFAULT_HOME)
    with dg.DagsterInstance.get() as instance:
        yield instance


def _run_config(settings: Settings) -> dict:
    log = str(run_log.log_path(settings))
    return {
        "loggers": {
            "console": {"config": {"log_level": settings.log_level, "trace_file": log}},
            "run_file": {"config": {"path": log}},
        }
    }


def run_pipeline(
    settings: Settings,
    instance: dg.DagsterInstance,
    *,
    publish: bool = True,
    progress: Progress | None = None,
) -> RunOutcome:
    """Land every changed file, then (unless `publish` is False: judge only) build, check, publish.

    With `progress`, says what it does as it goes. The outcome is also written to
    <reports>/last_run.json.
    """
    progress = progress or Progress(quiet=True)
    # Before any work: a run that dies without a word (killed, out of memory, a library that aborts the
    # process) must not leave the previous run's summary saying all went well. The run's end replaces it.
    write_report(settings, unfinished())
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
        outcome.published = outcome.up_to_date = True
        outcome.files_unchanged = len(inventory.extracts)
        # No check ran, but the publication still has its warnings: those of the marts' last validation.
        with connect(settings, read_only=True) as conn:
            outcome.warnings += [Problem("check", what, message) for what, message in standing_warnings(conn)]
        outcome.finished_at = datetime.now(UTC).isoformat(timespec="seconds")
        return outcome

    # dbt's parse (a process of its own) overlaps the code location's import; GX's import, on a thread,
    # overlaps the landing and the dbt build.
    with parsing_in_background(settings) as wait_for_parse:
        job_named("build_and_publish")
        wait_for_parse()
    import_gx_in_background()

    def launch(job: str, stage: str) -> dg.ExecutionResult:
        started = time.perf_counter()
        token = uuid.uuid4().hex
        settings.reports_dir.mkdir(parents=True, exist_ok=True)
        # What the steps print (dagster-dbt re-emits dbt's log lines there, for the UI's step logs) goes
        # to the run log: the console has the progress lines and the summary.
        with (
            open(run_log.log_path(settings), "a", encoding="utf-8") as step_output,
            contextlib.redirect_stdout(step_output),
            RunFollower(instance, progress, tag=(FOLLOW_TAG, token)),
            dg.execute_job(
                dg.build_reconstructable_job(__name__, "job_named", reconstructable_args=(job,)),
                instance=instance,
                run_config=_run_config(settings),
                tags={FOLLOW_TAG: token, **LAUNCHED_BY},
                raise_on_error=False,
            ) as result,
        ):
            outcome.record(result, job, stage)
        outcome.runs.append(
            {"job": job, "partition": None, "seconds": round(time.perf_counter() - started, 3)}
        )
        return result

    if not publish:
        launch("judge_extracts", "marts")
        outcome.finished_at = datetime.now(UTC).isoformat(timespec="seconds")
        return outcome
    result = launch("build_and_publish", "marts")
    outcome.published = result.success and any(
        m.asset_key == dg.AssetKey("published") for m in result.get_asset_materialization_events()
    )
    # Reports are written whatever the outcome: a blocked run is when auditors need them most.
    launch("write_audit_reports", "reports")
    outcome.finished_at = datetime.now(UTC).isoformat(timespec="seconds")
    return outcome
