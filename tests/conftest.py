"""Shared fixtures: every test gets its own raw dir, warehouse, publication and reports."""

from __future__ import annotations

import pytest

from pipelines.settings import Settings


@pytest.fixture
def ktp_env(tmp_path, monkeypatch) -> Settings:
    """Point every KTP_* path at tmp_path, as a data engineer would for another deployment."""
    monkeypatch.setenv("KTP_RAW_DIR", str(tmp_path / "raw"))
    monkeypatch.setenv("KTP_WAREHOUSE", str(tmp_path / "warehouse" / "ktp.duckdb"))
    monkeypatch.setenv("KTP_PUBLISH_DIR", str(tmp_path / "published"))
    monkeypatch.setenv("KTP_REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    (tmp_path / "raw").mkdir()
    return Settings.from_env()
