"""A DuckDB connection URL that GX 1.x's SQL execution engine can read through, and its release.

Why a dialect of our own: GX runs every metric query through `SqlAlchemyExecutionEngine.execute_query`,
which executes inside `with engine.connect()` and returns the *unfetched* result after the block has
closed the connection. Closing rolls the transaction SQLAlchemy began back (and the pool rolls back again
when the connection is returned), and duckdb-engine's cursor executes on the DuckDB connection itself,
whose one pending result is replaced by whatever runs next, that ROLLBACK included (a failed one too):
`fetchall()` then returns nothing and every expectation errors (IndexError in `resolve_metric_bundle`, or
"'NoneType' is not subscriptable"). So GX gets a URL, `duckdb+ktp_autocommit:///<file>`, whose dialect is
duckdb-engine's except that BEGIN and ROLLBACK never reach DuckDB: every statement commits on its own
(DuckDB's autocommit; a COMMIT with no transaction open leaves the result alone), and the pending result
is still there when GX fetches it. Nothing is lost by that: GX only reads here (query assets, no temp
tables), and a failed statement leaves no aborted transaction behind; the validation history is written
through plain duckdb, never through this engine.

The dialect keeps duckdb-engine's name, "duckdb", which is none of GX's `GXSqlDialect` members: GX takes
none of its dialect-specific branches (it treats the engine as `GXSqlDialect.OTHER`) and SQLAlchemy
compiles the expectations with duckdb-engine's compiler, exactly as with duckdb-engine's own URL, so the
same SQL runs inside DuckDB and gives the same results.

Why the release: DuckDB lets one process write a file, and keeps it locked while any connection to it is
open; in the same process it refuses a second connection with another configuration. Because the
dialect makes GX's own `with engine.connect()` path work, every connection is back in its engine's pool
once a query has returned, so disposing the engines closes them all (`release`).

`probe` proves on the real engine, before any suite runs, that both still hold after an upgrade (of GX,
SQLAlchemy or duckdb-engine): a result survives `execute_query`, and no connection stays checked out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb_engine
import sqlalchemy as sa
from sqlalchemy.dialects import registry

DRIVER = "ktp_autocommit"


class AutocommitDuckDBDialect(duckdb_engine.Dialect):
    """duckdb-engine's dialect without BEGIN and ROLLBACK (see the module doc)."""

    driver = DRIVER
    # Set on the class itself or SQLAlchemy warns; False as in duckdb-engine, so SQL is compiled as before.
    supports_statement_cache = False

    def do_begin(self, dbapi_connection: Any) -> None:
        pass  # DuckDB stays in autocommit: there is never a transaction to end

    def do_rollback(self, dbapi_connection: Any) -> None:
        pass  # would replace the result GX has yet to fetch


# SQLAlchemy's registry imports the module by name the first time a URL names the driver.
registry.register(f"duckdb.{DRIVER}", __name__, AutocommitDuckDBDialect.__name__)


def connection_url(warehouse: Path) -> str:
    """The URL to give GX for this DuckDB file."""
    return f"duckdb+{DRIVER}:///{Path(warehouse).as_posix()}"


def probe(execution_engine: Any) -> None:
    """Fail loudly unless a query result survives GX's execute_query and its connection is returned."""
    engine = execution_engine.engine
    if not isinstance(engine.dialect, AutocommitDuckDBDialect):
        raise RuntimeError(
            f"GX built its engine with {type(engine.dialect).__qualname__}, not the DuckDB dialect of "
            "pipelines/lib/quality/gx_duckdb.py: its result would be rolled away"
        )
    try:
        rows = [tuple(r) for r in execution_engine.execute_query(sa.text("select 42 as answer")).fetchall()]
    except Exception as e:  # e.g. "No open result set": the result was replaced before the fetch
        rows = [f"{type(e).__name__}: {e}"]
    if rows != [(42,)]:
        raise RuntimeError(
            f"GX's SQLAlchemy engine lost a DuckDB query result (got {rows!r}): the autocommit dialect "
            "in pipelines/lib/quality/gx_duckdb.py no longer works with this GX, SQLAlchemy or duckdb-engine"
        )
    _check_all_returned(engine)


def release(datasource: Any) -> None:
    """Close every DuckDB connection a GX SQL datasource holds, so the file lock is released."""
    engines = [datasource.get_engine()]
    if datasource.execution_engine is not None:
        engines.append(datasource.execution_engine.engine)
    # Counted before dispose, which starts a new pool and leaves checked-out connections (and the lock)
    # open; every engine is disposed before that is reported.
    held = sum(_checked_out(engine) for engine in engines)
    for engine in engines:
        engine.dispose()
    if held:
        raise _kept_open(held)


def _check_all_returned(engine: sa.Engine) -> None:
    held = _checked_out(engine)
    if held:
        raise _kept_open(held)


def _checked_out(engine: sa.Engine) -> int:
    checkedout = getattr(engine.pool, "checkedout", None)
    if checkedout is None:
        raise RuntimeError(
            f"{type(engine.pool).__name__} cannot count its checked-out connections: "
            "pipelines/lib/quality/gx_duckdb.py expects duckdb-engine's QueuePool for a DuckDB file"
        )
    return checkedout()


def _kept_open(held: int) -> RuntimeError:
    return RuntimeError(
        f"{held} DuckDB connection(s) still checked out of GX's engines after its queries returned: GX "
        "now keeps a connection of its own, which disposing the engine leaves open (and the file locked); "
        "pipelines/lib/quality/gx_duckdb.py must be redone for this GX version"
    )
