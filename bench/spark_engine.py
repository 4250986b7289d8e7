"""The pipeline on Spark against the same pipeline on DuckDB, on one machine (part `spark` of make bench).

    python -m bench.spark_engine [--scale 1] [--repeats 1] [--master local[2]] [--json OUT]

Per round, each engine runs `python -m pipelines run` as a subprocess into a fresh deployment over the
same extracts (a), then again after one regency's file changed (c). The published marts of the two
engines must be the same bytes after each; a difference stops the benchmark. Where the time goes comes
from each run's last_run.json (Dagster's step durations) and dbt's run_results.json (per node), with
dbt's own split of each node into compiling (which for an incremental model includes the queries that
decide its partitions) and executing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from collections import defaultdict
from pathlib import Path

from bench.procmon import run_measured
from bench.run import CHANGED_REGENCY, BenchmarkFailed, Round, _env, _sample, cached_extracts, change_one_file
from bench.steps import step_seconds
from pipelines.lib.fsio import sha256_of
from pipelines.lib.settings import REPO_ROOT, Settings

ENGINES = ("duckdb", "spark")


def _published(publish_dir: Path) -> dict[str, str]:
    root = Path(os.path.realpath(publish_dir))
    return {p.name: sha256_of(p) for p in sorted(root.iterdir()) if p.is_file() and p.name != "manifest.json"}


def _dbt_profile(target_dir: Path) -> dict:
    """dbt's elapsed time, its nodes' time by kind, and the slowest nodes split into compile/execute."""
    data = json.loads((target_dir / "run_results.json").read_text(encoding="utf-8"))
    by_kind: dict[str, float] = defaultdict(float)
    nodes = []
    for r in data["results"]:
        kind = r["unique_id"].split(".")[0]
        by_kind[kind] += r["execution_time"]
        phases = {t["name"]: _seconds(t) for t in r.get("timing") or []}
        nodes.append({"node": r["unique_id"], "seconds": r["execution_time"], **phases})
    nodes.sort(key=lambda n: -n["seconds"])
    return {
        "elapsed": data["elapsed_time"],
        "nodes": len(nodes),
        "by_kind": dict(by_kind),
        "compile": sum(n.get("compile", 0.0) for n in nodes),
        "execute": sum(n.get("execute", 0.0) for n in nodes),
        "slowest": nodes[:8],
    }


def _seconds(timing: dict) -> float:
    from datetime import datetime

    if not timing.get("started_at") or not timing.get("completed_at"):
        return 0.0
    start = datetime.fromisoformat(timing["started_at"].rstrip("Z"))
    end = datetime.fromisoformat(timing["completed_at"].rstrip("Z"))
    return (end - start).total_seconds()


def _run(rnd: Round, engine: str, master: str, label: str) -> dict:
    env = {**rnd.pipeline_env(), "KTP_ENGINE": engine, "KTP_SPARK_MASTER": master}
    measured = run_measured([sys.executable, "-m", "pipelines", "run"], env=env, cwd=REPO_ROOT)
    if measured.returncode != 0:
        raise BenchmarkFailed(
            f"({label}, {engine}) pipeline exited {measured.returncode}:\n{measured.stdout[-3000:]}"
        )
    settings = Settings.from_env(env)
    sample = _sample(measured, steps=step_seconds(rnd.last_run()), dbt=_dbt_profile(settings.dbt_target_dir))
    print(
        f"    ({label}) {engine:7} {measured.seconds:8.1f} s  {measured.peak_rss_bytes / 2**30:.2f} GiB",
        flush=True,
    )
    return sample


def measure(scale: float, repeats: int, seed: int, snapshots: str, master: str) -> dict:
    cache = cached_extracts(scale, seed, snapshots)
    results: dict = {"scale": scale, "master": master, "cores": os.cpu_count(), "rounds": []}
    for i in range(repeats):
        print(f"spark against duckdb, scale {scale:g}, round {i + 1}/{repeats}", flush=True)
        rounds = {engine: Round(scale, i, cache, name=f"engine-{engine}") for engine in ENGINES}
        sample: dict = {"a": {}, "c": {}}
        for label in ("a", "c"):
            if label == "c":
                for rnd in rounds.values():
                    change_one_file(rnd.raw, CHANGED_REGENCY)
            for engine in ENGINES:
                sample[label][engine] = _run(rounds[engine], engine, master, label)
            published = {e: _published(r.dir / "published") for e, r in rounds.items()}
            different = sorted(
                n for n in published["duckdb"] if published["duckdb"][n] != published["spark"].get(n)
            )
            if different or sorted(published["duckdb"]) != sorted(published["spark"]):
                raise BenchmarkFailed(f"({label}) the engines published different files: {different}")
            print(f"    ({label}) the published marts are the same bytes on both engines", flush=True)
        results["rounds"].append(sample)
    for label in ("a", "c"):
        for engine in ENGINES:
            results[f"median_{label}_{engine}"] = statistics.median(
                r[label][engine]["seconds"] for r in results["rounds"]
            )
        results[f"ratio_{label}"] = results[f"median_{label}_spark"] / results[f"median_{label}_duckdb"]
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.spark_engine", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--seed", type=int, default=6500)
    parser.add_argument("--snapshots", default="2026-03-31,2026-09-30")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    os.environ.update(_env({}))
    try:
        result = measure(args.scale, args.repeats, args.seed, args.snapshots, args.master)
    except BenchmarkFailed as e:
        print(f"BENCHMARK FAILED: {e}", file=sys.stderr)
        return 1
    print(f"spark / duckdb: (a) {result['ratio_a']:.2f}, (c) {result['ratio_c']:.2f}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
