"""BENCHMARKS.md from the results files of bench/run.py, the machine's description and bench/analysis.md."""

from __future__ import annotations

import json
import os
import platform
import re
import statistics
import subprocess
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

ANALYSIS = Path(__file__).with_name("analysis.md")

TARGET_AB = {1.0: 2.0, 10.0: 1.3}
TARGET_CA = 0.25  # at scale 10; reported at scale 1 too
TARGET_E = 1.2
TARGET_STYLE_SPREAD = 1.5
TARGET_D_SECONDS = 10.0
TARGET_PEAK_BYTES_SCALE10 = 4 * 10**9


def machine() -> list[str]:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    free = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.rstrip()
    packages = ", ".join(
        f"{p} {version(p)}"
        for p in ("duckdb", "dagster", "dagster-dbt", "dbt-core", "dbt-duckdb", "great-expectations")
    )
    return [
        f"- CPU: {cpu}, {os.cpu_count()} cores (`nproc`)",
        f"- OS: {platform.platform()}; Python {platform.python_version()}",
        f"- Packages: {packages}",
        "- DuckDB memory limit: given per scale below (KTP_DUCKDB_MEMORY_LIMIT), spilling to "
        "`<warehouse>.tmp/`; the baseline runs with the same limit",
        "- `free -h`:",
        "",
        "```",
        free,
        "```",
    ]


def _gib(n: float) -> str:
    return f"{n / 2**30:.2f} GiB"


def _med(samples: list[dict], key: str = "seconds") -> float:
    return statistics.median(s[key] for s in samples)


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _same_pipeline_code(commits: list[str]) -> bool:
    """True when the commits have the same pipelines/, dbt_project/ and expectations/ (none dirty)."""
    if any("+" in c or c == "?" for c in commits):
        return False
    first = commits[0]
    for other in commits[1:]:
        diff = subprocess.run(
            ["git", "diff", "--quiet", first, other, "--", "pipelines", "dbt_project", "expectations"],
            cwd=Path(__file__).resolve().parent.parent,
        )
        if diff.returncode != 0:
            return False
    return True


def _scale_section(r: dict) -> list[str]:
    scale = float(r["scale"])
    a, b, c, d = (_med(r[k]) for k in "abcd")
    peak = {k: max(s["peak_rss_bytes"] for s in r[k]) for k in "abcd"}
    n = len(r["a"])
    rows = f"{r['answer_key_rows']:,}" if r.get("answer_key_rows") else "?"
    out = [
        f"## Scale {scale:g}" + (f" ({r['label']})" if r.get("label") else ""),
        "",
        f"DuckDB memory limit: {r.get('memory_limit', '3GB (default)')}.",
        "",
        f"{rows} extract rows in {r['raw_files'] if r.get('raw_files') else 'the'} files "
        f"({r['raw_bytes'] / 1e6:.0f} MB), snapshots {r['snapshots']}, file styles "
        f"'{r.get('styles', 'default')}', seed {r['seed']}; {n} round(s) from {r['started_at']} to "
        f"{r['finished_at']}. Every round's marts were identical to the baseline's after (a), (c) and (d).",
        "",
        "| run | median s | all runs (s) | peak RSS of the process tree |",
        "|---|---:|---|---:|",
    ]
    names = {
        "a": "(a) pipeline, fresh warehouse",
        "b": "(b) plain-DuckDB baseline",
        "c": "(c) pipeline re-run, one regency file changed",
        "d": "(d) pipeline re-run, nothing changed",
    }
    for k in "abcd":
        runs = ", ".join(f"{s['seconds']:.1f}" for s in r[k])
        loads = [s.get("loadavg_1m") for s in r[k] if s.get("loadavg_1m") is not None]
        if loads:
            runs += f" (load {', '.join(f'{x:.1f}' for x in loads)})"
        out.append(f"| {names[k]} | {_med(r[k]):.1f} | {runs} | {_gib(peak[k])} |")
    target_ab = TARGET_AB.get(scale)
    out += ["", "| measure | value | target | |", "|---|---:|---:|---|"]
    ab = a / b
    if target_ab is not None:
        out.append(f"| (a)/(b) | {ab:.2f} | ≤ {target_ab} | {_verdict(ab <= target_ab)} |")
    else:
        out.append(f"| (a)/(b) | {ab:.2f} | (none at this scale) | |")
    if scale >= 10:
        out.append(f"| (c)/(a) | {c / a:.2f} | ≤ {TARGET_CA} | {_verdict(c / a <= TARGET_CA)} |")
    else:
        out.append(f"| (c)/(a) | {c / a:.2f} | (≤ {TARGET_CA} at scale 10) | |")
    out.append(f"| (d) | {d:.1f} s | ≤ {TARGET_D_SECONDS:g} s | {_verdict(d <= TARGET_D_SECONDS)} |")
    top = max(peak.values())
    if scale >= 10:
        out.append(f"| peak RSS | {_gib(top)} | < 4 GB | {_verdict(top < TARGET_PEAK_BYTES_SCALE10)} |")
    else:
        out.append(f"| peak RSS | {_gib(top)} | (target at scale 10) | |")
    commits = sorted({s.get("commit", "?") for k in "abcd" for s in r[k]})
    note = f"Code measured: commit {commits[0]}."
    if len(commits) > 1 and _same_pipeline_code(commits):
        note = f"Code measured: commits {', '.join(commits)}, which differ only outside the pipeline's code."
    elif len(commits) > 1:
        note = (
            f"Code measured: commits {', '.join(commits)}: the pipeline changed between runs (others "
            "work in this checkout), so the figures mix versions."
        )
    out += ["", note, "", *_profile(r), ""]
    return out


