"""DuckDB's "Out of Memory Error", said as what the operator can change.

DuckDB spills what it can to `<warehouse>.tmp/`; what it cannot (a group's aggregate state, a block
pinned by each of many threads) fails the query with a message that names DuckDB's own SQL settings
(SET memory_limit=...), not ours. Wherever such an error ends a step, the run's line names the setting
instead, and the trace goes to the run's log only.
"""

from __future__ import annotations

import os

from pipelines.lib.settings import DEFAULT_MEMORY_LIMIT

MARKER = "Out of Memory Error"


def is_out_of_memory(message: str) -> bool:
    return MARKER in message


def advice(where: str, limit: str | None = None) -> str:
    """One line: where it happened, the limit in force, and what to do. The limit is the one given,
    else read from the environment, because dbt reads it from there too (the profile's memory_limit)."""
    limit = limit or os.environ.get("KTP_DUCKDB_MEMORY_LIMIT") or DEFAULT_MEMORY_LIMIT
    return (
        f"DuckDB ran out of memory in {where} with KTP_DUCKDB_MEMORY_LIMIT={limit}: raise "
        f"KTP_DUCKDB_MEMORY_LIMIT (the default is {DEFAULT_MEMORY_LIMIT}) and run again"
    )
