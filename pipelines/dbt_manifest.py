"""Keeping dbt's manifest (which Dagster reads to know the models) in step with the dbt project.

dagster-dbt needs target/manifest.json when the code location loads. Parsing costs seconds, so it is
done only when a file of the dbt project is newer than the manifest (a fresh clone, or an edit), and
under a file lock so parallel test workers or a UI reload do not parse into the same folder at once.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

from pipelines.settings import DBT_PROJECT_DIR, Settings

MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"
_SOURCES = ("models", "macros", "seeds", "tests", "dbt_project.yml", "profiles.yml")


def _newest_source_mtime() -> float:
    newest = 0.0
    for name in _SOURCES:
        root = DBT_PROJECT_DIR / name
        paths = [root] if root.is_file() else root.rglob("*") if root.is_dir() else []
        for p in paths:
            if p.is_file():
                newest = max(newest, p.stat().st_mtime)
    return newest


def dbt_executable() -> str:
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def dbt_env(settings: Settings) -> dict[str, str]:
    return {**os.environ, **settings.export_for_dbt()}


def ensure_manifest(settings: Settings | None = None) -> Path:
    if MANIFEST.exists() and MANIFEST.stat().st_mtime >= _newest_source_mtime():
        return MANIFEST
    settings = settings or Settings.from_env()
    MANIFEST.parent.mkdir(parents=True, exist_ok=True)
    with open(MANIFEST.parent / ".parse.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if MANIFEST.exists() and MANIFEST.stat().st_mtime >= _newest_source_mtime():
            return MANIFEST  # another process parsed while we waited
        run_dbt(settings, "parse")
    return MANIFEST


def run_dbt(settings: Settings, *args: str) -> None:
    """One quiet dbt command on this project, against this deployment's warehouse."""
    subprocess.run(
        [
            dbt_executable(),
            "--quiet",
            *args,
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
        ],  # fmt: skip
        check=True,
        cwd=DBT_PROJECT_DIR,
        env=dbt_env(settings),
    )
