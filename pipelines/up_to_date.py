"""What a re-run may skip because nothing it depends on has changed.

The assets themselves are idempotent (a file whose sha256 is loaded is not read again), but launching
their runs, starting dbt and the GX context costs seconds even when there is nothing to do. The
headless run asks here first:

- a file is unchanged when its sha256 is the one loaded, it has no recorded error, and its latest
  validation passed after it was loaded;
- a snapshot is current when none of its files changed, its files in the warehouse are exactly the
  ones in the raw directory, and its latest validation passed after its newest load;
- the publication is current when the fingerprint of everything the marts depend on (loaded files,
  the code, the dbt project, the suites, the thresholds) equals the one recorded in its manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from pipelines.gate import LATEST_VALIDATIONS
from pipelines.ingest.discovery import Inventory
from pipelines.ingest.readers import sha256_of
from pipelines.publish.dbt_docs import docs_dir
from pipelines.quality.context import data_docs_dir
from pipelines.settings import DBT_PROJECT_DIR, EXPECTATIONS_DIR, REPO_ROOT, Settings

_CODE_ROOTS = [
    (REPO_ROOT / "pipelines", ("*.py", "*.sql")),
    (DBT_PROJECT_DIR / "models", ("*.sql", "*.yml")),
    (DBT_PROJECT_DIR / "macros", ("*.sql",)),
    (DBT_PROJECT_DIR / "tests", ("*.sql",)),
    (DBT_PROJECT_DIR / "seeds", ("*.csv", "*.yml")),
    (EXPECTATIONS_DIR, ("*.json", "*.yml")),
]
_CODE_FILES = [DBT_PROJECT_DIR / "dbt_project.yml", DBT_PROJECT_DIR / "profiles.yml"]
_THRESHOLDS = ("KTP_MAX_REJECT_RATE", "KTP_OUTLIER_Z", "KTP_POPULATION_TOLERANCE")


@dataclass
class WarehouseState:
    files: dict[tuple[str, str], tuple[str, datetime]] = field(default_factory=dict)  # sha256, loaded_at
    errors: set[tuple[str, str | None]] = field(default_factory=set)
    validated: dict[tuple[str, str, str | None], tuple[datetime, bool]] = field(default_factory=dict)


def read_state(settings: Settings) -> WarehouseState:
    state = WarehouseState()
    if not settings.warehouse.exists():
        return state
    with duckdb.connect(str(settings.warehouse), read_only=True) as conn:
        tables = {
            r[0]
            for r in conn.execute("select schema_name || '.' || table_name from duckdb_tables()").fetchall()
        }
        if "ingest.files" in tables:
            for snapshot, regency, sha, loaded_at in conn.execute(
                "select snapshot_date::varchar, regency_code, sha256, loaded_at from ingest.files"
            ).fetchall():
                state.files[(snapshot, regency)] = (sha, loaded_at)
        if "ingest.file_errors" in tables:
            state.errors = {
                (r[0], r[1])
                for r in conn.execute(
                    "select snapshot_date::varchar, regency_code from ingest.file_errors"
                ).fetchall()
            }
        if "audit.validation_history" in tables:
            for suite, snapshot, regency, _, at, passed, _ in conn.execute(LATEST_VALIDATIONS).fetchall():
                key = (suite, snapshot.isoformat() if snapshot else None, regency)
                state.validated[key] = (at, bool(passed))
    return state


def _passed_since(state: WarehouseState, key: tuple[str, str, str | None], since: datetime) -> bool:
    validated = state.validated.get(key)
    return validated is not None and validated[1] and validated[0] >= since


def unchanged_files(inventory: Inventory, state: WarehouseState) -> set[str]:
    """Partition keys whose file needs no run."""
    unchanged = set()
    for extract in inventory.extracts:
        snapshot = extract.snapshot.isoformat()
        loaded = state.files.get((snapshot, extract.regency_code))
        if (
            loaded is not None
            and (snapshot, extract.regency_code) not in state.errors
            and _passed_since(state, ("ingested_file", snapshot, extract.regency_code), loaded[1])
            and sha256_of(extract.path) == loaded[0]
        ):
            unchanged.add(extract.partition_key)
    return unchanged


def snapshot_is_current(snapshot: str, inventory: Inventory, state: WarehouseState, changed: bool) -> bool:
    if changed or any(r.snapshot.isoformat() == snapshot for r in inventory.rejected):
        return False
    present = {e.regency_code for e in inventory.extracts if e.snapshot.isoformat() == snapshot}
    loaded = {regency: at for (snap, regency), (_, at) in state.files.items() if snap == snapshot}
    if set(loaded) != present or not loaded or any(s == snapshot for s, _ in state.errors):
        return False
    return _passed_since(state, ("snapshot", snapshot, None), max(loaded.values()))


def inputs_fingerprint(settings: Settings, state: WarehouseState) -> str:
    digest = hashlib.sha256()
    for root, patterns in _CODE_ROOTS:
        for pattern in patterns:
            for path in sorted(root.rglob(pattern)):
                if ".local_defs_state" not in path.parts and "__pycache__" not in path.parts:
                    digest.update(path.relative_to(REPO_ROOT).as_posix().encode())
                    digest.update(path.read_bytes())
    for path in _CODE_FILES:
        digest.update(path.read_bytes())
    inputs = {
        "files": sorted(f"{s}|{r}|{sha}" for (s, r), (sha, _) in state.files.items()),
        "errors": sorted(f"{s}|{r}" for s, r in state.errors),
        "dbt_vars": settings.dbt_vars(),
        "max_reject_rate": settings.max_reject_rate,
        "thresholds": {k: os.environ.get(k, "") for k in _THRESHOLDS},
    }
    digest.update(json.dumps(inputs, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def published_fingerprint(settings: Settings) -> str | None:
    manifest = Path(settings.publish_dir) / "manifest.json"
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    validation = data.get("validation") or {}
    return validation.get("inputs_fingerprint")


def reports_present(settings: Settings) -> bool:
    return (docs_dir(settings) / "index.html").is_file() and (
        data_docs_dir(settings.reports_dir) / "index.html"
    ).is_file()
