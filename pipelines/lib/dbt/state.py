"""What the next dbt build of a warehouse must redo: everything once when the dbt project changed, and
the tests of the partitions built since the last build that passed every test.

The incremental models rebuild the partitions whose landed files changed (dbt_project/macros/
incremental/); a changed model, macro, seed or var changes every partition instead. The fingerprint of
everything dbt parses is kept beside the warehouse's dbt target folder after a build in which every
model and seed succeeded; a build against another fingerprint gets `--full-refresh`.
"""

from __future__ import annotations

import json
from pathlib import Path

from pipelines.lib.dbt.project import project_files, vars_args
from pipelines.lib.fingerprint import fingerprint
from pipelines.lib.fsio import atomic_write
from pipelines.lib.settings import DBT_PROJECT_DIR, Settings
from pipelines.lib.warehouse import connect

_BUILT = "built_project.sha256"
_TESTED = "tested_until"


def project_fingerprint(settings: Settings) -> str:
    return fingerprint(project_files(), relative_to=DBT_PROJECT_DIR, values=vars_args(settings))


def _built_path(settings: Settings) -> Path:
    return settings.dbt_target_dir / _BUILT


def full_refresh_args(settings: Settings) -> list[str]:
    if not settings.warehouse.exists():
        return []  # nothing to refresh: the first build creates every table
    try:
        built = _built_path(settings).read_text(encoding="utf-8").strip()
    except OSError:
        built = None
    return [] if built == project_fingerprint(settings) else ["--full-refresh"]


def record_built_project(settings: Settings) -> bool:
    """Remember the project the warehouse was built from, when dbt built every model and seed."""
    try:
        results = json.loads((settings.dbt_target_dir / "run_results.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    built = [r for r in results.get("results", []) if r["unique_id"].split(".")[0] in ("model", "seed")]
    if not built or any(r["status"] != "success" for r in built):
        return False
    atomic_write(_built_path(settings), project_fingerprint(settings) + "\n")
    return True


def tested_until(settings: Settings) -> str:
    """When the last build in which every model, seed and test passed ended its last partition ('' when
    there is none): the partitions built since are the ones this build must test (ktp_untested_rows)."""
    if full_refresh_args(settings):
        return ""
    try:
        return (settings.dbt_target_dir / _TESTED).read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def seed_args(settings: Settings) -> list[str]:
    """Leave the seeds (the reference data the project ships) as the last all-green build loaded and
    tested them: a changed seed changes the project's fingerprint, so the build after it is a full one
    and loads them again. Five seeds and their seventeen tests are a fifth of a build's nodes.

    `--indirect-selection empty`: tests are then the ones selected by name (all of them, dagster-dbt
    selects `fqn:*`) minus those defined beside the seeds; dbt's default (eager) would also drop every
    test that refers to a seed, such as the marts' relationships to the area codes.
    """
    if not tested_until(settings):
        return []
    return ["--exclude", "path:seeds", "--indirect-selection", "empty"]


def record_tested(settings: Settings) -> bool:
    """After a build: remember up to when every partition is tested, if every node of the build passed."""
    path = settings.dbt_target_dir / _TESTED
    try:
        results = json.loads((settings.dbt_target_dir / "run_results.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        results = {}
    nodes = results.get("results") or []
    if not nodes or any(r["status"] not in ("success", "pass") for r in nodes):
        path.unlink(missing_ok=True)  # test everything again next time
        return False
    with connect(settings, read_only=True) as conn:
        (newest,) = conn.execute("select max(built_at) from audit.dbt_partitions").fetchone()
    if newest is None:
        path.unlink(missing_ok=True)
        return False
    atomic_write(path, newest.isoformat(sep=" ") + "\n")
    return True
