"""Writing the marts of the warehouse as Parquet and CSV with DuckDB COPY (set-based, no pandas)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.lib.fsio import sha256_of
from pipelines.lib.publish.errors import PublishError
from pipelines.lib.publish.marts import order_by_clause
from pipelines.lib.sql import spreadsheet_safe_sql, sql_ident, sql_string
from pipelines.lib.warehouse import connect

MART_SCHEMA = "marts"
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_]+$")


@dataclass(frozen=True)
class ExportedFile:
    file: str  # name inside the release
    mart: str | None  # None for a file of the whole release (the workbook, the data package)
    format: str  # "parquet" | "csv" | "xlsx" | "json"
    rows: int | None
    bytes: int
    sha256: str
    # (name, DuckDB type) of the mart's columns, in file order: what the data package describes
    columns: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, path: Path, mart: str | None, fmt: str, rows: int | None, columns=()) -> ExportedFile:
        return cls(path.name, mart, fmt, rows, path.stat().st_size, sha256_of(path), tuple(columns))

    def as_manifest_entry(self) -> dict[str, object]:
        return {
            "file": self.file,
            "mart": self.mart,
            "format": self.format,
            "rows": self.rows,
            "bytes": self.bytes,
            "sha256": self.sha256,
        }


@contextmanager
def open_warehouse(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    if not warehouse.is_file():
        raise PublishError(f"warehouse not found: {warehouse}")
    with connect(warehouse, read_only=True) as con:
        # timestamptz values print in the session zone; UTC keeps the files independent of the host.
        with contextlib.suppress(duckdb.Error):
            con.execute("set TimeZone = 'UTC'")
        yield con


def list_marts(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "select table_name from information_schema.tables "
        "where table_schema = ? and table_catalog = current_database() order by table_name",
        [MART_SCHEMA],
    ).fetchall()
    return [r[0] for r in rows]


def resolve_marts(con: duckdb.DuckDBPyConnection, wanted: Sequence[str] | None) -> list[str]:
    available = list_marts(con)
    names = available if wanted is None else list(dict.fromkeys(wanted))
    missing = sorted(set(names) - set(available))
    if missing:
        raise PublishError(f"not in schema {MART_SCHEMA}: {', '.join(missing)}")
    if not names:
        raise PublishError(f"no tables in schema {MART_SCHEMA} to publish")
    unsafe = [n for n in names if not _SAFE_NAME.match(n)]
    if unsafe:
        raise PublishError(f"mart names unusable as file names: {', '.join(unsafe)}")
    return names


def export_mart(con: duckdb.DuckDBPyConnection, mart: str, dest: Path) -> list[ExportedFile]:
    """`<mart>.parquet` then `<mart>.csv` from that Parquet, so both hold the same rows in the same order."""
    typed = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? and table_catalog = current_database() "
        "order by ordinal_position",
        [MART_SCHEMA, mart],
    ).fetchall()
    columns = [name for name, _ in typed]
    # Text cells of the CSV cannot start a formula in the office's spreadsheet; the Parquet file keeps
    # the values as they are.
    cells = ", ".join(
        f"{spreadsheet_safe_sql(sql_ident(name))} as {sql_ident(name)}"
        if kind == "VARCHAR"
        else sql_ident(name)
        for name, kind in typed
    )
    parquet = dest / f"{mart}.parquet"
    csv = dest / f"{mart}.csv"
    query = f"select * from {sql_ident(MART_SCHEMA)}.{sql_ident(mart)} {order_by_clause(mart, columns)}"
    (rows,) = con.execute(
        f"copy ({query}) to {sql_string(parquet)} (format parquet, compression zstd)"
    ).fetchone()
    # Defaults already match what Excel reads: ISO dates, '.' decimals, true/false; quoted when needed.
    (csv_rows,) = con.execute(
        f"copy (select {cells} from read_parquet({sql_string(parquet)})) to {sql_string(csv)} "
        "(format csv, header true, delimiter ',', quote '\"', escape '\"')"
    ).fetchone()
    if csv_rows != rows:
        raise PublishError(f"{mart}: parquet has {rows} rows but csv {csv_rows}")
    return [ExportedFile.of(p, mart, fmt, rows, typed) for p, fmt in ((parquet, "parquet"), (csv, "csv"))]


def snapshots_in(con: duckdb.DuckDBPyConnection, parquet_files: Sequence[Path]) -> list[str]:
    """Every snapshot date found in the exported files, ISO strings, ascending."""
    found: set[str] = set()
    for path in parquet_files:
        source = f"read_parquet({sql_string(path)})"
        names = [r[0] for r in con.execute(f"describe select * from {source}").fetchall()]
        if "snapshot_date" in names:
            rows = con.execute(
                f"select distinct cast(snapshot_date as varchar) from {source} "
                "where snapshot_date is not null"
            ).fetchall()
            found.update(r[0] for r in rows)
    return sorted(found)
