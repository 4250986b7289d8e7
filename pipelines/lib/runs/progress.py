"""What the headless run shows while it works: a line per file as it lands, then a line per stage.

On a terminal the lines scroll above a progress bar (rich): the files landed out of those to land,
then the stage at work with how many dbt models and tests, or checks, it has finished. Elsewhere (CI,
cron, a pipe) there is no bar and no escape code: the same lines, plain, one per event, flushed as they
come, so a log shows where a run was when it stopped.

Every line comes from the Dagster run's own events, read back from the instance as they are written
(RunFollower): a file's landing, a step that started, succeeded or failed, a model, test or check done.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import TextIO

import dagster as dg

from pipelines.lib.runs.outcome import INVENTORY, LANDED
from pipelines.lib.runs.terminal import one_line

# Step keys of the build's Dagster runs, as a person names the stage.
_STAGES = {
    "extract_inventory": "landing",
    "dbt_marts": "dbt build",
    "ingest__files_gx_ingested_file": "checks: files",
    "ingest__files_gx_snapshot": "checks: snapshots",
    "gx_marts": "checks: marts",
    "gx_warnings": "warnings",
    "published": "publication",
    "audit_reports": "audit reports",
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
        # step key -> what its stage line adds in brackets (e.g. how many files landed)
        self.details: dict[str, str] = {}

    # lines ---------------------------------------------------------------------------------------

    def line(self, text: str) -> None:
        if self.quiet:
            return
        text = one_line(text)  # file names come from the offices: no line break, no escape sequence
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
            self.stage(stage_name(step_key), seconds or 0.0, status, self.details.get(step_key, ""))
            if event_type == "STEP_SUCCESS" and step_key in self.after_step:
                self.after_step[step_key]()


class RunFollower:
    """Reads a Dagster run's events from the instance as the run writes them, on a thread of its own,
    and turns them into progress lines: the same events the UI shows, through the instance's public
    reads, whether the run executes in this process or elsewhere."""

    def __init__(self, instance: dg.DagsterInstance, progress: Progress, *, tag: tuple[str, str]) -> None:
        self.instance = instance
        self.progress = progress
        self.tag = tag
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._follow, name="progress", daemon=True)
        self.run_id: str | None = None
        self._cursor: str | None = None

    def __enter__(self) -> RunFollower:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._read()  # what the run wrote after the last poll

    def _follow(self) -> None:
        while not self._stop.wait(0.2):
            self._read()

    def _read(self) -> None:
        if self.run_id is None:
            records = self.instance.get_run_records(dg.RunsFilter(tags={self.tag[0]: self.tag[1]}), limit=1)
            if not records:
                return
            self.run_id = records[0].dagster_run.run_id
        while True:
            batch = self.instance.get_records_for_run(self.run_id, cursor=self._cursor, limit=500)
            for record in batch.records:
                self._event(record.event_log_entry)
            self._cursor = batch.cursor
            if not batch.has_more:
                return

    def _event(self, entry: dg.EventLogEntry) -> None:
        event = entry.dagster_event
        if event is None:
            return
        kind = event.event_type_value
        if kind == "ASSET_MATERIALIZATION" and event.asset_key == LANDED:
            meta = event.event_specific_data.materialization.metadata
            self.progress.file_landed(
                meta["source_file"].value, "landed", meta["rows_landed"].value, meta["seconds"].value, None
            )
            return
        if kind == "ASSET_MATERIALIZATION" and event.asset_key == INVENTORY:
            meta = event.event_specific_data.materialization.metadata
            self.progress.details[event.step_key] = ", ".join(
                f"{meta[f'files_{s}'].value} {s}" for s in ("landed", "unchanged", "refused")
            )
        if kind == "ASSET_OBSERVATION" and event.asset_key == _JUDGED:
            judged = event.event_specific_data.asset_observation.metadata["judged"].value
            # said once the build's stage line is out
            self.progress.after_step[event.step_key] = lambda: [
                self.progress.file_judged(f, *counts) for f, counts in judged.items()
            ]
            return
        if kind == "ASSET_OBSERVATION" and event.asset_key == LANDED:
            meta = event.event_specific_data.asset_observation.metadata
            self.progress.file_landed(meta["source_file"].value, "refused", 0, 0.0, meta["refused"].value)
            return
        duration = getattr(event.event_specific_data, "duration_ms", None)
        self.progress.dagster_event(event.step_key, kind, duration / 1000 if duration is not None else None)


_JUDGED = dg.AssetKey(["ingest", "files"])
