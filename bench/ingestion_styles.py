"""What ingesting one file costs per MB, for every file style the extract contract allows.

    python -m bench.ingestion_styles DIR [--repeats 3] [--json OUT]

DIR is a generated data set (python -m tools.synthetic ... --styles messy), whose GENERATED.json
names each file's style. For every file, medians of `repeats`:
  landing: pipelines.lib.ingest.landing.land_extract (decode, whole-file checks, all-text Parquet);
  judging: the compiled SQL of the dbt model int_ingest__judged_rows (typing, the 8 reject reasons, the
           flags, the village placement) for that file's partition alone, in DuckDB, written to a table.
  reader:   the fastest reader of the format alone, as a yardstick: for CSV, DuckDB's own read_csv of
           the file into a table (all text, no rules); for XLSX, python-calamine's decoding of the
           first sheet into Python values (what the landing starts from; DuckDB cannot read XLSX
           here without its excel extension).
  marginal: for CSV files, the same landing and judging of a copy holding the first quarter of the
           rows, in a snapshot of its own; (full - part) / (MB full - MB part) is what one more MB of
           that style costs, without the fixed cost every file pays whatever its size (a query plan, a
           Parquet footer, a thread), which makes small files look dear per MB. A quarter, not a half:
           the difference of two noisy timings needs a large denominator.
Seconds per MB compare files of one format; an XLSX MB is zip-compressed XML holding about twice the
rows of a CSV MB and ten times its XML, so across formats the figure to compare is microseconds per row.
The judging SQL is dbt's own compilation (one `dbt build` of the ingest layer first, not timed), so the
figures measure the code the pipeline runs. The spread (slowest over fastest seconds per MB) is the
number the target of 1.5x is about.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb

from pipelines.lib.ingest.discovery import scan
from pipelines.lib.ingest.landing import ensure_layout, land_extract
from pipelines.lib.ingest.readers import _detect_delimiter, _detect_encoding, _first_line
from pipelines.lib.settings import DBT_PROJECT_DIR, REPO_ROOT, Settings

JUDGED_SQL = "compiled/ktp_warehouse/models/intermediate/ingest/int_ingest__judged_rows.sql"


def _dbt_build_ingest(settings: Settings) -> str:
    """Build the judging model once (full mode) and return its compiled SQL, which reads every file."""
    env = {
        **os.environ,
        **settings.export_for_dbt(),
        "DO_NOT_TRACK": "1",
        "PYTHONPATH": str(REPO_ROOT),
    }
    target = settings.dbt_target_dir
    subprocess.run(
        [
            str(Path(sys.executable).with_name("dbt")),
            "--quiet",
            "build",
            "--select",
            "+int_ingest__judged_rows",
        ]
        + ["--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"]
        + ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
        + ["--target-path", str(target)],
        check=True,
        cwd=DBT_PROJECT_DIR,
        env=env,
    )
    sql = (target / JUDGED_SQL).read_text(encoding="utf-8")
    if "(1 = 1)" not in sql:
        raise RuntimeError("expected the full-build compilation of int_ingest__judged_rows")
    return sql


PART_SNAPSHOT_OFFSET = 1  # the part copies sit in snapshot folders one day before their file's
PART_FRACTION = 4  # a part copy holds the first 1/PART_FRACTION of the data rows


def _part_copies(data: Path, root: Path) -> None:
    """`root` gets every snapshot of `data` (hard links) plus, per CSV file, a copy of its header and the
    first quarter of its data rows in a snapshot folder one day earlier."""
    for snap in sorted(p for p in data.iterdir() if p.is_dir()):
        (root / snap.name).mkdir(parents=True)
        part_dir = root / (date.fromisoformat(snap.name) - timedelta(days=PART_SNAPSHOT_OFFSET)).isoformat()
        part_dir.mkdir(parents=True)
        for f in snap.iterdir():
            os.link(f, root / snap.name / f.name)
            if f.suffix.lower() == ".csv":
                lines = f.read_bytes().splitlines(keepends=True)
                rows = len(lines) - 1
                (part_dir / f.name).write_bytes(b"".join(lines[: 1 + rows // PART_FRACTION]))


def measure(data: Path, repeats: int) -> list[dict]:
    styles = json.loads((data / "GENERATED.json").read_text(encoding="utf-8")).get("styles") or {}
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw"
        _part_copies(data, raw)
        return _measure(raw, styles, repeats, Path(tmp))


def _measure(data: Path, styles: dict, repeats: int, tmp: Path) -> list[dict]:
    inventory = scan(data)
    results = []
    settings = Settings.from_env({"KTP_RAW_DIR": str(data), "KTP_WAREHOUSE": str(tmp / "ktp.duckdb")})
    ensure_layout(settings.landing_dir)
    landing_s: dict[str, list[float]] = {}
    rows: dict[str, int] = {}
    for _ in range(repeats):
        for extract in inventory.extracts:
            started = time.perf_counter()
            landed = land_extract(settings.landing_dir, extract, force=True)
            landing_s.setdefault(extract.source_file, []).append(time.perf_counter() - started)
            if landed.status != "landed":
                raise RuntimeError(f"{extract.source_file}: {landed.error}")
            rows[extract.source_file] = landed.rows
    sql = _dbt_build_ingest(settings)
    judging_s: dict[str, list[float]] = {}
    with duckdb.connect(
        str(settings.warehouse), config={"memory_limit": settings.duckdb_memory_limit}
    ) as con:
        for _ in range(repeats):
            for extract in inventory.extracts:
                where = (
                    f"snapshot_date = date '{extract.snapshot.isoformat()}' "
                    f"and regency_code = '{extract.regency_code}'"
                )
                started = time.perf_counter()
                con.execute(
                    f"create or replace temp table judged as select * from ({sql}) as j where {where}"
                )
                judging_s.setdefault(extract.source_file, []).append(time.perf_counter() - started)
        reader_s: dict[str, list[float]] = {}
        for _ in range(repeats):
            for extract in inventory.extracts:
                read = _read_csv if extract.path.suffix.lower() == ".csv" else _read_xlsx
                reader_s.setdefault(extract.source_file, []).append(read(con, extract.path))
    by_file = {e.source_file: e for e in inventory.extracts}
    for extract in inventory.extracts:
        part_of = (extract.snapshot + timedelta(days=PART_SNAPSHOT_OFFSET)).isoformat()
        if f"{part_of}/{extract.path.name}" in by_file:
            continue  # a part copy: reported with its full file
        mb = extract.path.stat().st_size / 1e6
        land, judge = (
            statistics.median(landing_s[extract.source_file]),
            statistics.median(judging_s[extract.source_file]),
        )
        results.append(
            {
                "file": extract.source_file,
                "mb": round(mb, 2),
                "style": styles.get(extract.source_file, {}),
                "landing_s": round(land, 3),
                "judging_s": round(judge, 3),
                "s_per_mb": round((land + judge) / mb, 4) if mb else None,
                "landing_s_per_mb": round(land / mb, 4) if mb else None,
                "judging_s_per_mb": round(judge / mb, 4) if mb else None,
                "rows": rows[extract.source_file],
                "us_per_row": round((land + judge) / rows[extract.source_file] * 1e6, 2),
                "reader": "read_csv" if extract.path.suffix.lower() == ".csv" else "calamine",
                "reader_s": round(statistics.median(reader_s[extract.source_file]), 3),
            }
        )
        part = by_file.get(
            f"{(extract.snapshot - timedelta(days=PART_SNAPSHOT_OFFSET)).isoformat()}/{extract.path.name}"
        )
        if part is not None:
            part_mb = part.path.stat().st_size / 1e6
            part_s = statistics.median(landing_s[part.source_file]) + statistics.median(
                judging_s[part.source_file]
            )
            results[-1]["marginal_s_per_mb"] = round((land + judge - part_s) / (mb - part_mb), 4)
    return results


def _read_csv(con: duckdb.DuckDBPyConnection, path: Path) -> float:
    encoding, _ = _detect_encoding(path)
    delimiter = _detect_delimiter(_first_line(path, encoding))
    # DuckDB reads latin-1 natively; Windows-1252 differs only in 0x80-0x9F.
    enc = "latin-1" if encoding == "cp1252" else "utf-8"
    started = time.perf_counter()
    con.execute(
        "create or replace temp table read_csv_copy as select * from read_csv(?, delim = ?, header = true, "
        f"all_varchar = true, encoding = '{enc}')",
        [str(path), delimiter],
    )
    return time.perf_counter() - started


def _read_xlsx(con: duckdb.DuckDBPyConnection, path: Path) -> float:
    from python_calamine import CalamineWorkbook

    started = time.perf_counter()
    CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(skip_empty_area=False)
    return time.perf_counter() - started


def describe(style: dict) -> str:
    if not style:
        return "-"
    keys = ("format", "encoding", "delimiter", "column_order", "date_format")
    parts = [str(style.get(k)) for k in keys if style.get(k) not in (None, "")]
    extra = style.get("extra_columns") or []
    if extra:
        parts.append(f"+{len(extra)} SIAK columns")
    return ", ".join(parts)


def by_format(results: list[dict]) -> dict[str, list[dict]]:
    formats: dict[str, list[dict]] = {}
    for r in results:
        formats.setdefault(r["file"].rsplit(".", 1)[-1].lower(), []).append(r)
    return formats


def spread(results: list[dict], key: str = "s_per_mb") -> float:
    values = [r[key] for r in results if r.get(key)]
    return max(values) / min(values) if values else float("nan")


def print_results(results: list[dict]) -> None:
    head = f"{'file':45} {'MB':>7} {'land s':>7} {'judge s':>7} {'s/MB':>7} {'us/row':>7} {'reader':>7}"
    print(f"{head}  style")
    for r in results:
        print(
            f"{r['file']:45} {r['mb']:7.1f} {r['landing_s']:7.2f} {r['judging_s']:7.2f} "
            f"{r['s_per_mb']:7.4f} {r['us_per_row']:7.2f} {r['reader_s']:7.2f}  {describe(r['style'])}"
        )
    for fmt, files in by_format(results).items():
        marginal = spread(files, "marginal_s_per_mb")
        print(f"{fmt}: spread of s/MB {spread(files):.2f}, of marginal s/MB {marginal:.2f}")
    print(f"spread of us/row, every file: {spread(results, 'us_per_row'):.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ingestion_styles", description=__doc__)
    parser.add_argument("data", type=Path)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    results = measure(args.data, args.repeats)
    print_results(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
