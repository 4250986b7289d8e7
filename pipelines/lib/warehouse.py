"""Opening the DuckDB warehouse the same way everywhere.

DuckDB allows one writing process per file, so connections are short-lived (a `with` block per
step) and always closed, even when the step fails; dbt runs as a subprocess between our steps. Only
dbt writes the data tables; Python writes the validation history.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

from pipelines.lib.settings import Settings


@contextmanager
def connect(settings: Settings, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    settings.duckdb_temp_dir.mkdir(parents=True, exist_ok=True)
    config = {
        # Large snapshots spill to disk instead of failing or swapping.
        "memory_limit": settings.duckdb_memory_limit,
        "temp_directory": str(settings.duckdb_temp_dir),
    }
    if settings.duckdb_threads:
        config["threads"] = settings.duckdb_threads
    conn = duckdb.connect(str(settings.warehouse), read_only=read_only, config=config)
    try:
        yield conn
    finally:
        conn.close()
