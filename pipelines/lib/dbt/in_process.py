"""One dbt command run inside the Dagster process, its node results streamed as Dagster events.

dagster-dbt's DbtCliResource starts a dbt process per build and reads its JSON log from stdout. That
costs a fixed 2.5-4 s a build here (measured on the same scale-10 build: 15-17 s wall for a process
against 12-12.5 s in this one, for the same ~10 s of dbt's own work): the interpreter, dbt's imports,
and every log line serialised, piped and parsed. dbt's documented programmatic entry point, dbtRunner,
runs the same command in this process; its callback receives each event, and the node results go
through dagster-dbt's own conversion (DbtCoreCliEventMessage.to_default_asset_events), so models,
seeds and tests become the same outputs and asset checks as with the dbt process.

dbt runs on a thread of its own while the step's generator yields the events it produces: the
Dagster UI sees each model finish as it finishes.
"""

from __future__ import annotations

import importlib
import json
import os
import queue
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtProject
from dagster_dbt.asset_utils import (
    extract_runtime_selection_from_args,
    get_updated_cli_invocation_params_for_context,
)
from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage
from dbt.cli.main import dbtRunner
from dbt_common.events.functions import msg_to_dict

from pipelines.lib.out_of_memory import advice, is_out_of_memory

# What a dbt command imports on its thread the first time, imported here with the code location, on
# the main thread: GX's import runs on a thread beside the build, and two threads importing one module
# at once can meet it half-initialised (sqlalchemy.orm.exc, seen once in 68 runs).
for _module in (
    "_strptime",
    "babel.dates",
    "daff",
    "dbt.adapters.duckdb",
    "dbt.compilation",
    "dbt.runners",
    "dbt.task.build",
    "multiprocessing.dummy",
    "sqlparse",
):
    importlib.import_module(_module)

# The events that carry a node's result (what dagster-dbt turns into outputs and check results).
_RESULT_EVENTS = frozenset({"LogSeedResult", "LogModelResult", "LogSnapshotResult", "LogTestResult"})
_FAILED = frozenset({"error", "fail", "runtime error"})
_DONE = object()
# Nothing on the console: the events reach the Dagster log as materializations and check results, a
# failure is raised as one dg.Failure line, and dbt's own account (its errors' tracebacks too, which
# `--quiet` still prints) stays in dbt.log beside the target.
_SILENT = ("--log-level", "none", "--log-level-file", "debug")


def stream_dbt(
    context: dg.AssetExecutionContext,
    args: Sequence[str],
    *,
    project: DbtProject,
    translator: DagsterDbtTranslator,
    profiles_dir: Path,
    target_path: Path,
) -> Iterator[Any]:
    """Run `dbt <args>` for the assets selected in `context`; yield their Dagster events, then raise
    dg.Failure naming the nodes that failed, if any did (as dagster-dbt raises for a dbt process)."""
    cleaned, selects, excludes = extract_runtime_selection_from_args(args)
    params = get_updated_cli_invocation_params_for_context(
        context=context,
        manifest=_manifest(project),
        dagster_dbt_translator=translator,
        runtime_selects=selects,
        runtime_excludes=excludes,
    )
    project_dir = Path(params.dbt_project.project_dir if params.dbt_project else project.project_dir)
    # dagster-dbt names an indirect selection only for a subset of the assets; one given in `args`
    # (dbt_state.seed_args, whole builds only) is the caller's decision.
    indirect = params.indirect_selection if "--indirect-selection" not in cleaned else None
    command = [
        *cleaned,
        *params.selection_args,
        *(["--indirect-selection", indirect] if indirect else []),
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(profiles_dir),
        "--target-path",
        str(target_path),
        "--log-path",
        str(target_path),
        *_SILENT,
    ]
    events: queue.SimpleQueue = queue.SimpleQueue()
    outcome: dict[str, Any] = {}

    def on_event(msg) -> None:
        if msg.info.name in _RESULT_EVENTS:
            events.put(msg_to_dict(msg))

    def invoke() -> None:
        try:
            outcome["result"] = dbtRunner(callbacks=[on_event]).invoke(command)
        except BaseException as e:  # noqa: BLE001 - handed to the step's thread, raised there
            outcome["error"] = e
        finally:
            _close_warehouse()
            events.put(_DONE)

    worker = threading.Thread(target=invoke, name="dbt", daemon=True)
    worker.start()
    while (raw := events.get()) is not _DONE:
        event = DbtCoreCliEventMessage(raw_event=raw, event_history_metadata={})
        yield from event.to_default_asset_events(
            manifest=params.manifest,
            dagster_dbt_translator=params.dagster_dbt_translator,
            context=context,
            target_path=target_path,
            project=project,
        )
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    _raise_on_failure(outcome["result"])


def run_dbt(args: Sequence[str], *, env: Mapping[str, str], profiles_dir: Path) -> None:
    """One dbt command without Dagster events (`dbt docs generate`), in this process; raises
    dg.Failure if it failed."""
    with environment(env):
        try:
            result = dbtRunner().invoke([*args, "--profiles-dir", str(profiles_dir), *_SILENT])
        finally:
            _close_warehouse()
    _raise_on_failure(result)


@contextmanager
def environment(extra: Mapping[str, str]) -> Iterator[None]:
    """dbt reads os.environ (the profile, the sources' landing folder): point it at this run's
    warehouse for the length of a command."""
    saved = {k: os.environ.get(k) for k in extra}
    os.environ.update(extra)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _close_warehouse() -> None:
    """Close the DuckDB database dbt-duckdb opened in this process.

    dbt-duckdb keeps its database open after the command (its environment is a class attribute, meant
    for a process that ends with the command), and DuckDB refuses a second connection with another
    configuration in the same process, such as the read-only ones the checks and the publication
    open: "Can't open a connection to same database file with a different configuration".
    """
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        opened, DuckDBConnectionManager._ENV = DuckDBConnectionManager._ENV, None
    if opened is not None:
        opened.close()


def _manifest(project: DbtProject) -> dict[str, Any]:
    return json.loads(Path(project.manifest_path).read_text(encoding="utf-8"))


def _raise_on_failure(result) -> None:
    if result.success:
        return
    if result.exception is not None:
        first = str(result.exception).strip().splitlines() or [type(result.exception).__name__]
        raise dg.Failure(description=f"dbt could not run: {first[0]}")
    results = [r for r in getattr(result.result, "results", None) or [] if str(r.status) in _FAILED]
    starved = [r.node.unique_id for r in results if is_out_of_memory(str(r.message or ""))]
    if starved:
        # One cause for every node it failed: the line says what to change, not which models broke.
        raise dg.Failure(description=advice(", ".join(starved)))
    failed = [f"{r.node.unique_id} ({r.status})" for r in results]
    raise dg.Failure(description="dbt build failed: " + (", ".join(failed) or "see the dbt log"))
