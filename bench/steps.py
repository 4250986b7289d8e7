"""Where a pipeline run's time went: Dagster's own step durations, and dbt's per-node timings."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path


def step_seconds(dagster_home: Path, run_ids: list[str]) -> dict[str, dict[str, float]]:
    """Step key -> {'seconds': summed STEP_SUCCESS/FAILURE durations, 'count': steps} over the runs.

    Partitioned steps (one run per regency file) are summed under their step key, so the table says what
    each asset cost in the whole run.
    """
    import dagster as dg
    from dagster._core.instance.ref import InstanceRef

    totals: dict[str, dict[str, float]] = defaultdict(lambda: {"seconds": 0.0, "count": 0})
    ref = InstanceRef.from_dir(str(dagster_home))
    with dg.DagsterInstance.from_ref(ref) as instance:
        for run_id in run_ids:
            for kind in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE):
                for record in instance.all_logs(run_id, of_type=kind):
                    event = record.dagster_event
                    data = event.event_specific_data
                    duration_ms = getattr(data, "duration_ms", None)
                    if duration_ms is None:
                        continue
                    totals[event.step_key]["seconds"] += duration_ms / 1000
                    totals[event.step_key]["count"] += 1
    return dict(totals)


def run_seconds(dagster_home: Path, run_ids: list[str]) -> float:
    """Summed start-to-end time of the Dagster runs (the rest of the process is start-up and glue)."""
    import dagster as dg
    from dagster._core.instance.ref import InstanceRef

    total = 0.0
    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(dagster_home))) as instance:
        for run_id in run_ids:
            stats = instance.get_run_stats(run_id)
            if stats.start_time and stats.end_time:
                total += stats.end_time - stats.start_time
    return total


def dbt_node_seconds(dbt_target_dir: Path) -> dict[str, float] | None:
    """dbt's run_results.json of the last `dbt build` in the warehouse's dbt target folder."""
    results = dbt_target_dir / "run_results.json"
    if not results.exists():
        return None
    data = json.loads(results.read_text(encoding="utf-8"))
    if (data.get("args") or {}).get("which") != "build":
        return None
    nodes = {r["unique_id"]: float(r.get("execution_time") or 0.0) for r in data.get("results", [])}
    nodes["(dbt total elapsed)"] = float(data.get("elapsed_time") or 0.0)
    return nodes