def _profile(r: dict) -> list[str]:
    a_runs = r["a"]
    wall = _med(a_runs)
    steps: dict[str, list[float]] = {}
    counts: dict[str, int] = {}
    for s in a_runs:
        for key, v in s["profile"]["steps"].items():
            steps.setdefault(key, []).append(v["seconds"])
            counts[key] = int(v["count"])
    med_steps = {k: statistics.median(v) for k, v in steps.items()}
    in_steps = sum(med_steps.values())
    in_runs = statistics.median(s["profile"]["dagster_runs_seconds"] for s in a_runs)
    out = [
        "### Where the time of (a) goes",
        "",
        "Dagster's own step durations (STEP_SUCCESS/STEP_FAILURE events of the run's instance), median over "
        "the rounds; a partitioned step is summed over its partitions (count = steps).",
        "",
        "| step | count | seconds | share of (a) |",
        "|---|---:|---:|---:|",
    ]
    for key, v in sorted(med_steps.items(), key=lambda kv: -kv[1]):
        out.append(f"| `{key}` | {counts[key]} | {v:.1f} | {100 * v / wall:.0f} % |")
    out += [
        f"| all steps | | {in_steps:.1f} | {100 * in_steps / wall:.0f} % |",
        f"| landing (with the code location's import beside it) and Dagster runs | | {in_runs:.1f} | "
        f"{100 * in_runs / wall:.0f} % |",
        f"| process outside the runs (interpreter, imports, definitions, dbt manifest) | | "
        f"{wall - in_runs:.1f} | {100 * (wall - in_runs) / wall:.0f} % |",
        f"| (a) wall clock | | {wall:.1f} | 100 % |",
        "",
        "`regency_extract` steps run on parallel threads (one per core) beside the background `dbt parse` "
        "and the import of the code location, so their sum exceeds the landing's wall time, and the "
        "shares add up to more than 100 %. dbt runs inside the `dbt_marts` step, in the same process.",
    ]
    dbt = a_runs[-1]["profile"].get("dbt_nodes")
    if dbt:
        total = dbt.pop("(dbt total elapsed)", None)
        slow = sorted(dbt.items(), key=lambda kv: -kv[1])[:12]
        out += [
            "",
            f"Inside the dbt step (last round's `run_results.json`): dbt's own elapsed time {total:.1f} s "
            f"for {len(dbt)} nodes (models, seeds, tests), node execution times summed "
            f"{sum(dbt.values()):.1f} s (dbt runs 4 threads). Slowest nodes:",
            "",
            "| dbt node | seconds |",
            "|---|---:|",
            *[f"| `{k}` | {v:.2f} |" for k, v in slow],
        ]
    phases = "; ".join(s.get("phases", "") for s in r["b"])
    out += ["", f"Baseline phases (its own timer, per round): {phases}."]
    c_steps = r["c"][-1].get("steps") or {}
    if c_steps:
        top = sorted(c_steps.items(), key=lambda kv: -kv[1]["seconds"])[:6]
        out += [
            "",
            f"(c) (changed `{r['c'][-1].get('changed')}`), slowest steps of the last round: "
            + ", ".join(f"`{k}` {v['seconds']:.1f} s" for k, v in top)
            + ".",
        ]
    d_steps = r["d"][-1].get("steps") or {}
    if not d_steps:
        out += ["", "(d) started no Dagster run: every file was unchanged and the publication up to date."]
    else:
        top = sorted(d_steps.items(), key=lambda kv: -kv[1]["seconds"])[:6]
        out += [
            "",
            "(d), slowest steps of the last round: "
            + ", ".join(f"`{k}` {v['seconds']:.1f} s" for k, v in top)
            + ".",
        ]
    return out


