"""The benchmark (`make bench`): the headless pipeline against the plain-DuckDB baseline.

    python -m bench.run [--scales 1,10] [--repeats 3 | --repeats 1=3,10=1] [--seed 6500]

Per scale, each round runs, as subprocesses (so start-up counts) and alternately:
  (a) `python -m pipelines run` into a fresh warehouse, publish and reports dir: ingest, dbt, checks, publish
  (b) `python -m bench.baseline` on the same files into a fresh DuckDB file
  (c) the pipeline again on the same warehouse after one regency's file changed
  (d) the pipeline again with nothing changed
After (a) the marts must equal the baseline's; after (c) and (d) they must equal a (not timed) baseline run
on the changed files. A mismatch or a failed run stops the benchmark with exit status 1.

Extracts are generated once per (scale, seed, snapshots) into bench/cache/ (not timed); runs go to
bench/runs/. Results are kept per scale in bench/runs/results_scale<S>[-<label>].json and BENCHMARKS.md is
written from every results file there, so scales (and settings such as KTP_DUCKDB_MEMORY_LIMIT, passed on
to every run through the environment, with --label naming the variant) can be run separately.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench.compare import mismatches
from bench.procmon import Measured, run_measured
from bench.report import write_report
from bench.steps import dbt_node_seconds, step_seconds
from pipelines.lib.settings import REPO_ROOT, Settings

BENCH_DIR = REPO_ROOT / "bench"
CACHE_DIR = BENCH_DIR / "cache"
RUNS_DIR = BENCH_DIR / "runs"
CHANGED_REGENCY = "6502"  # Malinau: a small CSV, so (c) measures the incremental path, not one big file


class BenchmarkFailed(Exception):
    pass


def cached_extracts(scale: float, seed: int, snapshots: str, styles: str = "messy") -> Path:
    """Generate (not timed) or reuse the synthetic extracts of this scale."""
    out = CACHE_DIR / f"scale{scale:g}-seed{seed}-{snapshots.replace(',', '_')}-{styles}"
    if out.is_dir():
        return out
    partial = out.with_name(out.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    print(f"generating scale {scale:g} into {out} (not timed) ...", flush=True)
    subprocess.run(
        [sys.executable, "-m", "tools.synthetic", "--scale", f"{scale:g}", "--out", str(partial)]
        + ["--seed", str(seed), "--snapshots", snapshots, "--styles", styles],
        check=True,
        env=_env({}),
        cwd=REPO_ROOT,
    )
    partial.rename(out)
    return out


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DO_NOT_TRACK": "1",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
            "GX_ANALYTICS_ENABLED": "false",
            "PYTHONPATH": str(REPO_ROOT),
            "KTP_LOG_LEVEL": env.get("KTP_LOG_LEVEL", "WARNING"),
        }
    )
    env.update(extra)
    return env


def _link_raw(cache: Path, raw: Path, snapshots: list[str] | None = None) -> None:
    """Hard-link the cached snapshot folders (all, or those named): free and fast, and the cache stays
    pristine as long as a changed file is written as a new file (see change_one_file)."""
    for snap in sorted(p for p in cache.iterdir() if p.is_dir()):
        if snapshots is not None and snap.name not in snapshots:
            continue
        (raw / snap.name).mkdir(parents=True)
        for f in snap.iterdir():
            os.link(f, raw / snap.name / f.name)


def change_one_file(raw: Path, regency4: str = CHANGED_REGENCY, rows: int = 25) -> Path:
    """The office re-sends its latest file with a few residents now recorded (BELUM -> SUDAH REKAM)."""
    latest = sorted(p for p in raw.iterdir() if p.is_dir())[-1]
    (path,) = [p for p in latest.iterdir() if p.name.startswith(regency4)]
    data = path.read_bytes()
    for old, new in ((b"BELUM_REKAM", b"SUDAH_REKAM"), (b"BELUM REKAM", b"SUDAH REKAM")):
        if old in data:
            data = data.replace(old, new, rows)
            break
    else:
        raise BenchmarkFailed(f"{path}: no BELUM REKAM row to change")
    path.unlink()  # break the hard link to the cache before writing
    path.write_bytes(data)
    return path


class Round:
    """One round's directories: raw (linked), the pipeline's deployment and the baselines."""

    def __init__(
        self, scale: float, index: int, cache: Path, name: str = "", snapshots: list[str] | None = None
    ):
        self.dir = RUNS_DIR / f"scale{scale:g}{'-' + name if name else ''}" / f"round{index}"
        shutil.rmtree(self.dir, ignore_errors=True)
        self.raw = self.dir / "raw"
        self.raw.mkdir(parents=True)
        _link_raw(cache, self.raw, snapshots)
        self.warehouse = self.dir / "warehouse" / "ktp.duckdb"

    def pipeline_env(self) -> dict[str, str]:
        return _env(
            {
                "KTP_RAW_DIR": str(self.raw),
                "KTP_WAREHOUSE": str(self.warehouse),
                "KTP_PUBLISH_DIR": str(self.dir / "published"),
                "KTP_REPORTS_DIR": str(self.dir / "reports"),
            }
        )

    def last_run(self) -> dict:
        return json.loads((self.dir / "reports" / "last_run.json").read_text(encoding="utf-8"))


def _pipeline(rnd: Round, label: str) -> Measured:
    measured = run_measured([sys.executable, "-m", "pipelines", "run"], env=rnd.pipeline_env(), cwd=REPO_ROOT)
    if measured.returncode != 0:
        raise BenchmarkFailed(
            f"({label}) pipeline exited {measured.returncode}:\n"
            f"{measured.stdout[-3000:]}\n{measured.stderr[-3000:]}"
        )
    return measured


def _baseline(rnd: Round, name: str) -> tuple[Measured, Path]:
    db = rnd.dir / name / "baseline.duckdb"
    measured = run_measured(
        [sys.executable, "-m", "bench.baseline", "--raw", str(rnd.raw), "--db", str(db)],
        env=_env({}),
        cwd=REPO_ROOT,
    )
    if measured.returncode != 0:
        raise BenchmarkFailed(f"baseline exited {measured.returncode}:\n{measured.stderr[-3000:]}")
    return measured, db


def _require_equal(rnd: Round, baseline_db: Path, label: str) -> None:
    diffs = mismatches(rnd.warehouse, baseline_db)
    if diffs:
        raise BenchmarkFailed(f"({label}) marts differ from the baseline's:\n  " + "\n  ".join(diffs))
    print(f"    ({label}) marts identical to the baseline's", flush=True)


def _sample(m: Measured, **extra) -> dict:
    # The 1-minute load average after the run: other work on this 2-core machine skews a sample.
    load = Path("/proc/loadavg").read_text().split()[0]
    return {
        "seconds": m.seconds,
        "peak_rss_bytes": m.peak_rss_bytes,
        "loadavg_1m": float(load),
        "commit": _commit(),
        **extra,
    }


def _commit() -> str:
    """HEAD, marked '+dirty' when pipelines/, dbt_project/ or expectations/ have local changes: others
    work in this checkout, so each sample says which code it measured."""
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO_ROOT
    )
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", "pipelines", "dbt_project", "expectations"],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
    )
    return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def bench_scale(scale: float, repeats: int, seed: int, snapshots: str, styles: str) -> dict:
    cache = cached_extracts(scale, seed, snapshots, styles)
    files = sorted(p for p in cache.rglob("*") if p.is_file() and p.parent != cache)
    results: dict = {
        "scale": scale,
        "seed": seed,
        "snapshots": snapshots,
        "styles": styles,
        "memory_limit": _memory_limit(),
        "raw_bytes": sum(p.stat().st_size for p in files),
        "raw_files": len([p for p in files if p.suffix.lower() in (".csv", ".xlsx")]),
        "answer_key_rows": _rows_written(cache),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "a": [],
        "b": [],
        "c": [],
        "d": [],
    }
    for i in range(repeats):
        print(f"scale {scale:g}, round {i + 1}/{repeats}", flush=True)
        rnd = Round(scale, i, cache)
        a = _pipeline(rnd, "a")
        last_run = rnd.last_run()
        profile = {
            "steps": step_seconds(last_run),
            "dagster_runs_seconds": sum(r["seconds"] for r in last_run["runs"]),
            "dbt_nodes": dbt_node_seconds(Settings.from_env(rnd.pipeline_env()).dbt_target_dir),
        }
        results["a"].append(_sample(a, profile=profile))
        print(
            f"    (a) pipeline, fresh     {a.seconds:8.1f} s  {a.peak_rss_bytes / 2**30:.2f} GiB", flush=True
        )
        b, base_db = _baseline(rnd, "baseline")
        results["b"].append(_sample(b, phases=b.stdout.strip()))
        print(
            f"    (b) baseline            {b.seconds:8.1f} s  {b.peak_rss_bytes / 2**30:.2f} GiB", flush=True
        )
        _require_equal(rnd, base_db, "a")
        changed = change_one_file(rnd.raw)
        c = _pipeline(rnd, "c")
        dbt_nodes = dbt_node_seconds(Settings.from_env(rnd.pipeline_env()).dbt_target_dir)
        results["c"].append(
            _sample(c, changed=changed.name, steps=step_seconds(rnd.last_run()), dbt_nodes=dbt_nodes)
        )
        print(
            f"    (c) one file changed    {c.seconds:8.1f} s  {c.peak_rss_bytes / 2**30:.2f} GiB", flush=True
        )
        _, changed_db = _baseline(rnd, "baseline_changed")
        _require_equal(rnd, changed_db, "c")
        d = _pipeline(rnd, "d")
        results["d"].append(_sample(d, steps=step_seconds(rnd.last_run())))
        print(
            f"    (d) nothing changed     {d.seconds:8.1f} s  {d.peak_rss_bytes / 2**30:.2f} GiB", flush=True
        )
        _require_equal(rnd, changed_db, "d")
        results["warehouse_bytes"] = rnd.warehouse.stat().st_size
        if i < repeats - 1:
            shutil.rmtree(rnd.dir, ignore_errors=True)  # scale 10 warehouses are gigabytes
    results["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    for kind in "abcd":
        results[f"median_{kind}"] = statistics.median(s["seconds"] for s in results[kind])
    return results


def month_ends(count: int, last: str = "2026-09-30") -> list[str]:
    """`count` consecutive month-end dates ending at `last`."""
    year, month = int(last[:4]), int(last[5:7])
    out = []
    for _ in range(count):
        first_of_next = date(year + (month == 12), month % 12 + 1, 1)
        out.append((first_of_next - timedelta(days=1)).isoformat())
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return sorted(out)


def bench_new_snapshot(repeats: int, seed: int, styles: str, history: int) -> dict:
    """(e): adding a snapshot to a warehouse that holds `history` snapshots, against one that holds one.

    Both warehouses are built (not timed) from the snapshots before the new one; then the new snapshot's
    folder is linked in and the run is timed. A run that pays for what changed costs the same in both.
    """
    snapshots = month_ends(history + 1)
    cache = cached_extracts(1.0, seed, ",".join(snapshots), styles)
    results: dict = {"kind": "new_snapshot", "history": history, "snapshots": snapshots, "styles": styles}
    for held in (1, history):
        results[f"e{held}"] = []
    for i in range(repeats):
        for held in (1, history):
            print(f"(e) new snapshot after {held} held, round {i + 1}/{repeats}", flush=True)
            rnd = Round(1.0, i, cache, name=f"new_snapshot_after_{held}", snapshots=snapshots[-1 - held : -1])
            _pipeline(rnd, f"e{held} setup")
            _link_raw(cache, rnd.raw, [snapshots[-1]])
            e = _pipeline(rnd, f"e{held}")
            steps = step_seconds(rnd.last_run())
            results[f"e{held}"].append(_sample(e, steps=steps))
            print(f"    (e) after {held} snapshot(s) {e.seconds:8.1f} s", flush=True)
            if held == history and i == 0:
                _, db = _baseline(rnd, "baseline")
                _require_equal(rnd, db, f"e{held}")
            shutil.rmtree(rnd.dir, ignore_errors=True)
    for held in (1, history):
        results[f"median_e{held}"] = statistics.median(s["seconds"] for s in results[f"e{held}"])
    results["ratio"] = results[f"median_e{history}"] / results["median_e1"]
    return results


def _memory_limit() -> str:
    """The limit every run of this scale gets: KTP_DUCKDB_MEMORY_LIMIT, else the pipeline's default."""
    given = os.environ.get("KTP_DUCKDB_MEMORY_LIMIT")
    return given or f"{Settings.from_env().duckdb_memory_limit} (the pipeline's default)"


