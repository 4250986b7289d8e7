"""Pipeline runs for the incremental and crash tests: small snapshots, what each build rebuilt, a fresh
deployment over the same raw directory to compare the numbers with."""

from __future__ import annotations

import os

import duckdb
import pytest

from pipelines.lib.publish.marts import PUBLISHED_MARTS
from pipelines.lib.runs.headless import run_pipeline
from pipelines.lib.settings import REPO_ROOT, Settings
from tests.support.dagster import dagster_home, dagster_instance
from tests.support.extracts import people, write_csv
from tests.support.judging import query

S1, S2 = "2026-03-31", "2026-09-30"
REGENCIES = ["6501", "6502", "6503", "6504", "6571"]


def write_snapshot(raw, snapshot, n=6):
    for i, code in enumerate(REGENCIES):
        write_csv(raw / snapshot / f"{code}_extract.csv", people(code, n, start_serial=100 * i + 1))


def process_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment of a `python -m pipelines run` subprocess on `settings`' deployment."""
    return {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "KTP_RAW_DIR": str(settings.raw_dir),
        "KTP_WAREHOUSE": str(settings.warehouse),
        "KTP_PUBLISH_DIR": str(settings.publish_dir),
        "KTP_REPORTS_DIR": str(settings.reports_dir),
        "DAGSTER_HOME": str(dagster_home(settings.warehouse.parent.parent)),
        **extra,
    }


def run(settings, publish=True):
    with dagster_instance() as instance:
        return run_pipeline(settings, instance, publish=publish)


def judged_times(settings):
    return dict(
        (f"{s}|{r}", t)
        for s, r, t in query(
            settings,
            "select snapshot_date::varchar, regency_code, min(judged_at) "
            "from ingest.judged_rows group by all",
        )
    )


def partitions_built(settings):
    rows = query(
        settings,
        "select model, snapshot_date::varchar, coalesce(regency_code, ''), built_at "
        "from audit.dbt_partitions",
    )
    return {(m, s, r): t for m, s, r, t in rows}


def mart_rows(settings):
    with duckdb.connect(str(settings.warehouse), read_only=True) as conn:
        return {
            m: sorted(conn.execute(f"select * from marts.{m}").fetchall(), key=repr) for m in PUBLISHED_MARTS
        }


def fresh_deployment(tmp_path, raw, name="fresh") -> Settings:
    """Another deployment over the same raw directory, built from nothing: what the numbers must be."""
    settings = Settings.from_env(
        {
            "KTP_RAW_DIR": str(raw),
            "KTP_WAREHOUSE": str(tmp_path / name / "ktp.duckdb"),
            "KTP_PUBLISH_DIR": str(tmp_path / name / "published"),
            "KTP_REPORTS_DIR": str(tmp_path / name / "reports"),
        }
    )
    return settings


@pytest.fixture
def fresh_env(monkeypatch):
    """Run a second deployment in-process: the Dagster resources read the KTP_* variables."""

    def use(settings: Settings) -> None:
        monkeypatch.setenv("KTP_RAW_DIR", str(settings.raw_dir))
        monkeypatch.setenv("KTP_WAREHOUSE", str(settings.warehouse))
        monkeypatch.setenv("KTP_PUBLISH_DIR", str(settings.publish_dir))
        monkeypatch.setenv("KTP_REPORTS_DIR", str(settings.reports_dir))

    return use