def _new_snapshot_section(r: dict) -> list[str]:
    h = r["history"]
    e1, eh = r["median_e1"], r[f"median_e{h}"]
    runs = {k: ", ".join(f"{s['seconds']:.1f}" for s in r[k]) for k in ("e1", f"e{h}")}
    out = [
        "## (e) Adding a snapshot to a warehouse with history (scale 1)",
        "",
        f"Snapshots {', '.join(r['snapshots'])}, file styles '{r['styles']}'. A warehouse built (not timed) "
        f"from the snapshot before {r['snapshots'][-1]}, and one from the {h} before it; then "
        f"{r['snapshots'][-1]} is added and that run is timed. The marts after adding to the {h}-snapshot "
        "warehouse were identical to the baseline's on all its snapshots.",
        "",
        "| warehouse holds | median s | runs (s) |",
        "|---|---:|---|",
        f"| 1 snapshot | {e1:.1f} | {runs['e1']} |",
        f"| {h} snapshots | {eh:.1f} | {runs[f'e{h}']} |",
        "",
        f"Ratio {eh / e1:.2f} (target ≤ {TARGET_E}: {_verdict(eh / e1 <= TARGET_E)}).",
        "",
    ]
    last = r[f"e{h}"][-1].get("steps") or {}
    if last:
        top = sorted(last.items(), key=lambda kv: -kv[1]["seconds"])[:5]
        out += [
            f"Slowest steps adding to {h}: " + ", ".join(f"`{k}` {v['seconds']:.1f} s" for k, v in top) + ".",
            "",
        ]
    return out


