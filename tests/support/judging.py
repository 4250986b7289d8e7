"""Judging extracts for tests: real landing, the real dbt models and checks, in a deployment of its own.

Landing and judging many small files costs one dbt build, so test modules write all their cases as
separate (snapshot, regency) files into one raw directory and judge them together.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from pipelines.lib.runs.headless import run_pipeline
from pipelines.lib.runs.outcome import RunOutcome
from pipelines.lib.settings import DBT_PROJECT_DIR, Settings
from tests.support.dagster import dagster_instance


@contextmanager
def deployment(root: Path) -> Iterator[Settings]:
    """Every KTP_* path under `root`, for a module-scoped fixture (ktp_env is per test)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KTP_RAW_DIR", str(root / "raw"))
        mp.setenv("KTP_WAREHOUSE", str(root / "warehouse" / "ktp.duckdb"))
        mp.setenv("KTP_PUBLISH_DIR", str(root / "published"))
        mp.setenv("KTP_REPORTS_DIR", str(root / "reports"))
        mp.delenv("DAGSTER_HOME", raising=False)
        (root / "raw").mkdir(parents=True, exist_ok=True)
        yield Settings.from_env()


def judge(settings: Settings) -> RunOutcome:
    """Land every file of the raw directory and build the ingest layer (no marts, no publication)."""
    with dagster_instance() as instance:
        return run_pipeline(settings, instance, publish=False)


def query(settings: Settings, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as conn:
        return conn.execute(sql, params or []).fetchall()


def dbt_show(sql: str, warehouse: Path, tmp: Path) -> list[dict]:
    """The rows of `sql`, compiled with the project's macros and run on the warehouse by `dbt show`."""
    dbt = Path(sys.executable).with_name("dbt")
    cmd = [str(dbt), "--quiet", "show", "--inline", sql, "--output", "json", "--limit", "-1"]
    cmd += ["--profiles-dir", str(DBT_PROJECT_DIR), "--project-dir", str(DBT_PROJECT_DIR)]
    cmd += ["--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs")]
    env = {**os.environ, "KTP_WAREHOUSE": str(warehouse), "KTP_LANDING_DIR": str(tmp / "landing")}
    result = subprocess.run(cmd, cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    return json.loads(result.stdout)["show"]
