"""The engines dbt builds the warehouse with (KTP_ENGINE): DuckDB, or Spark with DuckDB reading its tables.

A warehouse belongs to the engine that built it: on DuckDB its file holds the tables, on Spark it holds
views over the tables in `<warehouse>.spark/` (spark_mirror.py). Switching engines on one warehouse
would mix the two, so it is refused before any work starts.
"""

from __future__ import annotations

import duckdb

from pipelines.lib.settings import ConfigError, Settings
from pipelines.lib.warehouse import connect


def built_with(settings: Settings) -> str | None:
    """The engine that built `settings.warehouse` ('duckdb' or 'spark'), or None if nothing is built."""
    if not settings.warehouse.exists():
        return "spark" if (settings.spark_dir / "warehouse").exists() else None
    try:
        with connect(settings, read_only=True) as conn:
            row = conn.execute(
                "select table_type from information_schema.tables "
                "where table_schema = 'ingest' and table_name = 'files'"
            ).fetchone()
    except duckdb.Error:
        return None  # unreadable here; the run reports that itself
    if row is None:
        return None
    return "spark" if row[0] == "VIEW" else "duckdb"


def check_engine(settings: Settings) -> None:
    built = built_with(settings)
    if built is not None and built != settings.engine:
        raise ConfigError(
            "KTP_ENGINE",
            settings.engine,
            f"the warehouse {settings.warehouse} was built with {built}; "
            f"use KTP_ENGINE={built}, or another KTP_WAREHOUSE for {settings.engine}",
        )