def _styles_section(r: dict) -> list[str]:
    from bench.ingestion_styles import by_format, describe, spread

    files = r["files"]
    repeats = r.get("repeats", 3)
    out = [
        "## Ingestion cost per file style (scale 1)",
        "",
        f"`python -m bench.ingestion_styles` on the '{r['styles']}' extracts: per file, medians of "
        f"{repeats}, "
        "landing (decode, whole-file checks, Parquet) and judging (the compiled `int_ingest__judged_rows` "
        "for that file's partition alone); as a yardstick, the fastest reader of the format alone (DuckDB's "
        "`read_csv` for CSV, python-calamine's decoding for XLSX). The marginal cost per MB comes from a "
        "copy of each CSV file holding its first quarter of the rows. Seconds per MB compare files of one "
        "format; across formats, microseconds per row (an XLSX MB is compressed XML holding about twice the "
        "rows of a CSV MB).",
        "",
        "| file | MB | rows | landing s | judging s | s per MB | marginal s per MB | µs per row "
        "| reader alone s | style |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for f in files:
        marginal = f"{f['marginal_s_per_mb']:.4f}" if f.get("marginal_s_per_mb") is not None else "-"
        out.append(
            f"| {f['file']} | {f['mb']:.1f} | {f.get('rows', 0):,} | {f['landing_s']:.2f} | "
            f"{f['judging_s']:.2f} | {f['s_per_mb']:.4f} | {marginal} | {f.get('us_per_row', 0):.2f} | "
            f"{f.get('reader_s', 0):.2f} ({f.get('reader', '-')}) | {describe(f['style'])} |"
        )
    out.append("")
    formats = by_format(files)
    csv = formats.get("csv", [])
    for fmt, group in formats.items():
        line = (
            f"- {fmt.upper()} ({len(group)} files): spread of seconds per MB, slowest over fastest, "
            f"{spread(group):.2f}"
        )
        if any(f.get("marginal_s_per_mb") for f in group):
            line += f"; of the marginal seconds per MB {spread(group, 'marginal_s_per_mb'):.2f}"
        out.append(line + ".")
    if csv and len(formats) > 1:
        csv_row = sorted(f["us_per_row"] for f in csv)[len(csv) // 2]
        for fmt, group in formats.items():
            if fmt != "csv":
                worst = max(f["us_per_row"] for f in group)
                reader = max(f["reader_s"] / f["rows"] * 1e6 for f in group)
                out.append(
                    f"- {fmt.upper()} against the median CSV file per row: {worst / csv_row:.2f} x "
                    f"({worst:.1f} µs against {csv_row:.1f} µs); its decoder alone takes "
                    f"{reader:.1f} µs a row."
                )
    verdict = max(spread(csv), spread(csv, "marginal_s_per_mb")) if csv else float("nan")
    out += [
        f"- Target (≤ {TARGET_STYLE_SPREAD} across the CSV styles, by total and by marginal seconds per MB): "
        f"{_verdict(verdict <= TARGET_STYLE_SPREAD)}.",
        "",
    ]
    return out


def _startup_section(r: dict) -> list[str]:
    seconds = sorted(run["seconds"] for run in r["runs"])
    failed = [run["last_line"] for run in r["runs"] if not run["ok"]]
    return [
        "## Start-up, repeated",
        "",
        f"`python -m bench.startup_race`: {r['repeats']} real runs of `python -m pipelines run` on the "
        "shipped sample, each into a fresh warehouse and stopped once GX's context exists (after "
        "landing, the dbt build and GX's import, which run on three threads). "
        f"Failed: {r['failures']} of {r['repeats']}"
        + (f" ({'; '.join(failed)})" if failed else "")
        + f"; median {seconds[len(seconds) // 2]:.1f} s each.",
        "",
    ]


def _spark_section(r: dict) -> list[str]:
    out = [
        f"## Spark against DuckDB, scale {r['scale']:g}",
        "",
        f"`python -m bench.spark_engine`: the same `python -m pipelines run` with `KTP_ENGINE=spark` "
        f"(master `{r['master']}`, {r['cores']} cores) and with DuckDB, each into a fresh deployment over "
        "the same extracts (a), then after one regency's file changed (c); the published marts were the "
        f"same bytes on both engines after each. {len(r['rounds'])} round(s), medians.",
        "",
        "| run | DuckDB | Spark | Spark / DuckDB | Spark's peak RSS |",
        "|---|---|---|---|---|",
    ]
    for label, what in (("a", "(a) fresh"), ("c", "(c) one file changed")):
        rss = max(rnd[label]["spark"]["peak_rss_bytes"] for rnd in r["rounds"])
        out.append(
            f"| {what} | {r[f'median_{label}_duckdb']:.1f} s | {r[f'median_{label}_spark']:.1f} s | "
            f"**{r[f'ratio_{label}']:.1f}** | {_gib(rss)} |"
        )
    last = r["rounds"][-1]
    out += [
        "",
        "Where the time goes (last round):",
        "",
        "| | " + " | ".join(f"{label} {engine}" for label in "ac" for engine in ("duckdb", "spark")) + " |",
        "|---|" + "---|" * 4,
    ]
    steps = sorted(
        {k for label in "ac" for e in ("duckdb", "spark") for k in last[label][e]["steps"]},
        key=lambda k: -last["a"]["spark"]["steps"].get(k, {"seconds": 0})["seconds"],
    )
    for step in steps[:6]:
        cells = [
            f"{last[label][e]['steps'].get(step, {'seconds': 0})['seconds']:.1f} s"
            for label in "ac"
            for e in ("duckdb", "spark")
        ]
        out.append(f"| step `{step}` | " + " | ".join(cells) + " |")
    for key, what in (
        ("elapsed", "dbt elapsed"),
        ("compile", "dbt compile (all nodes)"),
        ("execute", "dbt execute (all nodes)"),
    ):
        cells = [f"{last[label][e]['dbt'][key]:.1f} s" for label in "ac" for e in ("duckdb", "spark")]
        out.append(f"| {what} | " + " | ".join(cells) + " |")
    cells = [str(last[label][e]["dbt"]["nodes"]) for label in "ac" for e in ("duckdb", "spark")]
    out.append("| dbt nodes | " + " | ".join(cells) + " |")
    out += [
        "",
        "Slowest dbt nodes on Spark in (a): "
        + ", ".join(
            f"`{n['node'].split('.')[-1]}` {n['seconds']:.1f} s (compile {n.get('compile', 0):.1f}, "
            f"execute {n.get('execute', 0):.1f})"
            for n in last["a"]["spark"]["dbt"]["slowest"][:5]
        )
        + ".",
        "",
    ] + _spark_reading(r)
    return out


def _spark_reading(r: dict) -> list[str]:
    """Where Spark's extra time goes, from the profile: a cost per dbt node that does not depend on the
    data (what (c) mostly is: one small file changed), and a cost per row (what (a) adds to (c))."""
    last = r["rounds"][-1]
    dbt = {(label, e): last[label][e]["dbt"] for label in "ac" for e in ("duckdb", "spark")}
    per_node = {e: dbt["c", e]["execute"] / dbt["c", e]["nodes"] for e in ("duckdb", "spark")}
    data = {e: dbt["a", e]["execute"] - dbt["c", e]["execute"] for e in ("duckdb", "spark")}
    per_row = data["spark"] / data["duckdb"]
    load = {e: max(last[label][e].get("loadavg_1m", 0.0) for label in "ac") for e in ("duckdb", "spark")}
    national = 282e6 / 772_515  # national residents over this scale's rows per snapshot
    cluster = 64
    spark_national = data["spark"] * national * r["cores"] / cluster / 60
    duck_national = data["duckdb"] * national / 3600
    duck_big = data["duckdb"] * national * r["cores"] / cluster / 60
    out = [
        "Reading:",
        "",
        f"- **A cost per statement.** With one small file changed (c), Spark spends "
        f"{per_node['spark']:.2f} s of node time per dbt node against DuckDB's {per_node['duckdb']:.2f} s: "
        "each statement is planned, scheduled as Spark jobs and committed through the Hive metastore "
        "(embedded Derby), whatever its size. dbt tests are statements too, so a build of about a hundred "
        "nodes costs Spark about two minutes before it reads any data.",
        f"- **A cost per row.** What the fresh build (a) adds to (c) is the work that grows with the data: "
        f"{data['spark']:.0f} s of node time on Spark, {data['duckdb']:.0f} s on DuckDB ({per_row:.1f} x), "
        "mostly judging the rows and ranking the persons (the slowest nodes above). On one machine, "
        "Spark's shuffles through local disk between stages and its JVM lose to DuckDB's vectorised "
        "engine working in one process's memory.",
    ]
    if max(load.values()) > r["cores"]:
        out.append(
            f"- **The machine was shared** while this ran (1-minute load average up to {load['duckdb']:.1f} "
            f"during the DuckDB runs, {load['spark']:.1f} during Spark's, on {r['cores']} cores): the ratios "
            "are rough."
        )
    return out + [
        f"- **What a cluster changes** (an estimate from these two costs, not a measurement): executors "
        "divide the cost per row, not the cost per statement. A national snapshot is about "
        f"{national:.0f} times this one; on {cluster} executor cores Spark's part that grows with the data "
        f"would take about {spark_national:.0f} min per fresh build, plus the two minutes of statements; "
        f"DuckDB on this 2-core machine would need about {duck_national:.1f} h, and on one machine with "
        f"{cluster} cores about {duck_big:.0f} min if it scaled as well and its memory and disk held a "
        "history of snapshots (spilling, it built ten Kaltaras in 2.8 GiB). Spark pays when the cluster has "
        f"several times ({per_row:.0f} x here) the cores of the largest single machine at hand, or when "
        "the landed data and its history do not fit on one machine's disk.",
        "",
    ]


def _crash_section(r: dict) -> list[str]:
    cases = r["cases"]
    before = sum(c["killed"] == "before the swap" for c in cases)
    finished = sum(c["exit"] == 0 for c in cases)
    out = [
        "## Crash matrix",
        "",
        "`python -m bench.crash_matrix`: one deployment of the shipped sample, published; each case changes "
        "one file, kills a real `python -m pipelines run` (at a fault point, the process exiting there "
        "without cleanup, or by SIGKILL to its process group after a random delay), then re-runs it. "
        "Checked each time: killed before the swap, every published file (manifest included) is "
        "byte-identical to before; after it, the publication is already the new one; the re-run exits 0 "
        "with mart files (sha256) and manifest (without run ids, times, paths) equal to a clean run's on "
        "a fresh deployment of the same raw data, reports stamped for that publication, and a further run "
        "finds nothing changed.",
        "",
        "| kill | exit | publication after the kill | re-run converged | killed run s | re-run s |",
        "|---|---:|---|---|---:|---:|",
    ]
    for c in cases:
        untouched = "unchanged (killed before the swap)" if c["publication_untouched"] else "the new one"
        out.append(
            f"| {c['case']} | {c['exit']} | {untouched} | {'yes' if c['converged'] else '**no**'} | "
            f"{c['killed_run_s']:.1f} | {c['rerun_s']:.1f} |"
        )
    out += [
        "",
        f"{len(cases)} kills ({before} before the swap, {len(cases) - before - finished} after it"
        + (f", {finished} too late: the run had finished" if finished else "")
        + "), "
        f"{sum(c['converged'] for c in cases)} of {len(cases)} re-runs converged"
        + (f"; FAILED: {r['error']}" if r.get("failures") else "")
        + ".",
        "",
    ]
    return out


def _hostile_section(results: list[dict]) -> list[str]:
    out = [
        "## Hostile offices: the second hardening round",
        "",
        "`python -m bench.hostile_matrix`: each attack on a deployment of the shipped sample that has "
        "published, through the real `python -m pipelines run`; peak memory is the whole process tree's. "
        "*Publication* says whether every published file kept its bytes; *coverage* whether the four "
        "coverage marts did (a run that publishes again writes a new manifest and landing times). "
        "*Leaked*: the planted name, NIK, forged line or escape byte found on the console, or the name or "
        "NIK in a text file of the publication or the reports. The control case changes one file and attacks "
        "nothing.",
        "",
        "| attack | exit | s | peak MiB | publication / coverage kept | leaked | what the run said |",
        "|---|---:|---:|---:|---|---|---|",
    ]
    for r in results:
        kept = (
            f"{'yes' if r['publication_unchanged'] else 'no'} / {'yes' if r['coverage_unchanged'] else 'no'}"
        )
        said = (r["said"] or "**nothing**").replace("|", "\\|")
        said = re.sub(r"/tmp/hostile-[^/]+", "<tmp>", said)
        out.append(
            f"| {r['attack']} | {r['exit']} | {r['seconds']:.1f} | {r['peak_rss_mib']:,} | {kept} | "
            f"{', '.join(map(repr, r['leaked'])) or 'nothing'} | {said} |"
        )
    out.append("")
    return out


def _style_matrix_section(r: dict) -> list[str]:
    from bench.ingestion_styles import by_format, describe, spread

    files = r["files"]
    out = [
        "### The same rows in every style",
        "",
        f"`python -m bench.style_matrix`: the generator's rows of regency {r['regency']} "
        f"(scale {r['scale']:g}, "
        "defects included) written once in each of the five messy styles, each copy measured as above "
        f"(medians of {r['repeats']}). The content is the same in every row of this table, so the spread "
        "is the styles' alone.",
        "",
        "| style (whose) | MB | rows | landing s | judging s | s per MB | marginal s per MB | µs per row "
        "| style |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for f in files:
        whose = f["file"].rsplit("_as_", 1)[-1]
        marginal = f"{f['marginal_s_per_mb']:.4f}" if f.get("marginal_s_per_mb") is not None else "-"
        out.append(
            f"| {whose} | {f['mb']:.1f} | {f['rows']:,} | {f['landing_s']:.2f} | {f['judging_s']:.2f} | "
            f"{f['s_per_mb']:.4f} | {marginal} | {f['us_per_row']:.2f} | {describe(f['style'])} |"
        )
    out.append("")
    formats = by_format(files)
    csv = formats.get("csv", [])
    verdict = max(spread(csv), spread(csv, "marginal_s_per_mb")) if csv else float("nan")
    out.append(
        f"- CSV styles: spread of seconds per MB {spread(csv):.2f}, of the marginal seconds per MB "
        f"{spread(csv, 'marginal_s_per_mb'):.2f} (target ≤ {TARGET_STYLE_SPREAD}: "
        f"{_verdict(verdict <= TARGET_STYLE_SPREAD)})."
    )
    for fmt, group in formats.items():
        if fmt != "csv" and csv:
            per_mb = max(f["s_per_mb"] for f in group) / min(f["s_per_mb"] for f in csv)
            per_row = max(f["us_per_row"] for f in group) / min(f["us_per_row"] for f in csv)
            out.append(
                f"- {fmt.upper()}: {per_mb:.1f} x the cheapest CSV style per MB of file, {per_row:.1f} x per "
                "row (target ≤ 1.5 per MB: **missed**, see the reading above)."
                if per_mb > TARGET_STYLE_SPREAD
                else f"- {fmt.upper()}: {per_mb:.2f} x the cheapest CSV style per MB, {per_row:.2f} x a row."
            )
    out.append("")
    return out


def write_report(results_files: list[Path], path: Path, extras: Path | None = None) -> None:
    results = [json.loads(p.read_text(encoding="utf-8")) for p in results_files]
    results.sort(key=lambda r: (float(r["scale"]), r.get("label") or ""))
    lines = [
        "# Benchmark: the framework stack against plain DuckDB",
        "",
        f"Written by `make bench` (`python -m bench.run`) on {datetime.now(UTC).date().isoformat()}. "
        "All numbers below are measured; none are estimated.",
        "",
        "## Machine",
        "",
        *machine(),
        "",
        "## What is measured",
        "",
        "- **(a)** `python -m pipelines run` as a subprocess into a fresh warehouse, publish and reports "
        "directory, as `make run` runs it (Dagster's in-memory instance; step timings come from the "
        "run's `last_run.json`): land every file (Parquet), one `dbt build` (seeds, judging, "
        "deduplication, marts, all dbt tests), all GX suites, publication (Parquet + CSV, PII scan), "
        "audit reports (Data Docs, dbt docs, quarantine export).",
        "- **(b)** `python -m bench.baseline`: `bench/baseline.sql` run by a thin driver into a fresh DuckDB "
        "file with the same memory limit. Included: listing the files, reading each CSV (DuckDB `read_csv`; "
        "header line and delimiter looked at in Python), the one XLSX file (read by the pipeline's own "
        "python-calamine reader into Arrow, as DuckDB cannot load its excel extension here), sha256 of every "
        "file, the 8 reject reasons, the 3 flags, the quarantine table, NIK deduplication and all 11 marts. "
        "Not included: any check, the publication, reports, incremental bookkeeping.",
        "- **(c)** the pipeline again on (a)'s warehouse, publication and reports after one regency's file "
        "was replaced by a changed copy (25 residents of Malinau now recorded).",
        "- **(d)** the pipeline again with nothing changed.",
        "- Times are wall clock of the whole subprocess, start-up included. Peak memory is the largest sum "
        "of RSS over the process and all its descendants (the background `dbt parse` included; the "
        "build runs in the process), sampled from /proc "
        "every 0.1 s; shared pages count once per process, so it overstates a little.",
        "- Correctness: after (a) the pipeline's 11 marts must equal the baseline's (EXCEPT ALL both ways, "
        "all columns, same column names and types); after (c) and (d) they must equal a baseline run on "
        "the changed files. A mismatch fails the benchmark.",
        "- Generation of the extracts (cached in `bench/cache/`) is not timed.",
        "",
    ]
    if ANALYSIS.exists():
        lines += [ANALYSIS.read_text(encoding="utf-8").rstrip(), ""]
    for r in results:
        lines += _scale_section(r)
    if extras is not None:
        for p in sorted(extras.glob("results_new_snapshot*.json")):
            lines += _new_snapshot_section(json.loads(p.read_text(encoding="utf-8")))
        for p in sorted(extras.glob("results_styles*.json")):
            lines += _styles_section(json.loads(p.read_text(encoding="utf-8")))
        for p in sorted(extras.glob("results_startup*.json")):
            lines += _startup_section(json.loads(p.read_text(encoding="utf-8")))
        for p in sorted(extras.glob("results_style_matrix*.json")):
            lines += _style_matrix_section(json.loads(p.read_text(encoding="utf-8")))
        for p in sorted(extras.glob("results_spark*.json")):
            lines += _spark_section(json.loads(p.read_text(encoding="utf-8")))
        for p in sorted(extras.glob("results_crash*.json")):
            lines += _crash_section(json.loads(p.read_text(encoding="utf-8")))
        for p in sorted(extras.glob("results_hostile*.json")):
            lines += _hostile_section(json.loads(p.read_text(encoding="utf-8")))
    path.write_text("\n".join(lines), encoding="utf-8")
