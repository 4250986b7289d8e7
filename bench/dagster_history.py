"""What sharing one Dagster state between `make run` and `make dev` costs, on the shipped sample.

    python -m bench.dagster_history [--repeats 3]

Each round runs the headless pipeline in this process, into a fresh deployment of the sample, three
ways, in turn:
  memory      on an in-memory instance, nothing recorded (`make run` before sharing the state)
  recorded    on an in-memory instance, then recorded into a persistent one (pipelines/lib/runs/dagster_history.py;
              the same persistent instance every round, as .dagster/ keeps growing)
  persistent  on the persistent SQLite instance itself, every event written as it happens
Then, on the recorded instance and the last recorded deployment: the sensors evaluated as their first
tick would be (empty cursors), and a real `dagster dev` started on it, whose daemon's first ticks are
read back from the instance (status, seconds, runs launched).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from pipelines.lib.settings import REPO_ROOT, Settings

RUNS_DIR = REPO_ROOT / "bench" / "runs"
WORK = RUNS_DIR / "dagster_history"
SAMPLE = REPO_ROOT / "data" / "raw"
VARIANTS = ("memory", "recorded", "persistent")


def _deployment(name: str) -> Settings:
    root = WORK / name
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(SAMPLE, root / "raw", ignore=shutil.ignore_patterns("_scale*"))
    env = {
        "KTP_RAW_DIR": str(root / "raw"),
        "KTP_WAREHOUSE": str(root / "warehouse" / "ktp.duckdb"),
        "KTP_PUBLISH_DIR": str(root / "published"),
        "KTP_REPORTS_DIR": str(root / "reports"),
    }
    os.environ.update(env)  # the Dagster resources read the KTP_* variables
    return Settings.from_env()


def _home(name: str) -> Path:
    home = WORK / name
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO_ROOT / "dagster.yaml", home / "dagster.yaml")
    return home


def _one_run(variant: str, rnd: int, homes: dict[str, Path]) -> dict:
    import dagster as dg

    from pipelines.cli.run import run_pipeline
    from pipelines.lib.runs.dagster_history import record

    settings = _deployment(f"{variant}-{rnd}")
    started = time.perf_counter()
    sample: dict = {"variant": variant, "round": rnd}
    if variant == "persistent":
        with dg.DagsterInstance.from_config(str(homes["persistent"])) as instance:
            outcome = run_pipeline(settings, instance)
    else:
        with dg.DagsterInstance.ephemeral(settings={"telemetry": {"enabled": False}}) as instance:
            outcome = run_pipeline(settings, instance)
            if variant == "recorded":
                recorded_at = time.perf_counter()
                with dg.DagsterInstance.from_config(str(homes["recorded"])) as target:
                    opened = time.perf_counter()
                    done = record(instance, target)
                sample |= {
                    "open_seconds": round(opened - recorded_at, 3),
                    "record_seconds": round(done.seconds, 3),
                    "total_record_seconds": round(time.perf_counter() - recorded_at, 3),
                    "runs_recorded": done.runs,
                    "events_recorded": done.events,
                    "landings_recorded": done.landings,
                }
    sample["seconds"] = round(time.perf_counter() - started, 3)
    if not outcome.ok:
        raise SystemExit(f"{variant} round {rnd} did not publish: {outcome.problems}")
    return sample


def _first_evaluation(home: Path) -> dict:
    """The sensors evaluated on the recorded instance with empty cursors, as their first tick is."""
    import dagster as dg

    from pipelines.definitions import defs
    from pipelines.defs.sensors import new_extracts, rebuild_after_landing

    with dg.DagsterInstance.from_config(str(home)) as instance:
        started = time.perf_counter()
        with dg.build_sensor_context(instance=instance, resources={"ktp": defs.resources["ktp"]}) as ctx:
            landing = new_extracts(ctx)
        landed = time.perf_counter()
        with dg.build_sensor_context(instance=instance, definitions=defs) as ctx:
            build = rebuild_after_landing.evaluate_tick(ctx)
        done = time.perf_counter()
    return {
        "new_extracts_seconds": round(landed - started, 3),
        "new_extracts_requests": len(landing.run_requests),
        "rebuild_after_landing_seconds": round(done - landed, 3),
        "rebuild_after_landing_requests": len(build.run_requests),
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _dagster_dev(home: Path, wait_seconds: float = 240) -> dict:
    """Start `dagster dev` on the recorded instance; read its sensors' first ticks; stop it."""
    import dagster as dg

    env = {**os.environ, "DAGSTER_HOME": str(home), "PYTHONPATH": str(REPO_ROOT)}
    dagster = Path(sys.executable).with_name("dagster")
    cmd = [str(dagster), "dev", "-h", "127.0.0.1", "-p", str(_free_port()), "-m", "pipelines.definitions"]
    log = (WORK / "dagster_dev.log").open("w")
    started = time.time()
    proc = subprocess.Popen(
        cmd, env=env, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    ticks: dict[str, dict] = {}
    try:
        with dg.DagsterInstance.from_config(str(home)) as instance:
            runs_before = len(instance.get_run_records())
            while time.time() - started < wait_seconds and len(ticks) < 2:
                time.sleep(2)
                for state in instance.all_instigator_state():
                    found = instance.get_ticks(state.instigator_origin_id, state.selector_id, limit=100)
                    done = [t for t in found if t.end_timestamp and t.timestamp >= started]
                    if done and state.instigator_name not in ticks:
                        first = min(done, key=lambda t: t.timestamp)
                        ticks[state.instigator_name] = {
                            "after_start_seconds": round(first.timestamp - started, 1),
                            "seconds": round(first.end_timestamp - first.timestamp, 3),
                            "status": first.status.value,
                            "runs": len(first.run_ids),
                            "skip_reason": first.skip_reason,
                        }
            time.sleep(5)  # a run launched by the first ticks would be queued by now
            runs_after = len(instance.get_run_records())
    finally:
        # Ctrl-C, as a person stops it; then the whole session if it lingers.
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
    return {"ticks": ticks, "runs_launched": runs_after - runs_before}


def measure(repeats: int) -> dict:
    shutil.rmtree(WORK, ignore_errors=True)
    homes = {"recorded": _home("home-recorded"), "persistent": _home("home-persistent")}
    os.environ.setdefault("KTP_LOG_LEVEL", "WARNING")
    os.environ.pop("DAGSTER_HOME", None)
    # One run not timed first: imports, dbt's manifest and GX's context cost the first run alone.
    _one_run("memory", 0, homes)
    samples = []
    loads = [os.getloadavg()[0]]
    for rnd in range(1, repeats + 1):
        order = VARIANTS if rnd % 2 else tuple(reversed(VARIANTS))
        for variant in order:
            samples.append(_one_run(variant, rnd, homes))
            print(json.dumps(samples[-1]), flush=True)
            loads.append(os.getloadavg()[0])
    first = _first_evaluation(homes["recorded"])
    dev = _dagster_dev(homes["recorded"])
    return {
        "repeats": repeats,
        "samples": samples,
        "load_average": [min(loads), max(loads)],
        "first_evaluation": first,
        "dagster_dev": dev,
    }


def section(r: dict) -> list[str]:
    def values(variant: str, key: str = "seconds") -> list[float]:
        return sorted(s[key] for s in r["samples"] if s["variant"] == variant)

    def spread(variant: str, key: str = "seconds") -> str:
        v = values(variant, key)
        return f"{statistics.median(v):.2f} | {v[0]:.2f} | {v[-1]:.2f}"

    first, dev = r["first_evaluation"], r["dagster_dev"]
    ticks = "; ".join(
        f"`{name}` {t['status'].lower()} in {t['seconds']:.2f} s, {t['runs']} runs"
        + (f' ("{t["skip_reason"]}")' if t["skip_reason"] else "")
        for name, t in sorted(dev["ticks"].items())
    )
    load = r.get("load_average")
    return [
        "## `make run` and `make dev` share one Dagster state",
        "",
        "`python -m bench.dagster_history`: the headless pipeline on the shipped sample, in one process, "
        f"into a fresh deployment each time, three ways in turn ({r['repeats']} rounds): on the in-memory "
        "instance alone (as before), on it and then recorded into a persistent SQLite instance "
        "(`pipelines/lib/runs/dagster_history.py`, what `make run` does now; the same instance every round), and on "
        "the persistent instance itself (what setting DAGSTER_HOME did before)."
        + (
            f" Load average of the shared machine during the rounds: {load[0]:.1f} to {load[1]:.1f}."
            if load
            else ""
        ),
        "",
        "| way | median s | min s | max s |",
        "|---|---:|---:|---:|",
        f"| in memory, nothing recorded | {spread('memory')} |",
        f"| in memory, then recorded into DAGSTER_HOME | {spread('recorded')} |",
        f"| the recording alone (open the instance, copy) | {spread('recorded', 'total_record_seconds')} |",
        f"| on the persistent instance | {spread('persistent')} |",
        "",
        f"- Recorded per run: {values('recorded', 'events_recorded')[0]:.0f} events, those of "
        f"{values('recorded', 'runs_recorded')[0]:.0f} Dagster runs (build and publish, reports) and "
        f"{values('recorded', 'landings_recorded')[0]:.0f} landed files. Most of the copy's time is "
        "SQLite's run-sharded storage creating a database file for each run.",
        "- First evaluation on that instance, empty cursors: "
        f"`new_extracts` {first['new_extracts_seconds']:.2f} s, {first['new_extracts_requests']} run "
        f"requests; `rebuild_after_landing` {first['rebuild_after_landing_seconds']:.2f} s, "
        f"{first['rebuild_after_landing_requests']} run requests.",
        f"- A real `dagster dev` on it: first ticks {ticks}; runs launched: {dev['runs_launched']}.",
        "",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dagster_history", description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    results = measure(args.repeats)
    path = RUNS_DIR / "results_dagster_history.json"
    path.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print("\n".join(section(results)))
    print(f"written {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
