"""Where a pipeline run's time went: Dagster's own step durations, and dbt's per-node timings."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path


def step_seconds(last_run: dict) -> dict[str, dict[str, float]]:
    """Step key -> {'seconds': summed durations, 'count': steps}, from the run's last_run.json.

    Partitioned steps (one run per regency file) are summed under their step key, so the table says what
    each asset cost in the whole run. The durations are Dagster's own (STEP_SUCCESS/STEP_FAILURE events),
    which pipelines/cli/run.py copies from its in-memory instance.
    """
    totals: dict[str, dict[str, float]] = defaultdict(lambda: {"seconds": 0.0, "count": 0})
    for step in last_run["steps"]:
        if step["seconds"] is not None:
            totals[step["step"]]["seconds"] += step["seconds"]
            totals[step["step"]]["count"] += 1
    return dict(totals)


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
