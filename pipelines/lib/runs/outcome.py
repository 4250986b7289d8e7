"""What a headless run did, as its summary says it and as `<reports>/last_run.json` keeps it."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg

from pipelines.lib.fsio import atomic_write
from pipelines.lib.out_of_memory import advice, is_out_of_memory
from pipelines.lib.settings import Settings

# The build's first step, which lands the files, and the partitions it records each landing on
# (pipelines/defs/ingest/assets.py).
INVENTORY = dg.AssetKey("extract_inventory")
LANDED = dg.AssetKey("regency_extract")


@dataclass
class Problem:
    stage: str  # 'ingest' | 'snapshot' | 'marts' | 'check' | 'settings'
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

    def record(self, result: dg.ExecutionResult, job: str, stage: str) -> None:
        """Keep a run's id, what it landed, its step timings, failed steps and failed checks."""
        self.run_ids.append(result.run_id)
        self._landing(result, job)
        self.problems += [Problem(stage, job, m) for m in _failures(result)]
        blocking, warnings = _check_problems(result)
        self.problems += blocking
        self.warnings += warnings
        for event in result.all_events:
            if event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE"):
                duration = getattr(event.event_specific_data, "duration_ms", None)
                self.steps.append(
                    {
                        "job": job,
                        "partition": None,
                        "step": event.step_key,
                        "status": "success" if event.event_type_value == "STEP_SUCCESS" else "failure",
                        "seconds": round(duration / 1000, 3) if duration is not None else None,
                    }
                )

    def _landing(self, result: dg.ExecutionResult, job: str) -> None:
        for event in result.get_asset_materialization_events():
            if event.asset_key == LANDED:  # one file landed: its own time, under the landing step
                self.steps.append(
                    {
                        "job": job,
                        "partition": event.partition,
                        "step": event.step_key,
                        "status": "success",
                        "seconds": event.materialization.metadata["seconds"].value,
                    }
                )
            if event.asset_key != INVENTORY:
                continue
            meta = event.materialization.metadata
            self.files_loaded += meta["files_landed"].value
            self.files_unchanged += meta["files_unchanged"].value
            self.files_dropped += meta["files_dropped"].value
            self.problems += [
                Problem("ingest", source_file, f"{source_file}: {error}")
                for source_file, error in meta["refused"].value.items()
            ]
            # Not a failure, as the raw file was there to land again, but something edited the landing.
            again = meta["landed_again"].value if "landed_again" in meta else {}
            self.warnings += [
                Problem("ingest", source_file, f"landed again from the raw file: {why}")
                for source_file, why in again.items()
            ]

    @property
    def ok(self) -> bool:
        return not self.problems and self.published


def _failures(result: dg.ExecutionResult) -> list[str]:
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


def _check_problems(result: dg.ExecutionResult) -> tuple[list[Problem], list[Problem]]:
    blocking, warnings = [], []
    for event in result.all_events:
        if event.event_type_value != "ASSET_CHECK_EVALUATION":
            continue
        evaluation = event.event_specific_data
        if evaluation.passed:
            continue
        key = evaluation.asset_check_key
        where = f"{key.asset_key.to_user_string()}:{key.name}"
        if evaluation.partition:
            where += f" [{evaluation.partition}]"
        severity = warnings if evaluation.severity == dg.AssetCheckSeverity.WARN else blocking
        scopes = evaluation.metadata.get("failed_scopes")
        if scopes is not None and scopes.value:
            # One line per file or snapshot that failed, named as its partition; each failure already
            # said in words (pipelines/lib/quality/plain_words.py).
            for scope, failed in scopes.value.items():
                detail = "failed: " + ", ".join(str(v) for v in failed.values())
                severity.append(Problem("check", f"{where} [{scope}]" if scope else where, detail))
            continue
        severity.append(Problem("check", where, (evaluation.description or "check failed").strip()))
    return blocking, warnings


def unfinished() -> RunOutcome:
    """What last_run.json says while a run works, and still says if its process dies before the end."""
    return RunOutcome(
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        problems=[
            Problem(
                "run",
                "this run",
                "did not finish: the process stopped before saying how the run ended (see last_run.log)",
            )
        ],
    )


def report_path(settings: Settings) -> Path:
    return settings.reports_dir / "last_run.json"


def write_report(settings: Settings, outcome: RunOutcome) -> Path:
    """The summary, whole or not at all: a reader (or a killed run) never finds half of it."""
    settings.reports_dir.mkdir(parents=True, exist_ok=True)
    path = report_path(settings)
    atomic_write(path, json.dumps(asdict(outcome) | {"ok": outcome.ok}, indent=2))
    return path