def _rows_written(cache: Path) -> int | None:
    key = cache / "GENERATED.json"
    if not key.exists():
        return None
    data = json.loads(key.read_text(encoding="utf-8"))
    return sum(s.get("rows_written", 0) for s in data.get("snapshots", {}).values())


def _repeats(spec: str, scales: list[float]) -> dict[float, int]:
    if "=" not in spec:
        return {s: int(spec) for s in scales}
    given = {float(k): int(v) for k, v in (part.split("=") for part in spec.split(","))}
    return {s: given.get(s, 1) for s in scales}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--scales", default="1,10", help="comma-separated; 1 = ~770,000 residents")
    parser.add_argument("--repeats", default="1=3,10=1", help="N for every scale, or scale=N,...")
    parser.add_argument("--seed", type=int, default=6500)
    parser.add_argument(
        "--snapshots", default="2026-03-31,2026-09-30", help="comma-separated YYYY-MM-DD (users keep history)"
    )
    parser.add_argument(
        "--styles", default="messy", choices=["default", "messy"], help="file styles of the generator"
    )
    parser.add_argument(
        "--new-snapshot",
        type=int,
        default=6,
        metavar="N",
        help="(e) at scale 1: add a snapshot to N held against 1 held; 0 skips it",
    )
    parser.add_argument("--e-repeats", type=int, default=2)
    parser.add_argument(
        "--parts",
        default="styles,scales,new_snapshot,startup,crash,hostile,spark,history",
        help="which measurements: styles (cost per file style, scale 1), scales (a-d), new_snapshot (e), "
        "startup (the start-up race, repeated), crash (the crash matrix: a kill at every fault point and "
        "at random moments, each followed by a re-run), hostile (each attack of a careless or hostile "
        "office through the real run), spark (Spark local[2] against DuckDB, scale 1), "
        "history (recording headless runs into the persistent Dagster instance; make dev's first ticks)",
    )
    parser.add_argument("--spark-repeats", type=int, default=1)
    parser.add_argument("--crash-kills", type=int, default=3, help="random SIGKILLs in the crash matrix")
    parser.add_argument("--startup-repeats", type=int, default=20)
    parser.add_argument("--report", type=Path, default=REPO_ROOT / "BENCHMARKS.md")
    parser.add_argument(
        "--label", default="", help="names a variant, e.g. mem2GB: results_scale10-mem2GB.json"
    )
    args = parser.parse_args(argv)
    scales = [float(s) for s in args.scales.split(",") if s.strip()]
    repeats = _repeats(args.repeats, scales)
    RUNS_DIR.mkdir(parents=True, exist_ok=True)
    # Dagster reads dbt's manifest when the code location loads; after an edit of the dbt project the
    # first process parses it (seconds, once per code change, not per run): not part of any timed run.
    subprocess.run(
        [sys.executable, "-c", "from pipelines.lib.dbt.project import ensure_manifest; ensure_manifest()"],
        check=True,
        env=_env({}),
        cwd=REPO_ROOT,
    )
    try:
        suffix = f"-{args.label}" if args.label else ""
        parts = set(args.parts.split(","))
        if "styles" in parts:
            from bench.ingestion_styles import measure

            cache = cached_extracts(1.0, args.seed, args.snapshots, args.styles)
            print("ingestion cost per style, scale 1 ...", flush=True)
            styles = {"styles": args.styles, "repeats": 5, "files": measure(cache, repeats=5)}
            (RUNS_DIR / f"results_styles{suffix}.json").write_text(
                json.dumps(styles, indent=2), encoding="utf-8"
            )
            from bench.style_matrix import measure_matrix

            print("the same rows in every style, scale 1 ...", flush=True)
            matrix = measure_matrix(regency="6502", scale=1.0, seed=args.seed, repeats=5)
            (RUNS_DIR / f"results_style_matrix{suffix}.json").write_text(
                json.dumps(matrix, indent=2), encoding="utf-8"
            )
        for scale in scales if "scales" in parts else []:
            results = bench_scale(scale, repeats[scale], args.seed, args.snapshots, args.styles)
            results["label"] = args.label
            path = RUNS_DIR / f"results_scale{scale:g}{suffix}.json"
            path.write_text(json.dumps(results, indent=2, default=asdict), encoding="utf-8")
        if "startup" in parts:
            from bench.startup_race import race

            print("start-up, repeated (imports on three threads) ...", flush=True)
            started = race(args.startup_repeats)
            (RUNS_DIR / f"results_startup{suffix}.json").write_text(
                json.dumps(started, indent=2), encoding="utf-8"
            )
            if started["failures"]:
                raise BenchmarkFailed(f"{started['failures']} of {started['repeats']} start-ups failed")
        if "spark" in parts:
            from bench.spark_engine import measure as measure_spark

            spark = measure_spark(1.0, args.spark_repeats, args.seed, args.snapshots, "local[2]")
            (RUNS_DIR / f"results_spark{suffix}.json").write_text(
                json.dumps(spark, indent=2), encoding="utf-8"
            )
        if "crash" in parts:
            from bench.crash_matrix import run_matrix

            print("the crash matrix (kill, re-run, compare with a clean run) ...", flush=True)
            crashes = run_matrix(args.crash_kills, args.seed)
            (RUNS_DIR / f"results_crash{suffix}.json").write_text(
                json.dumps(crashes, indent=2), encoding="utf-8"
            )
            if crashes["failures"]:
                raise BenchmarkFailed(f"crash matrix: {crashes['error']}")
        if "hostile" in parts:
            from bench.hostile_matrix import run_cases

            print("the hostile-office matrix ...", flush=True)
            hostile = run_cases()
            (RUNS_DIR / f"results_hostile{suffix}.json").write_text(
                json.dumps(hostile, indent=2), encoding="utf-8"
            )
            failed = [r["case"] for r in hostile if r["leaked"] or r["said"] is None]
            if failed:
                raise BenchmarkFailed(f"hostile matrix: leaked or said nothing in {', '.join(failed)}")
        if "new_snapshot" in parts and args.new_snapshot:
            results = bench_new_snapshot(args.e_repeats, args.seed, args.styles, args.new_snapshot)
            (RUNS_DIR / f"results_new_snapshot{suffix}.json").write_text(
                json.dumps(results, indent=2, default=asdict), encoding="utf-8"
            )
    except BenchmarkFailed as e:
        print(f"BENCHMARK FAILED: {e}", file=sys.stderr)
        return 1
    write_report(sorted(RUNS_DIR.glob("results_scale*.json")), args.report, extras=RUNS_DIR)
    print(f"written {args.report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
