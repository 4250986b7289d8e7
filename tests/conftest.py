"""Shared fixtures: every test gets its own raw dir, warehouse, publication and reports."""

from __future__ import annotations

import pytest

from pipelines.lib.settings import Settings
from tests.support.dagster import dagster_home


@pytest.fixture
def ktp_env(tmp_path, monkeypatch) -> Settings:
    """Point every KTP_* path at tmp_path, as a data engineer would for another deployment."""
    monkeypatch.setenv("KTP_RAW_DIR", str(tmp_path / "raw"))
    monkeypatch.setenv("KTP_WAREHOUSE", str(tmp_path / "warehouse" / "ktp.duckdb"))
    monkeypatch.setenv("KTP_PUBLISH_DIR", str(tmp_path / "published"))
    monkeypatch.setenv("KTP_REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv("DAGSTER_HOME", str(dagster_home(tmp_path)))
    (tmp_path / "raw").mkdir()
    return Settings.from_env()


# The modules that take longest, longest first. `make test` hands whole modules to two workers in
# collection order (--dist loadfile), so a long module collected last would run on alone at the end;
# started first, it overlaps the many short ones (longest-processing-time-first scheduling).
_LONGEST_FIRST = (
    "test_spark_engine.py",
    "test_ingest_files.py",
    "test_crash_recovery.py",
    "test_pipeline_end_to_end.py",
    "test_incremental.py",
    "test_run_lock.py",
    "test_dbt_marts.py",
)


# The modules that run the whole pipeline, or several of its processes, or many dbt builds: `make test`
# runs them; `pytest -m "not slow"` leaves them out, the fast tier a developer runs after each change.
SLOW = frozenset(
    {
        "test_crash_recovery.py",
        "test_dbt_marts.py",
        "test_file_names.py",
        "test_incremental.py",
        "test_ingest_files.py",
        "test_one_path.py",
        "test_out_of_memory.py",
        "test_pipeline_end_to_end.py",
        "test_run_lock.py",
        "test_spark_engine.py",
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.name in SLOW:
            item.add_marker(pytest.mark.slow)

    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return _LONGEST_FIRST.index(name) if name in _LONGEST_FIRST else len(_LONGEST_FIRST)

    items.sort(key=rank)  # stable: the order within a module, and among the rest, is pytest's own
