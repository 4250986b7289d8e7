"""The `ingest` schema of the warehouse, for tests that build small warehouses by hand.

dbt builds these tables from the landed extracts (dbt_project/models/intermediate/ingest/); the quality,
gate and publishing tests only read them, so they write a few rows directly into the tables of
ingest_tables.sql, which mirrors the dbt models' columns. `persons` and `quarantine` are views over
`judged_rows` (and `nik_duplicates`), as in dbt: a test writes a person or a rejected row into
`judged_rows` (`add_judged_rows`) and marks a person superseded in `nik_duplicates`.

`build_with_dbt` makes the same schema the real way, for the test that keeps the two in step.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

import duckdb

from pipelines.lib.dbt.project import dbt_executable
from pipelines.lib.ingest.contract import COLUMNS
from pipelines.lib.ingest.discovery import scan
from pipelines.lib.ingest.landing import land_all
from pipelines.lib.settings import DBT_PROJECT_DIR, Settings

INGEST_TABLES_SQL = Path(__file__).with_name("ingest_tables.sql")

# Columns of ingest.quarantine that are judged_rows.raw_<column> (the values as sent).
QUARANTINE_RAW_COLUMNS = tuple(c.lower() for c in COLUMNS)


def create_ingest_tables(con: duckdb.DuckDBPyConnection) -> None:
    """The ingest tables and views as dbt builds them, empty (idempotent)."""
    con.execute(INGEST_TABLES_SQL.read_text(encoding="utf-8"))


def add_rows(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, object]]) -> None:
    """Insert rows into ingest.<table>, each a dict of its columns (the others stay null)."""
    for row in rows:
        cols = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        con.execute(f"insert into ingest.{table} ({cols}) values ({marks})", list(row.values()))


def add_judged_rows(con: duckdb.DuckDBPyConnection, rows: list[dict[str, object]]) -> None:
    add_rows(con, "judged_rows", rows)


def utc_now() -> dt.datetime:
    """Naive UTC, as dbt stamps landed_at, loaded_at and resolved_at and the history validated_at."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def file_row(
    snapshot_date: dt.date, regency_code: str, source_file: str, **columns: object
) -> dict[str, object]:
    """A row of ingest.files: a CSV with every column of the contract, landed, judged and deduplicated
    just now, no rows unless `columns` say so (they override any column)."""
    now = utc_now()
    return {
        "snapshot_date": snapshot_date,
        "regency_code": regency_code,
        "source_file": source_file,
        "file_format": "csv",
        "encoding": "utf-8",
        "delimiter": ";",
        "sha256": "sha",
        "size_bytes": 1000,
        "columns_found": list(COLUMNS),
        "rows_landed": 0,
        "rows_read": 0,
        "rows_loaded": 0,
        "rows_rejected": 0,
        "duplicates_superseded": 0,
        "landed_at": now,
        "loaded_at": now,
        "resolved_at": now,
        "run_id": "run-0",
        **columns,
    }


def quarantine_as_judged_row(row: dict[str, object]) -> dict[str, object]:
    """The ingest.judged_rows row that ingest.quarantine shows as `row` (raw_* hold the values as sent)."""
    return {f"raw_{k}" if k in QUARANTINE_RAW_COLUMNS else k: v for k, v in row.items()}


def ingest_schema(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, list[tuple[str, str]]]]:
    """table -> (table type, [(column, data type)] in column order) for the schema `ingest`."""
    kinds = dict(
        con.execute(
            "select table_name, table_type from information_schema.tables where table_schema = 'ingest'"
        ).fetchall()
    )
    columns: dict[str, list[tuple[str, str]]] = {name: [] for name in kinds}
    for table, column, data_type in con.execute(
        "select table_name, column_name, data_type from information_schema.columns"
        " where table_schema = 'ingest' order by table_name, ordinal_position"
    ).fetchall():
        columns[table].append((column, data_type))
    return {name: (kinds[name], columns[name]) for name in sorted(kinds)}


def build_with_dbt(tmp: Path, raw_dir: Path) -> Path:
    """Land the extracts of `raw_dir` and let dbt build the ingest models (and their seeds and staging
    models) into a new warehouse under `tmp`; returns the warehouse. Target and logs stay under `tmp`."""
    settings = Settings.from_env(
        {"KTP_RAW_DIR": str(raw_dir), "KTP_WAREHOUSE": str(tmp / "wh" / "ktp.duckdb")}
    )
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    land_all(settings.landing_dir, scan(raw_dir), run_id="ingest-schema")
    cmd = [
        dbt_executable(),
        "--quiet",
        "build",
        "--select",
        "+path:models/intermediate/ingest",
        "--exclude-resource-type",
        "test",
        "--exclude-resource-type",
        "unit_test",
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(tmp / "target"),
        "--log-path",
        str(tmp / "logs"),
    ]
    env = {
        **os.environ,
        **settings.export_for_dbt(),
        "DO_NOT_TRACK": "1",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    }
    done = subprocess.run(cmd, cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(
            f"dbt build of the ingest models failed:\n{done.stdout[-4000:]}{done.stderr[-4000:]}"
        )
    return settings.warehouse
