"""The dbt project as this deployment runs it: its manifest kept in step, its environment, its failures.

dagster-dbt needs target/manifest.json when the code location loads. Parsing costs seconds, so it is
done only when a file of the dbt project is newer than the manifest (a fresh clone, or an edit), and
under a file lock so parallel test workers or a UI reload do not parse into the same folder at once.
dbt runs as a process of its own (dagster-dbt's DbtCliResource); it finds this deployment's warehouse
and landing folder in its environment (`dbt_environment`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg

from pipelines.lib.locks import file_lock
from pipelines.lib.out_of_memory import advice, is_out_of_memory
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


def _command(*args: str, project_dir: Path = DBT_PROJECT_DIR) -> list[str]:
    # Nothing on the console: dbt's own account, tracebacks included, goes to dbt.log in its log path.
    return [
        dbt_executable(),
        "--log-level",
        "none",
        "--log-level-file",
        "debug",
        *args,
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
    ]


def run_dbt(
    settings: Settings, *args: str, log_dir: Path | None = None, project_dir: Path = DBT_PROJECT_DIR
) -> None:
    """One silent dbt command against this deployment's warehouse, on this project (or another one
    that uses its profile); dg.Failure in one line if it failed, as for the build (raise_on_failure)."""
    env = dbt_env(settings) | ({"DBT_LOG_PATH": str(log_dir)} if log_dir else {})
    started = time.time()
    done = subprocess.run(
        _command(*args, project_dir=project_dir), cwd=project_dir, env=env, stdout=subprocess.DEVNULL
    )
    if done.returncode == 0:
        return
    command = " ".join(a for a in args[:2] if not a.startswith("-"))
    results = _results(_target_dir(args, env, project_dir) / "run_results.json", since=started)
    log = (log_dir or project_dir / "logs") / "dbt.log"
    raise _failure(f"dbt {command}", results, log=log, memory_limit=settings.duckdb_memory_limit)


def _target_dir(args: tuple[str, ...], env: dict[str, str], project_dir: Path) -> Path:
    """Where the command writes its artifacts: --target-path, else DBT_TARGET_PATH, else target/."""
    given = args[args.index("--target-path") + 1] if "--target-path" in args[:-1] else None
    return project_dir / (given or env.get("DBT_TARGET_PATH") or "target")


def _results(path: Path, *, since: float) -> list[dict[str, Any]]:
    """The node results of run_results.json if the command wrote it (not an earlier command's)."""
    try:
        if path.stat().st_mtime < since:
            return []
        return json.loads(path.read_text(encoding="utf-8")).get("results", [])
    except (OSError, ValueError):
        return []


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


@contextmanager
def dbt_environment(settings: Settings, **extra: str) -> Iterator[None]:
    """dbt's process inherits this one's environment: point it at this deployment for one command."""
    given = {**settings.export_for_dbt(), **extra}
    saved = {k: os.environ.get(k) for k in given}
    os.environ.update(given)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


_FAILED = frozenset({"error", "fail", "runtime error"})


def raise_on_failure(invocation: Any) -> None:
    """dg.Failure naming the nodes that failed, in one line, if the dbt command failed: a DuckDB out of
    memory as the setting to change, anything else as `dbt build failed: <node> (<status>), ...`."""
    if invocation.is_successful():
        return
    try:
        results = invocation.get_artifact("run_results.json").get("results", [])
    except (OSError, ValueError):
        results = []
    raise _failure("dbt build", results, log=invocation.target_path / "dbt.log")


def _failure(
    what: str, results: list[dict[str, Any]], *, log: Path, memory_limit: str | None = None
) -> dg.Failure:
    failed = [r for r in results if str(r.get("status")) in _FAILED]
    starved = [r["unique_id"] for r in failed if is_out_of_memory(str(r.get("message") or ""))]
    if starved:
        # One cause for every node it failed: the line says what to change, not which models broke.
        return dg.Failure(description=advice(", ".join(starved), memory_limit))
    # Another process holding the warehouse fails every node alike; the one line that matters names it
    # (the headless run turns it into its "warehouse busy" status).
    locked = [m for m in (str(r.get("message") or "") for r in failed) if _LOCKED in m]
    if not locked and not failed:
        locked = [line for line in _tail(log) if _LOCKED in line]
    if locked:
        return dg.Failure(description=f"{what} could not open the warehouse: {_after(locked[0], 'IO Error')}")
    if not failed:
        return dg.Failure(description=f"{what} could not run: see {log}")
    listed = [f"{r['unique_id']} ({r['status']})" for r in failed]
    return dg.Failure(description=f"{what} failed: " + ", ".join(listed))


# DuckDB's words when another process holds the file.
_LOCKED = "Conflicting lock"


def _tail(log: Path, lines: int = 200) -> list[str]:
    try:
        return log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
    except OSError:
        return []


def _after(message: str, marker: str) -> str:
    first = next((line for line in message.splitlines() if _LOCKED in line), message)
    return first[first.index(marker) :].strip() if marker in first else first.strip()
