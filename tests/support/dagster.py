"""The Dagster instance of a test that runs the pipeline in-process: in memory, one per call, so
parallel test workers share no SQLite files (the one-path test uses a persistent one of its own)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from pipelines.lib.settings import REPO_ROOT


@contextmanager
def dagster_instance() -> Iterator[dg.DagsterInstance]:
    with dg.DagsterInstance.ephemeral() as instance:
        yield instance


def dagster_home(root: Path) -> Path:
    """A Dagster instance folder of a test's own (the repository's dagster.yaml), for `python -m pipelines
    run` subprocesses: they would otherwise record into the repository's .dagster/, which parallel test
    workers would share."""
    home = root / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copy(REPO_ROOT / "dagster.yaml", home / "dagster.yaml")
    return home
