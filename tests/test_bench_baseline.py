"""The benchmark's plain-DuckDB baseline computes exactly what the pipeline computes, on the shipped sample.

The pipeline side is its own landing (what the Dagster asset calls) and its dbt models, which judge,
deduplicate and build the marts; the Dagster, GX and publication layers do not change a figure, so they
are left to the end-to-end tests and the benchmark itself.
"""

from __future__ import annotations

import shutil

import duckdb
import pytest

from bench.baseline import run as run_baseline
from bench.compare import MARTS, compare_marts, mismatches
from bench.run import _link_raw, change_one_file
from pipelines.lib.ingest.discovery import scan
from pipelines.lib.ingest.landing import land_all
from pipelines.lib.settings import REPO_ROOT, Settings
from tests.support.marts import run_dbt

SAMPLE = REPO_ROOT / "data" / "raw"


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory):
    base = tmp_path_factory.mktemp("bench_baseline")
    raw = base / "raw"
    shutil.copytree(SAMPLE, raw, ignore=shutil.ignore_patterns("_scale*"))
    pipeline_db = base / "pipeline.duckdb"
    inventory = scan(raw)
    assert len(inventory.extracts) == 10 and not inventory.rejected
    landed, _ = land_all(base / "pipeline.landing", inventory)
    assert {r.status for r in landed} == {"landed"}
    result = run_dbt(["build", "--resource-type", "seed", "--resource-type", "model"], pipeline_db, base)
    assert result.returncode == 0, result.stdout[-3000:]
    baseline_db = base / "baseline.duckdb"
    run_baseline(raw, baseline_db, settings=Settings.from_env({"KTP_WAREHOUSE": str(base / "unused.duckdb")}))
    return {"pipeline": pipeline_db, "baseline": baseline_db, "base": base, "raw": raw}


def test_every_mart_is_identical_row_for_row(warehouses):
    diffs = compare_marts(warehouses["pipeline"], warehouses["baseline"])
    assert [d.mart for d in diffs] == list(MARTS)
    assert [d.describe() for d in diffs if not d.equal] == []
    # Non-trivial: both snapshots, every area level and every kind of mart has rows.
    rows = {d.mart: d.rows_left for d in diffs}
    assert rows["coverage_village"] == 2 * 482
    assert rows["outreach_priority"] > 100 and rows["pemula_outlook"] > 50
    assert rows["reject_reasons"] == 2 * 5 * 8 and rows["quality_flags"] == 2 * 5 * 3


def test_ingested_rows_rejects_and_dedup_are_identical(warehouses):
    conn = duckdb.connect()
    try:
        # As its file name: the pipeline's ingest views name their catalog.
        conn.execute(f"attach '{warehouses['pipeline']}' as pipeline (read_only)")
        conn.execute(f"attach '{warehouses['baseline']}' as b (read_only)")

        def both_ways(query: str) -> tuple[int, int]:
            left = query.format(db="pipeline")
            right = query.format(db="b")
            return (
                conn.execute(f"select count(*) from ({left} except all {right})").fetchone()[0],
                conn.execute(f"select count(*) from ({right} except all {left})").fetchone()[0],
            )

        # Every column of every kept row, row numbers and the superseded flag of the NIK dedup included.
        assert both_ways("select * from {db}.ingest.persons") == (0, 0)
        assert (
            conn.execute("select count(*) filter (where superseded) from b.ingest.persons").fetchone()[0] > 0
        )
        assert both_ways(
            "select snapshot_date, regency_code, source_file, row_number, reason from {db}.ingest.quarantine"
        ) == (0, 0)
        reasons = conn.execute("select count(distinct reason) from b.ingest.quarantine").fetchone()[0]
        assert reasons == 8  # the sample plants every reject reason
        assert both_ways(
            "select snapshot_date, regency_code, source_file, file_format, encoding, delimiter, sha256, "
            "size_bytes, columns_found, rows_read, rows_loaded, rows_rejected, duplicates_superseded "
            "from {db}.ingest.files"
        ) == (0, 0)
        encodings = {r[0] for r in conn.execute("select encoding from b.ingest.files").fetchall()}
        assert encodings == {"cp1252", "utf-8", "utf-8-sig", None}
    finally:
        conn.close()


def test_comparison_fails_on_a_single_changed_figure(warehouses, tmp_path):
    altered = tmp_path / "altered.duckdb"
    shutil.copy(warehouses["baseline"], altered)
    conn = duckdb.connect(str(altered))
    try:
        conn.execute(
            "update marts.coverage_village set sudah_rekam = sudah_rekam + 1 "
            "where area_code = (select min(area_code) from marts.coverage_village where wajib_ktp > 0)"
        )
    finally:
        conn.close()
    found = mismatches(warehouses["pipeline"], altered)
    assert len(found) == 1 and found[0].startswith("coverage_village:")
    assert "2 only in the pipeline's, 2 only in the baseline's" in found[0]  # both snapshots


def test_changing_one_file_leaves_the_cached_extracts_untouched(tmp_path):
    cache = tmp_path / "cache"
    shutil.copytree(SAMPLE, cache, ignore=shutil.ignore_patterns("_scale*"))
    before = {p: p.read_bytes() for p in cache.rglob("*") if p.is_file()}
    raw = tmp_path / "raw"
    raw.mkdir()
    _link_raw(cache, raw)
    changed = change_one_file(raw, "6502", rows=3)
    assert changed.parent.name == "2026-09-30"
    assert {p: p.read_bytes() for p in cache.rglob("*") if p.is_file()} == before
    original = (cache / "2026-09-30" / changed.name).read_bytes()
    new = changed.read_bytes()
    assert new != original and len(new) == len(original)
    assert new.count(b"SUDAH_REKAM") == original.count(b"SUDAH_REKAM") + 3
