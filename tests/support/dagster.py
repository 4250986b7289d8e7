"""The Dagster instance of a test that runs the pipeline in-process: in memory, one per call, so
parallel test workers share no SQLite files (the one-path test uses a persistent one of its own)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg


@contextmanager
def dagster_instance() -> Iterator[dg.DagsterInstance]:
    with dg.DagsterInstance.ephemeral() as instance:
        yield instance
