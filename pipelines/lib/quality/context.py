"""The one GX context of a process, and the datasource that points it at the warehouse.

Building a context is cheap once GX is imported (~3 s, paid once per process, so GX is imported here
lazily and never by merely importing `pipelines.lib.quality`). The context is in-memory (see
expectations/gx_project.yml); validation results and Data Docs go to the reports directory.
"""

from __future__ import annotations

import threading
from pathlib import Path
from string import Template
from typing import Any

import yaml

from pipelines.lib.faults import fault_point
from pipelines.lib.settings import EXPECTATIONS_DIR

PROJECT_CONFIG = EXPECTATIONS_DIR / "gx_project.yml"
DATASOURCE = "warehouse"
SITE = "local_site"

_contexts: dict[Path, Any] = {}
_probed: set[str] = set()
_warm_up: threading.Thread | None = None


def _import_gx() -> None:
    import great_expectations  # noqa: F401


def import_gx_in_background() -> None:
    """Start importing GX on a thread, for a process that will validate soon.

    The import is ~3 s of Python; started before ingestion it overlaps DuckDB's work, which releases
    the GIL. gx_context waits for it, so no context is built from a half-imported GX.
    """
    global _warm_up
    if _warm_up is None:
        _warm_up = threading.Thread(target=_import_gx, name="import-gx", daemon=True)
        _warm_up.start()


def data_docs_dir(reports_dir: Path) -> Path:
    return Path(reports_dir) / "data_docs"


def project_config(reports_dir: Path) -> dict[str, Any]:
    text = Template(PROJECT_CONFIG.read_text(encoding="utf-8")).substitute(
        reports_dir=Path(reports_dir).resolve().as_posix()
    )
    return yaml.safe_load(text)


def gx_context(reports_dir: Path) -> Any:
    """The process's GX context for this reports directory (created on first use)."""
    key = Path(reports_dir).resolve()
    context = _contexts.get(key)
    if context is None:
        if _warm_up is not None:
            _warm_up.join()  # an import error, if any, is raised again by the import below
        _import_gx()
        import great_expectations as gx
        from great_expectations.data_context.types.base import DataContextConfigSchema

        config = DataContextConfigSchema().load(project_config(key))
        context = gx.get_context(mode="ephemeral", project_config=config)
        _contexts[key] = context
        # bench/startup_race.py: every start-up thread (landing, dbt, GX's import) has done its imports.
        fault_point("gx_ready")
    return context


def warehouse_datasource(context: Any, warehouse: Path, duckdb_settings: dict[str, str]) -> Any:
    """The SQL datasource on the warehouse file; its connections must be closed with gx_duckdb.release."""
    import sqlalchemy as sa

    # Here, not at the top: duckdb-engine (and SQLAlchemy's PostgreSQL dialect it builds on) is only
    # needed once a suite runs, and importing this module must stay cheap (see the module doc).
    from pipelines.lib.quality import gx_duckdb

    warehouse = Path(warehouse).resolve()
    if not warehouse.is_file():
        # duckdb-engine would silently create an empty database and every check would fail obscurely.
        raise FileNotFoundError(f"warehouse {warehouse} does not exist")
    url = gx_duckdb.connection_url(warehouse)
    datasource = context.data_sources.all().get(DATASOURCE)
    if datasource is None or datasource.connection_string != url:
        datasource = context.data_sources.add_or_update_sql(name=DATASOURCE, connection_string=url)
    engine = datasource.get_execution_engine().engine
    # Settings go in as SET, not as connect_args: DuckDB refuses a second connection to a file that is
    # already open in this process with a different configuration (e.g. by an ingestion step).
    if duckdb_settings and not sa.event.contains(engine, "connect", _apply(duckdb_settings)):
        sa.event.listen(engine, "connect", _apply(duckdb_settings))
    if url not in _probed:
        gx_duckdb.probe(datasource.get_execution_engine())
        _probed.add(url)
    return datasource


_listeners: dict[tuple, Any] = {}


def _apply(duckdb_settings: dict[str, str]) -> Any:
    key = tuple(sorted(duckdb_settings.items()))
    if key not in _listeners:

        def on_connect(dbapi_connection: Any, _record: Any) -> None:
            for name, value in key:
                quoted = str(value).replace("'", "''")
                dbapi_connection.execute(f"SET {name} = '{quoted}'")

        _listeners[key] = on_connect
    return _listeners[key]
