"""How long ingesting one snapshot takes against DuckDB's own read_csv of the same files.

    python -m bench.ingest_vs_read_csv DIR/<snapshot> [--repeats 3]

(a) the project's ingestion of every file (read, type, judge, load, bookkeeping, then the NIK
resolution across files), straight through pipelines.ingest without Dagster; (b) DuckDB loading the
same CSV files with read_csv into a table (all columns as text, no rules). XLSX files are timed apart:
DuckDB cannot read them here (no excel extension offline). Runs alternate; medians are reported.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import duckdb

from pipelines.ingest.discovery import scan
from pipelines.ingest.load import load_extract, resolve_duplicates
from pipelines.ingest.readers import _detect_delimiter, _detect_encoding, _first_line
from pipelines.settings import Settings
from pipelines.warehouse import connect


def _ingest(raw: Path, snapshot: str, workdir: Path, formats: set[str]) -> float:
    settings = Settings.from_env({"KTP_RAW_DIR": str(raw), "KTP_WAREHOUSE": str(workdir / "ktp.duckdb")})
    extracts = [
        e
        for e in scan(raw).extracts
        if e.snapshot.isoformat() == snapshot and e.path.suffix.lower()[1:] in formats
    ]
    started = time.perf_counter()
    with connect(settings) as conn:
        for extract in extracts:
            load_extract(conn, extract)
        if extracts:
            resolve_duplicates(conn, extracts[0].snapshot)
    return time.perf_counter() - started


def _read_csv(files: list[Path], workdir: Path) -> float:
    started = time.perf_counter()
    with duckdb.connect(str(workdir / "read_csv.duckdb")) as conn:
        for i, path in enumerate(files):
            encoding = _detect_encoding(path)
            delimiter = _detect_delimiter(_first_line(path, encoding))
            # DuckDB reads latin-1 natively; Windows-1252 differs only in 0x80-0x9F.
            enc = "latin-1" if encoding == "cp1252" else "utf-8"
            conn.execute(
                f"create table t{i} as select * from read_csv(?, delim = ?, header = true, "
                f"all_varchar = true, encoding = '{enc}')",
                [str(path), delimiter],
            )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("snapshot_dir", type=Path)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    raw, snapshot = args.snapshot_dir.parent, args.snapshot_dir.name
    csvs = sorted(p for p in args.snapshot_dir.iterdir() if p.suffix.lower() == ".csv")
    timings: dict[str, list[float]] = {"ingest_csv": [], "read_csv": [], "ingest_xlsx": []}
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory() as tmp:
            timings["ingest_csv"].append(_ingest(raw, snapshot, Path(tmp), {"csv"}))
        with tempfile.TemporaryDirectory() as tmp:
            timings["read_csv"].append(_read_csv(csvs, Path(tmp)))
        with tempfile.TemporaryDirectory() as tmp:
            timings["ingest_xlsx"].append(_ingest(raw, snapshot, Path(tmp), {"xlsx"}))
    med = {k: statistics.median(v) for k, v in timings.items()}
    size = sum(p.stat().st_size for p in csvs) / 1e6
    print(f"{len(csvs)} CSV files, {size:.0f} MB; medians of {args.repeats}")
    print(f"  project ingestion of the CSV files : {med['ingest_csv']:.2f} s")
    print(f"  DuckDB read_csv of the same files  : {med['read_csv']:.2f} s")
    print(f"  ratio                              : {med['ingest_csv'] / med['read_csv']:.2f}")
    print(f"  project ingestion of the XLSX file : {med['ingest_xlsx']:.2f} s")


if __name__ == "__main__":
    main()
