"""Run bench/baseline.sql on a raw directory: `python -m bench.baseline --raw DIR --db FILE`.

The driver only does what one SQL script cannot: list the files, look at each CSV's header line (delimiter
and column positions, the same rules as pipelines/lib/ingest/readers.py) and read the XLSX regency with the
pipeline's own python-calamine reader. Encoding: DuckDB reads the CSV as UTF-8 and, when DuckDB finds it
is not UTF-8, as latin-1, the encoding it supports natively for Windows-1252 files (they differ only in
bytes 0x80-0x9F, which the extracts do not use; a file holding them fails loudly here).
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
import time
from pathlib import Path
from string import Template

import duckdb

from pipelines.lib.ingest.contract import COLUMNS, REGENCIES, REQUIRED_COLUMNS, dotted_regency
from pipelines.lib.settings import SEEDS_DIR, Settings

SQL_PATH = Path(__file__).with_name("baseline.sql")
_SNAPSHOT_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CP1252_ONLY = re.compile(rb"[\x80-\x9f]")


class BaselineError(Exception):
    pass


def sections(sql: str) -> dict[str, Template]:
    parts: dict[str, list[str]] = {}
    current = None
    for line in sql.splitlines():
        if line.startswith("-- @@ "):
            current = line[6:].strip()
            parts[current] = []
        elif current is not None:
            parts[current].append(line)
    return {name: Template("\n".join(lines)) for name, lines in parts.items()}


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def extracts(raw_dir: Path) -> list[tuple[str, str, Path]]:
    """(snapshot, regency4, path) of every regency file; the baseline assumes well-formed folders."""
    found = []
    for snap_dir in sorted(p for p in raw_dir.iterdir() if p.is_dir() and _SNAPSHOT_DIR.match(p.name)):
        for path in sorted(snap_dir.iterdir()):
            code = path.name[:4]
            if path.is_file() and code in REGENCIES and path.suffix.lower() in (".csv", ".xlsx"):
                found.append((snap_dir.name, code, path))
    return found


def _header(path: Path) -> tuple[str, list[str], bool]:
    with path.open("rb") as f:
        first = f.readline()
    bom = first.startswith(b"\xef\xbb\xbf")
    try:
        line = first.decode("utf-8-sig")
    except UnicodeDecodeError:
        line = first.decode("cp1252")
    semis, commas = line.count(";"), line.count(",")
    delimiter = ";" if semis > commas else ","
    return delimiter, next(csv.reader(io.StringIO(line), delimiter=delimiter)), bom


def _positions(header: list[str]) -> dict[str, int]:
    positions = {}
    for i, raw in enumerate(header):
        name = raw.strip().upper()
        if name in COLUMNS and name not in positions:
            positions[name] = i
    missing = [c for c in REQUIRED_COLUMNS if c not in positions]
    if missing:
        raise BaselineError(f"required column(s) missing: {', '.join(missing)}")
    return positions


def run(raw_dir: Path, db_path: Path, *, settings: Settings | None = None) -> dict[str, float]:
    """Build the baseline warehouse at db_path (replaced) from raw_dir; returns seconds per phase."""
    settings = settings or Settings.from_env()
    parts = sections(SQL_PATH.read_text(encoding="utf-8"))
    for p in (db_path, db_path.with_name(db_path.name + ".wal")):
        p.unlink(missing_ok=True)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    temp_dir = db_path.with_name(db_path.stem + ".tmp")
    conn = duckdb.connect(
        str(db_path),
        config={"memory_limit": settings.duckdb_memory_limit, "temp_directory": str(temp_dir)},
    )
    timings: dict[str, float] = {}
    try:
        started = time.perf_counter()
        conn.execute(parts["setup"].substitute())
        for snapshot, code, path in extracts(raw_dir):
            _read_file(conn, parts, snapshot, code, path)
        timings["read"] = time.perf_counter() - started
        started = time.perf_counter()
        hijau = settings.zone_hijau_min_pct if settings.zone_hijau_min_pct is not None else 85
        kuning = settings.zone_kuning_min_pct if settings.zone_kuning_min_pct is not None else 75
        target = (
            f"cast({_lit(settings.target_date)} as date)"
            if settings.target_date
            else "make_date(year(snapshot_date), 11, 30)"
        )
        conn.execute(
            parts["transform"].substitute(
                seeds_dir=str(SEEDS_DIR),
                zone_hijau_min_pct=hijau,
                zone_kuning_min_pct=kuning,
                target_date_expr=target,
            )
        )
        timings["transform"] = time.perf_counter() - started
    finally:
        conn.close()
    return timings


def _read_file(conn: duckdb.DuckDBPyConnection, parts: dict, snapshot: str, code: str, path: Path) -> None:
    offset = conn.execute("select count(*) from raw_extract").fetchone()[0]
    common = {
        "snapshot": snapshot,
        "regency": dotted_regency(code),
        "kab": int(code[2:]),
        # the contract's part of the name (pipelines/lib/ingest/discovery.py): snapshot, regency, format
        "source_file": f"{snapshot}/{code}{path.suffix.lower()}",
        "path": str(path).replace("'", "''"),
    }
    if path.suffix.lower() == ".xlsx":
        from pipelines.lib.ingest.readers import read_extract

        parsed = read_extract(path)
        present = [c for c in COLUMNS if c in parsed.table.column_names]
        conn.register("arrow_extract", parsed.table)
        try:
            conn.execute(parts["read_arrow"].substitute(common, select_list=", ".join(present)))
        finally:
            conn.unregister("arrow_extract")
        file_format, encoding, delimiter, header = "xlsx", "null", "null", parsed.columns_found
    else:
        delimiter, header, bom = _header(path)
        positions = _positions(header)
        columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(header))) + "}"
        select_list = ", ".join(f"c{positions[c]} as {c}" for c in COLUMNS if c in positions)
        sql = parts["read_csv"]
        try:
            conn.execute(
                sql.substitute(
                    common, delimiter=delimiter, columns=columns, select_list=select_list, encoding="utf-8"
                )
            )
            encoding = "utf-8-sig" if bom else "utf-8"
        except duckdb.InvalidInputException as e:
            if "unicode" not in str(e).lower():
                raise
            _require_latin1_equivalent(path)
            conn.execute(
                sql.substitute(
                    common, delimiter=delimiter, columns=columns, select_list=select_list, encoding="latin-1"
                )
            )
            encoding = "cp1252"
        file_format, encoding, delimiter = "csv", _lit(encoding), _lit(delimiter)
        header = [h.strip() for h in header]
    found = "[" + ", ".join(_lit(h) for h in header) + "]::varchar[]"
    conn.execute(
        parts["file_done"].substitute(
            common,
            file_format=file_format,
            encoding=encoding,
            delimiter=delimiter,
            columns_found=found,
            row_offset=offset,
        )
    )


def _require_latin1_equivalent(path: Path) -> None:
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(8 << 20), b""):
            if _CP1252_ONLY.search(chunk):
                raise BaselineError(f"{path}: Windows-1252 bytes 0x80-0x9F, which latin-1 reads differently")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.baseline", description=__doc__)
    parser.add_argument("--raw", required=True, type=Path)
    parser.add_argument("--db", required=True, type=Path)
    args = parser.parse_args(argv)
    timings = run(args.raw.resolve(), args.db.resolve())
    print(" ".join(f"{k}={v:.2f}s" for k, v in timings.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
