"""The dbt docs site for auditors, regenerated only when what it shows can have changed.

The site is dbt's manifest (the project: models, columns, descriptions, tests, lineage) and its catalog
(the warehouse's tables and column types; dbt-duckdb records no row counts). Neither depends on the
rows, so a re-run after a changed extract finds the same site: a fingerprint of the project's files,
the dbt vars, the dbt version and the warehouse's column listing decides whether `dbt docs generate`
(run in this process, ~2 s) is needed.
"""

from __future__ import annotations

import shutil
from importlib.metadata import version
from pathlib import Path

from pipelines.lib.dbt.project import project_files, run_dbt, vars_args
from pipelines.lib.fingerprint import fingerprint
from pipelines.lib.fsio import atomic_write
from pipelines.lib.settings import REPO_ROOT, Settings
from pipelines.lib.warehouse import connect

FINGERPRINT = ".fingerprint"
SITE_FILES = ("index.html", "manifest.json", "catalog.json", "extract-contract.md")
# The project overview (dbt_project/models/overview.md) links to the contract beside the site.
EXTRACT_CONTRACT = REPO_ROOT / "docs" / "extract-contract.md"


def docs_dir(settings: Settings) -> Path:
    return settings.reports_dir / "dbt_docs"


def docs_fingerprint(settings: Settings) -> str:
    with connect(settings, read_only=True) as conn:
        columns = conn.execute(
            """
            select t.table_schema, t.table_name, t.table_type, c.column_name, c.data_type, c.ordinal_position
            from information_schema.tables as t
            join information_schema.columns as c using (table_catalog, table_schema, table_name)
            where t.table_catalog = current_database()
            order by all
            """
        ).fetchall()
    inputs = {
        "dbt": version("dbt-core"),
        "vars": settings.dbt_vars(),
        "database": settings.warehouse.stem,
        "columns": columns,
    }
    return fingerprint([*project_files(), EXTRACT_CONTRACT], relative_to=REPO_ROOT, values=inputs)


def write_dbt_docs(settings: Settings) -> bool:
    """Bring <reports>/dbt_docs up to date; True when dbt had to generate it again."""
    docs = docs_dir(settings)
    wanted = docs_fingerprint(settings)
    stamp = docs / FINGERPRINT
    current = all((docs / name).is_file() for name in SITE_FILES) and stamp.is_file()
    if current and stamp.read_text(encoding="utf-8") == wanted:
        return False
    docs.mkdir(parents=True, exist_ok=True)
    stamp.unlink(missing_ok=True)  # a failure below must not leave an old stamp on a mixed site
    # In the warehouse's dbt target folder dbt reuses the build's parse (partial_parse.msgpack), and with
    # --no-compile the catalog is all it reads from the warehouse.
    target = settings.dbt_target_dir
    run_dbt(
        settings,
        "docs",
        "generate",
        "--static",
        "--no-compile",
        *vars_args(settings),
        "--target-path",
        str(target),
        log_dir=target,
    )
    # The static page embeds manifest and catalog, so it opens from disk without a web server.
    shutil.copyfile(target / "static_index.html", docs / "index.html")
    for name in ("manifest.json", "catalog.json"):
        shutil.copyfile(target / name, docs / name)
    shutil.copyfile(EXTRACT_CONTRACT, docs / EXTRACT_CONTRACT.name)
    atomic_write(stamp, wanted)
    return True
