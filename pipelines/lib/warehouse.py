"""Opening the DuckDB warehouse the same way everywhere: every connection to it is made here.

DuckDB allows one writing process per file, so connections are short-lived (a `with` block per
step) and always closed, even when the step fails; dbt runs between our steps. Only dbt writes the
data tables; Python writes the validation history.

In-memory connections that only read files (the PII scan, the report's figures) are not the warehouse
and open DuckDB themselves: they hold no file lock and need none of its settings.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from pipelines.lib.settings import Settings


@contextmanager
def connect(warehouse: Settings | Path, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the warehouse for the block, closed after it.

    Given the Settings, it runs within the deployment's limits (KTP_DUCKDB_MEMORY_LIMIT, _THREADS,
    spilling to `<warehouse>.tmp/`). Given only the file (the publisher, the quarantine export and the
    validation history are called with a path), it runs with DuckDB's defaults. A read-only
    connection creates nothing: the checks that read the warehouse before a run may refuse it must
    leave no trace.
    """
    if isinstance(warehouse, Settings):
        path = warehouse.warehouse
        config = {
            # Large snapshots spill to disk instead of failing or swapping.
            "memory_limit": warehouse.duckdb_memory_limit,
            "temp_directory": str(warehouse.duckdb_temp_dir),
        }
        if warehouse.duckdb_threads:
            config["threads"] = warehouse.duckdb_threads
    else:
        path, config = Path(warehouse), {}
    if not read_only:
        # DuckDB creates the database and, on first spill, the temporary folder beside it, but not
        # the folder they are in.
        path.parent.mkdir(parents=True, exist_ok=True)
    conn = duckdb.connect(str(path), read_only=read_only, config=config)
    try:
        yield conn
    finally:
        conn.close()
