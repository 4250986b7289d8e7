"""When the dbt project itself changed, the incremental models must be rebuilt whole, once.

The incremental models rebuild the partitions whose landed files changed (dbt_project/macros/
incremental/); a changed model, macro, seed or var changes every partition instead. The fingerprint of
everything dbt parses is kept beside the warehouse's dbt target folder after a build in which every
model and seed succeeded; a build against another fingerprint gets `--full-refresh`.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pipelines.dbt_manifest import project_files, vars_args
from pipelines.settings import DBT_PROJECT_DIR, Settings

_BUILT = "built_project.sha256"


def project_fingerprint(settings: Settings) -> str:
    digest = hashlib.sha256()
    for path in project_files():
        digest.update(path.relative_to(DBT_PROJECT_DIR).as_posix().encode())
        digest.update(path.read_bytes())
    digest.update(json.dumps(vars_args(settings)).encode())
    return digest.hexdigest()


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
    _built_path(settings).write_text(project_fingerprint(settings) + "\n", encoding="utf-8")
    return True
