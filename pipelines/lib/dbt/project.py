"""Keeping dbt's manifest (which Dagster reads to know the models) in step with the dbt project.

dagster-dbt needs target/manifest.json when the code location loads. Parsing costs seconds, so it is
done only when a file of the dbt project is newer than the manifest (a fresh clone, or an edit), and
under a file lock so parallel test workers or a UI reload do not parse into the same folder at once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from pipelines.lib.locks import file_lock
from pipelines.lib.settings import DBT_PROJECT_DIR, Settings

MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"
_SOURCES = ("models", "macros", "seeds", "tests", "dbt_project.yml", "profiles.yml")


def project_files() -> list[Path]:
    """Every file dbt reads to parse the project, in a stable order."""
    files: list[Path] = []
    for name in _SOURCES:
        root = DBT_PROJECT_DIR / name
        paths = [root] if root.is_file() else sorted(root.rglob("*")) if root.is_dir() else []
        files += [p for p in paths if p.is_file()]
    return files


def _newest_source_mtime() -> float:
    return max((p.stat().st_mtime for p in project_files()), default=0.0)


def dbt_executable() -> str:
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def dbt_env(settings: Settings) -> dict[str, str]:
    return {**os.environ, **settings.export_for_dbt()}


def ensure_manifest(settings: Settings | None = None) -> Path:
    if MANIFEST.exists() and MANIFEST.stat().st_mtime >= _newest_source_mtime():
        return MANIFEST
    settings = settings or Settings.from_env()
    with file_lock(MANIFEST.parent / ".parse.lock"):
        if MANIFEST.exists() and MANIFEST.stat().st_mtime >= _newest_source_mtime():
            return MANIFEST  # another process parsed while we waited
        run_dbt(settings, "parse")
    return MANIFEST


def vars_args(settings: Settings) -> list[str]:
    """`--vars` for every dbt command of a deployment: dbt re-parses the project when they differ."""
    given = settings.dbt_vars()
    return ["--vars", json.dumps(given, sort_keys=True)] if given else []


def _command(*args: str) -> list[str]:
    return [
        dbt_executable(),
        "--quiet",
        *args,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
    ]


def run_dbt(settings: Settings, *args: str, log_dir: Path | None = None) -> None:
    """One quiet dbt command on this project, against this deployment's warehouse."""
    env = dbt_env(settings) | ({"DBT_LOG_PATH": str(log_dir)} if log_dir else {})
    subprocess.run(_command(*args), check=True, cwd=DBT_PROJECT_DIR, env=env)


def start_parse(settings: Settings) -> subprocess.Popen | None:
    """Parse the project for this warehouse's profile in the background, unless that was done before.

    A first `dbt build` against a new warehouse path parses the whole project (~3.5 s: the profile,
    which names the warehouse, is part of dbt's partial-parsing key). `dbt parse` opens no database, so
    it can run while ingestion writes; the build then finds partial_parse.msgpack in the warehouse's
    dbt target folder and only checks file hashes. The caller waits for the process before the build.
    A failed parse is harmless: the build parses again and reports the error itself.
    """
    target = settings.dbt_target_dir
    if (target / "partial_parse.msgpack").exists():
        return None
    target.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        _command("parse", *vars_args(settings), "--target-path", str(target)),
        cwd=DBT_PROJECT_DIR,
        env={**dbt_env(settings), "DBT_LOG_PATH": str(target)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@contextmanager
def parsing_in_background(settings: Settings, *, enabled: bool = True) -> Iterator[Callable[[], None]]:
    """start_parse for the duration of a block; yields a function that waits for the parse to end."""
    process = start_parse(settings) if enabled else None

    def wait() -> None:
        if process is not None:
            process.wait()

    try:
        yield wait
    finally:
        if process is not None and process.poll() is None:
            # Let it finish rather than leave a half-written partial_parse.msgpack behind.
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
