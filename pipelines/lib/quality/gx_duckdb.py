"""Make GX 1.x's SQLAlchemy execution engine usable on DuckDB, and release the DuckDB file after use.

Why a patch at all: GX runs every metric query through `SqlAlchemyExecutionEngine.execute_query`, which
opens a connection in a `with engine.connect()` block and returns the *unfetched* result after the block
has closed it. Closing rolls the autobegun transaction back, and duckdb-engine's cursor is the DuckDB
connection itself, so that ROLLBACK replaces the pending result: `fetchall()` then returns nothing and
every expectation errors (IndexError in `resolve_metric_bundle`, or "'NoneType' is not subscriptable").
GX already keeps one persisted connection (plus a StaticPool) for the dialects listed in
`_PERSISTED_CONNECTION_DIALECTS` (sqlite, mssql, ...) for a related reason (temp tables). Adding DuckDB
to that tuple routes it through GX's own, tested code path; nothing else in GX changes.

Narrowest available hook: the tuple is read at call time by `_dialect_requires_persisted_connection`
(engine creation: StaticPool) and `SqlAlchemyExecutionEngine.get_connection` (persisted connection);
a subclassed engine would need a custom datasource type and a copy of `get_connection`. The checks in
`enable_duckdb_persisted_connection` raise if a GX upgrade moves or reshapes what this relies on, and
`probe` proves on a real engine that a result can still be fetched.

DuckDB allows one writing process per file and keeps the file locked while any connection is open, so
the persisted connection must be closed explicitly (`release`): GX only disposes the engine, which
leaves a checked-out connection open.
"""

from __future__ import annotations

import inspect
from typing import Any

import sqlalchemy as sa

DIALECT = "duckdb"


class _DuckDBDialectName(str):
    """Stands in for a `GXSqlDialect` member: GX compares members with `==` against the engine's
    dialect name and reads `.value` for connection-string prefixes; the enum itself can't be extended."""

    @property
    def value(self) -> str:
        return str(self)


def enable_duckdb_persisted_connection() -> None:
    """Idempotent; call before GX creates any DuckDB engine."""
    from great_expectations.execution_engine import sqlalchemy_execution_engine as engine_module

    name = "_PERSISTED_CONNECTION_DIALECTS"
    current = getattr(engine_module, name, None)
    if not isinstance(current, tuple):
        raise RuntimeError(
            f"great_expectations.execution_engine.sqlalchemy_execution_engine.{name} is gone or no longer "
            "a tuple: the DuckDB persisted-connection fix in pipelines/lib/quality/gx_duckdb.py must be redone "
            "for this GX version"
        )
    for user in (
        engine_module.SqlAlchemyExecutionEngine.get_connection,
        engine_module._dialect_requires_persisted_connection,
    ):
        if name not in inspect.getsource(user):
            raise RuntimeError(
                f"{user.__qualname__} no longer reads {name}: the DuckDB persisted-connection fix in "
                "pipelines/lib/quality/gx_duckdb.py must be redone for this GX version"
            )
    if any(dialect == DIALECT for dialect in current):
        return  # a GX version that supports DuckDB itself, or already enabled
    setattr(engine_module, name, (*current, _DuckDBDialectName(DIALECT)))


def probe(execution_engine: Any) -> None:
    """Fail loudly unless a query result survives GX's execute_query on this engine."""
    rows = execution_engine.execute_query(sa.text("select 42 as answer")).fetchall()
    if [tuple(r) for r in rows] != [(42,)]:
        raise RuntimeError(
            f"GX's SQLAlchemy engine lost a DuckDB query result (got {rows!r}): the persisted-connection "
            "fix in pipelines/lib/quality/gx_duckdb.py no longer works with this GX version"
        )


def release(datasource: Any) -> None:
    """Close every DuckDB connection a GX SQL datasource holds, so the file lock is released."""
    execution_engine = getattr(datasource, "_execution_engine", None)
    if execution_engine is not None:
        connection = getattr(execution_engine, "_connection", None)
        if connection is not None:
            connection.close()
            execution_engine._connection = None
        execution_engine.engine.dispose()
    engine = getattr(datasource, "_engine", None)
    if engine is not None:
        engine.dispose()
