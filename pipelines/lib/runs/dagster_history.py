"""A headless run's Dagster history, recorded into the persistent instance that `make dev` shows.

The headless run executes on an in-memory instance (pipelines/cli/run.py): on the persistent SQLite
instance, its ~430 events written one at a time took a sample run twice as long (BENCHMARKS.md).
Once the run is over, `record` copies what the in-memory instance holds into DAGSTER_HOME's instance:
every run with its job and plan snapshots, every event of each (steps, materializations with their
partitions, asset check evaluations, logs), the landing's runless materializations, and the snapshot
partitions. The UI then shows the headless runs as if they had run there. On SQLite the events go in
one transaction per database file instead of one per event: the copy takes ~1.5 s on the sample,
most of it SQLite creating a database file for each run.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import dagster as dg
from dagster._core.events import DagsterEventType
from dagster._core.instance.utils import RUNLESS_RUN_ID
from dagster._time import datetime_from_timestamp

# Copied runs carry this tag, so the UI can filter what `make run` did.
HEADLESS_TAG = "ktp/recorded_from"
_RUN_BOUNDS = {
    DagsterEventType.RUN_START,
    DagsterEventType.RUN_SUCCESS,
    DagsterEventType.RUN_FAILURE,
    DagsterEventType.RUN_CANCELED,
}


@dataclass
class Recorded:
    runs: int
    events: int  # the runs' and the landings'
    landings: int  # runless materializations of regency_extract partitions
    seconds: float


def record_into_home(source: dg.DagsterInstance) -> Recorded | None:
    """Record `source`'s history into DAGSTER_HOME's instance, when DAGSTER_HOME is set.

    The warehouse and the publication are the run's outcome; this is a view of it. A history that
    cannot be recorded is said in one line and leaves the run's exit status as it was.
    """
    home = os.environ.get("DAGSTER_HOME")
    if not home or not (source.get_run_records(limit=1) or source.all_logs(RUNLESS_RUN_ID)):
        return None  # nothing ran (nothing had changed): nothing to show
    try:
        with dg.DagsterInstance.get() as target:
            return record(source, target)
    except Exception as e:
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        print(
            f"WARNING  the run's Dagster history was not recorded in DAGSTER_HOME={home}: {first}",
            file=sys.stderr,
        )
        return None


def record(source: dg.DagsterInstance, target: dg.DagsterInstance) -> Recorded:
    """Copy every run, event and snapshot partition of `source` that `target` does not have yet."""
    # Imported here, not above: the headless run imports this module before its nothing-changed check.
    from pipelines.defs.ingest.assets import snapshot_partitions

    started = time.perf_counter()
    runs = [r for r in reversed(source.get_run_records()) if not target.has_run(r.dagster_run.run_id)]
    events = {r.dagster_run.run_id: source.all_logs(r.dagster_run.run_id) for r in runs}
    runless = source.all_logs(RUNLESS_RUN_ID)

    known = set(target.get_dynamic_partitions(snapshot_partitions.name))
    new = [p for p in source.get_dynamic_partitions(snapshot_partitions.name) if p not in known]
    if new:
        target.add_dynamic_partitions(snapshot_partitions.name, new)
    # The runs' events first: a run becomes visible (below) with its whole history behind it.
    with _one_transaction_per_file(target):
        for run_events in events.values():
            for entry in run_events:
                target.store_event(entry)
    for run_record in runs:
        _add_run(source, target, run_record, events[run_record.dagster_run.run_id])
    # The landings last: by the time `make dev`'s rebuild_after_landing sees them, the build that
    # judged them is there too, and it asks for no second one.
    with _one_transaction_per_file(target):
        for entry in runless:
            target.store_event(entry)
    count = sum(len(e) for e in events.values()) + len(runless)
    return Recorded(len(runs), count, len(runless), time.perf_counter() - started)


def _add_run(
    source: dg.DagsterInstance,
    target: dg.DagsterInstance,
    run_record: dg.RunRecord,
    events: Sequence[dg.EventLogEntry],
) -> None:
    run = run_record.dagster_run
    # The UI draws a run's graph and plan from these snapshots.
    if not target.run_storage.has_job_snapshot(run.job_snapshot_id):
        target.run_storage.add_job_snapshot(source.run_storage.get_job_snapshot(run.job_snapshot_id))
    plan = run.execution_plan_snapshot_id
    if plan and not target.run_storage.has_execution_plan_snapshot(plan):
        target.run_storage.add_execution_plan_snapshot(source.run_storage.get_execution_plan_snapshot(plan))
    target.run_storage.add_historical_run(
        run.with_tags({**run.tags, HEADLESS_TAG: "make run"}), run_record.create_timestamp
    )
    # The start and the end set the run's times and its final status, as they did in the live run.
    for entry in events:
        if entry.dagster_event is not None and entry.dagster_event_type in _RUN_BOUNDS:
            target.run_storage.handle_run_event(
                run.run_id, entry.dagster_event, datetime_from_timestamp(entry.timestamp)
            )


@contextmanager
def _one_transaction_per_file(instance: dg.DagsterInstance) -> Iterator[None]:
    """Let SQLite event storage write through one open transaction per database file.

    SqliteEventLogStorage opens an engine, a connection and a transaction for every write (three or
    four per asset event: the run's file and the cross-run index), and each commit syncs the file.
    For the length of the copy its `_connect` hands out one connection per file instead, committed
    at the end; its own code still writes every row (event, asset index, tags, check executions).
    Any other storage (e.g. Postgres) stores event by event as it always does.
    """
    from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
    from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    storage = instance.event_log_storage
    if not isinstance(storage, SqliteEventLogStorage):
        yield
        return
    engines, connections = {}, {}

    @contextmanager
    def connect(shard: str):
        if shard not in connections:
            engine = create_engine(
                storage.conn_string_for_shard(shard),
                poolclass=NullPool,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
            )
            if shard not in storage._initialized_dbs:
                storage._initdb(engine)
                storage._initialized_dbs.add(shard)
            connection = engine.connect()
            connection.begin()
            engines[shard], connections[shard] = engine, connection
        yield connections[shard]

    storage._connect = connect
    try:
        yield
        for connection in connections.values():
            connection.commit()
    finally:
        del storage._connect
        for connection in connections.values():
            connection.close()  # rolls back what was not committed
        for engine in engines.values():
            engine.dispose()
