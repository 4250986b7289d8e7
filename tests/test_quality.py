"""The quality gate's suites on a small generated warehouse: each passes on good data and each rule
fails on the defect it exists for. Real DuckDB files, real GX validations; nothing mocked."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import sys

import duckdb
import pytest

from pipelines.lib.quality import gx_duckdb
from pipelines.lib.quality.parameters import suite_parameters
from pipelines.lib.quality.runner import run_suite
from pipelines.lib.quality.sql_params import placeholders, render
from pipelines.lib.quality.suites import (
    SuiteFileError,
    available_suites,
    expectation_configs,
    load_suite_spec,
    render_batch_query,
)
from tests.support.extracts import people, write_csv
from tests.support.ingest import build_with_dbt, create_ingest_tables, ingest_schema
from tests.support.quality import PREVIOUS, SNAPSHOT, Paths, build_warehouse, execute, query

MART_KEY_RULES = [
    ("coverage_age_cohort", "age_cohort_one_row_per_key"),
    ("pemula_outlook", "pemula_outlook_one_row_per_key"),
    ("coverage_trend", "coverage_trend_one_row_per_key"),
    ("ingest_summary", "ingest_summary_one_row_per_key"),
    ("reject_reasons", "reject_reasons_one_row_per_key"),
    ("quality_flags", "quality_flags_one_row_per_key"),
]


@pytest.fixture(scope="module")
def good_warehouse(tmp_path_factory):
    return build_warehouse(tmp_path_factory.mktemp("template")).warehouse


@pytest.fixture
def wh(good_warehouse, tmp_path, monkeypatch):
    """A fresh copy of the good warehouse per test (building it takes a second, copying it doesn't)."""
    for var in ("KTP_MAX_REJECT_RATE", "KTP_OUTLIER_Z", "KTP_POPULATION_TOLERANCE"):
        monkeypatch.delenv(var, raising=False)
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(good_warehouse, warehouse)
    return Paths(warehouse=warehouse, reports_dir=tmp_path / "reports")


def run(wh, suite, **kwargs):
    scope = {
        "ingested_file": {"snapshot_date": SNAPSHOT, "regency_code": "65.03"},
        "snapshot": {"snapshot_date": SNAPSHOT},
        "marts": {},
        "warnings": {"snapshot_date": SNAPSHOT},
    }[suite]
    kwargs = {**scope, **kwargs}
    kwargs.setdefault("run_id", "run-test")
    return run_suite(wh, suite, asset=f"test/{suite}", **kwargs)


def failed_rules(outcome):
    return sorted(e.rule for e in outcome.expectations if not e.success)


# ---------------------------------------------------------------- every suite on good data


@pytest.mark.parametrize("suite", ["ingested_file", "snapshot", "marts", "warnings"])
def test_suite_passes_on_good_data(wh, suite):
    outcome = run(wh, suite)
    assert outcome.success, outcome.summary()
    assert failed_rules(outcome) == []
    assert all(e.error is None for e in outcome.expectations)
    assert len(outcome.expectations) == len(load_suite_spec(suite).expectations)


# ---------------------------------------------------------------- ingested_file


def test_six_percent_rejects_fail_the_file(wh):
    execute(wh, "update ingest.files set rows_rejected = 60 where regency_code = '65.03'")
    outcome = run(wh, "ingested_file")
    assert not outcome.success
    assert failed_rules(outcome) == ["reject_rate_within_limit"]
    assert outcome.outcome("reject_rate_within_limit").observed_value["unexpected_count"] == 1


def test_five_percent_rejects_pass_the_file(wh):
    execute(wh, "update ingest.files set rows_rejected = 50 where regency_code = '65.03'")
    assert run(wh, "ingested_file").success


def test_reject_limit_comes_from_the_environment(wh, monkeypatch):
    execute(wh, "update ingest.files set rows_rejected = 60 where regency_code = '65.03'")
    monkeypatch.setenv("KTP_MAX_REJECT_RATE", "0.07")
    assert run(wh, "ingested_file").success


def test_missing_required_column_fails_the_file(wh):
    execute(
        wh,
        "update ingest.files set columns_found = list_filter(columns_found, c -> upper(trim(c)) <> 'TGL_LHR')"
        " where regency_code = '65.03'",
    )
    outcome = run(wh, "ingested_file")
    assert failed_rules(outcome) == ["required_columns_present"]
    assert outcome.outcome("required_columns_present").observed_value == 1


def test_missing_optional_column_passes_the_file(wh):
    execute(
        wh,
        "update ingest.files set columns_found = list_filter(columns_found, c -> upper(trim(c)) <> 'KWRNGRN')"
        " where regency_code = '65.03'",
    )
    assert run(wh, "ingested_file").success


def test_file_not_loaded_fails(wh):
    execute(wh, "delete from ingest.files where regency_code = '65.03' and snapshot_date = ?", SNAPSHOT)
    outcome = run(wh, "ingested_file")
    assert "file_loaded" in failed_rules(outcome)
    assert not outcome.success


# ---------------------------------------------------------------- snapshot


def test_missing_regency_fails_the_snapshot(wh):
    execute(wh, "delete from ingest.files where regency_code = '65.04' and snapshot_date = ?", SNAPSHOT)
    outcome = run(wh, "snapshot")
    assert failed_rules(outcome) == ["all_regencies_present"]
    assert "65.04" in json.dumps(outcome.outcome("all_regencies_present").observed_value)


def test_missing_regency_in_another_snapshot_does_not_matter(wh):
    execute(wh, "delete from ingest.files where regency_code = '65.04' and snapshot_date = ?", PREVIOUS)
    assert run(wh, "snapshot").success


def _duplicate_a_nik(wh, superseded: bool) -> str:
    """Another regency's file lists a person of the snapshot again; `superseded`: the deduplication
    found that second row to lose the NIK (ingest.persons then shows it with superseded = true)."""
    nik, row_number = query(
        wh,
        f"select nik, row_number from ingest.persons where snapshot_date = DATE '{SNAPSHOT}' limit 1",
    )[0]
    execute(
        wh,
        "insert into ingest.judged_rows select * replace (row_number + 100 as row_number,"
        " '65.71' as regency_code) from ingest.judged_rows where nik = ? and snapshot_date = ?",
        nik,
        SNAPSHOT,
    )
    if superseded:
        execute(wh, "insert into ingest.nik_duplicates values (?, '65.71', ?)", SNAPSHOT, row_number + 100)
    return nik


def test_duplicated_nik_fails_the_snapshot_without_writing_the_nik(wh):
    nik = _duplicate_a_nik(wh, superseded=False)
    outcome = run(wh, "snapshot")
    assert failed_rules(outcome) == ["one_person_per_nik"]
    assert outcome.outcome("one_person_per_nik").observed_value == 2
    # The offending rows are located by file and row number; no report may carry the identifier.
    written = [
        p.read_text() for p in wh.reports_dir.rglob("*") if p.is_file() and p.suffix in {".json", ".html"}
    ]
    assert written and not any(nik in text for text in written)
    history = query(wh, "select observed_value from audit.validation_history")
    assert not any(nik in (row[0] or "") for row in history)


def test_superseded_duplicate_passes_the_snapshot(wh):
    _duplicate_a_nik(wh, superseded=True)
    assert run(wh, "snapshot").success


# ---------------------------------------------------------------- marts


def _first_area(wh, level: str) -> str:
    return query(
        wh, f"select min(area_code) from marts.coverage_{level} where snapshot_date = DATE '{SNAPSHOT}'"
    )[0][0]


def _update_area(wh, level: str, assignment: str) -> None:
    execute(
        wh,
        f"update marts.coverage_{level} set {assignment} where area_code = ? and snapshot_date = ?",
        _first_area(wh, level),
        SNAPSHOT,
    )


def test_coverage_over_100_fails(wh):
    _update_area(wh, "village", "coverage_pct = 100.01")
    outcome = run(wh, "marts")
    assert failed_rules(outcome) == ["coverage_pct_in_range"]
    assert outcome.outcome("coverage_pct_in_range").observed_value["partial_unexpected_list"] == [100.01]


def test_negative_coverage_fails(wh):
    _update_area(wh, "regency", "coverage_pct = -0.5")
    assert failed_rules(run(wh, "marts")) == ["coverage_pct_in_range"]


def test_pemula_coverage_over_100_fails(wh):
    _update_area(wh, "district", "pemula_coverage_pct = 100.5")
    assert failed_rules(run(wh, "marts")) == ["pemula_coverage_pct_in_range"]


def test_rekam_above_wajib_fails(wh):
    # Raising wajib_ktp lower down would also break the sums; here only the row itself is wrong.
    _update_area(wh, "province", "sudah_rekam = wajib_ktp + 1, sudah_cetak = 0")
    assert "rekam_within_wajib" in failed_rules(run(wh, "marts"))


def test_cetak_above_rekam_fails(wh):
    _update_area(wh, "village", "sudah_cetak = sudah_rekam + 1")
    outcome = run(wh, "marts")
    assert "cetak_within_rekam" in failed_rules(outcome)
    assert "rekam_within_wajib" not in failed_rules(outcome)


def test_village_sum_off_by_one_fails(wh):
    _update_area(wh, "village", "wajib_ktp = wajib_ktp + 1, belum_rekam = belum_rekam + 1")
    outcome = run(wh, "marts")
    assert failed_rules(outcome) == ["villages_sum_to_district"]
    assert outcome.outcome("villages_sum_to_district").observed_value == 2  # wajib_ktp and belum_rekam


def test_district_sum_off_by_one_fails(wh):
    _update_area(wh, "district", "pemula_rekam = pemula_rekam - 1")
    assert failed_rules(run(wh, "marts")) == ["districts_sum_to_regency", "villages_sum_to_district"]


def test_regency_sum_off_by_one_fails(wh):
    _update_area(wh, "province", "population = population + 1")
    assert failed_rules(run(wh, "marts")) == ["regencies_sum_to_province"]


def test_village_without_its_district_fails(wh):
    execute(wh, "delete from marts.coverage_district where area_code = ? and snapshot_date = ?",
            _first_area(wh, "district"), SNAPSHOT)  # fmt: skip
    assert "villages_sum_to_district" in failed_rules(run(wh, "marts"))


def test_duplicate_coverage_row_fails(wh):
    execute(wh, "insert into marts.coverage_village select * from marts.coverage_village limit 1")
    assert "coverage_one_row_per_area" in failed_rules(run(wh, "marts"))


@pytest.mark.parametrize(("table", "rule"), MART_KEY_RULES)
def test_duplicate_key_in_mart_fails(wh, table, rule):
    execute(wh, f"insert into marts.{table} select * from marts.{table} limit 1")
    assert rule in failed_rules(run(wh, "marts"))


def test_duplicate_village_in_outreach_priority_fails(wh):
    execute(
        wh,
        "insert into marts.outreach_priority select * replace (priority_rank + 1000 as priority_rank)"
        " from marts.outreach_priority limit 1",
    )
    assert failed_rules(run(wh, "marts")) == ["outreach_priority_one_row_per_village"]


def test_cohort_sum_off_by_one_fails(wh):
    execute(
        wh,
        "update marts.coverage_age_cohort set sudah_rekam = sudah_rekam + 1"
        " where regency_code = '65.02' and age_cohort = '25+' and sex = 'P' and snapshot_date = ?",
        SNAPSHOT,
    )
    assert failed_rules(run(wh, "marts")) == ["cohorts_sum_to_regency"]


def test_marts_scoped_to_a_snapshot_ignore_other_snapshots(wh):
    execute(wh, "update marts.coverage_village set coverage_pct = 101 where snapshot_date = ?", PREVIOUS)
    assert run(wh, "marts", snapshot_date=SNAPSHOT).success
    assert failed_rules(run(wh, "marts")) == ["coverage_pct_in_range"]


def test_missing_mart_is_a_failure_with_its_error(wh):
    execute(wh, "drop table marts.pemula_outlook")
    outcome = run(wh, "marts")
    assert not outcome.success
    problem = outcome.outcome("pemula_outlook_one_row_per_key")
    assert not problem.success and "pemula_outlook" in problem.error


# ---------------------------------------------------------------- warnings


def _move_district(wh, assignment: str) -> None:
    _update_area(wh, "district", assignment)


def test_wajib_ktp_jump_is_a_warning_not_a_failure(wh):
    _move_district(wh, "wajib_ktp = wajib_ktp * 3 // 2")
    outcome = run(wh, "warnings")
    assert outcome.success  # warnings never block
    assert [w.rule for w in outcome.warnings] == ["district_wajib_ktp_change_outlier"]
    assert outcome.outcome("district_wajib_ktp_change_outlier").severity == "warning"


def test_coverage_jump_is_a_warning(wh):
    _move_district(wh, "coverage_pct = coverage_pct + 12")
    assert [w.rule for w in run(wh, "warnings").warnings] == ["district_coverage_change_outlier"]


def test_outlier_threshold_is_configurable(wh, monkeypatch):
    _move_district(wh, "coverage_pct = coverage_pct + 12")
    monkeypatch.setenv("KTP_OUTLIER_Z", "1000")
    assert run(wh, "warnings").warnings == []


def test_no_previous_snapshot_means_no_outliers(wh):
    assert run(wh, "warnings", snapshot_date=PREVIOUS).warnings == []


def test_population_far_from_dukcapil_is_a_warning(wh):
    _update_area(wh, "regency", "population = population * 12 // 10")
    outcome = run(wh, "warnings")
    assert [w.rule for w in outcome.warnings] == ["population_near_dukcapil"]
    assert outcome.success
    loosened = run(wh, "warnings", parameters={"population_tolerance": 0.25})
    assert loosened.warnings == []


# ---------------------------------------------------------------- side effects


def test_history_rows_are_appended_per_expectation(wh):
    execute(wh, "update ingest.files set rows_rejected = 60 where regency_code = '65.03'")
    first = run(wh, "ingested_file", run_id="run-a")
    run(wh, "ingested_file", run_id="run-b")
    rows = query(
        wh,
        "select run_id, suite, asset, snapshot_date, regency_code, expectation, severity, success,"
        " observed_value, duration_s from audit.validation_history order by run_id, expectation",
    )
    assert len(rows) == 2 * len(first.expectations)
    by_rule = {r[5]: r for r in rows if r[0] == "run-a"}
    failed = by_rule["reject_rate_within_limit"]
    assert failed[1:5] == ("ingested_file", "test/ingested_file", SNAPSHOT, "65.03")
    assert failed[5:8] == ("reject_rate_within_limit", "blocking", False)
    assert json.loads(failed[8])["unexpected_count"] == 1
    assert by_rule["file_loaded"][7] is True
    assert all(r[9] > 0 for r in rows)


def test_data_docs_index_lists_every_run_offline(wh):
    first = run(wh, "snapshot", run_id="run-alpha")
    second = run(wh, "marts", run_id="run-beta")
    index = first.docs_index
    assert index == wh.reports_dir / "data_docs" / "index.html" and index.is_file()
    html = index.read_text()
    # Rendered into the HTML itself, not left for CDN JavaScript to draw.
    cells = re.findall(r"<td>(.*?)</td>", html, flags=re.S)
    assert any("run-alpha" in c for c in cells) and any("run-beta" in c for c in cells)
    assert not re.search(r"<script[^>]+src=\"https?://", html)
    # The status is words, not a CDN icon: an auditor offline sees which runs failed.
    statuses = re.findall(r"<td><strong>(Success|Failed)</strong></td>", html)
    assert len(statuses) == 2
    for outcome in (first, second):
        assert outcome.docs_page.is_file()
        assert outcome.docs_page.relative_to(wh.reports_dir / "data_docs").as_posix() in html
    # Every result is kept, not only the latest.
    assert len(list((wh.reports_dir / "gx" / "validations").rglob("*.json"))) == 2


def test_warehouse_is_writable_by_another_process_right_after(wh):
    run(wh, "snapshot")
    code = "import duckdb, sys; duckdb.connect(sys.argv[1]).execute('create table t (x int)')"
    writer = subprocess.run(
        [sys.executable, "-c", code, str(wh.warehouse)], capture_output=True, text=True, timeout=60
    )
    assert writer.returncode == 0, writer.stderr


# ---------------------------------------------------------------- arguments, files, the GX fix


def test_scope_is_required_and_checked(wh):
    with pytest.raises(ValueError, match="regency_code"):
        run_suite(wh, "ingested_file", asset="a", snapshot_date=SNAPSHOT, run_id="r")
    with pytest.raises(ValueError, match="dotted"):
        run_suite(wh, "ingested_file", asset="a", snapshot_date=SNAPSHOT, regency_code="6501", run_id="r")
    outcome = run_suite(wh, "snapshot", asset="a", snapshot_date=SNAPSHOT.isoformat(), run_id="r")
    assert outcome.snapshot_date == SNAPSHOT


def test_missing_warehouse_is_an_error(wh, tmp_path):
    missing = type(wh)(warehouse=tmp_path / "nope.duckdb", reports_dir=wh.reports_dir)
    with pytest.raises(FileNotFoundError):
        run(missing, "marts")
    assert not (tmp_path / "nope.duckdb").exists()


@pytest.mark.parametrize("suite", ["ingested_file", "snapshot", "marts", "warnings"])
def test_suite_files_load_and_every_sql_parameter_has_a_value(suite):
    spec = load_suite_spec(suite)
    values = {**suite_parameters(), "snapshot_date": SNAPSHOT, "regency_code": "65.01"}
    batch = render_batch_query(spec, values)
    assert batch.lower().startswith("select") and not placeholders(batch)
    for config in expectation_configs(spec, values):
        assert not placeholders(config["kwargs"].get("unexpected_rows_query", ""))
    assert suite in available_suites()


def test_broken_suite_file_is_rejected(tmp_path):
    doc = json.loads(load_suite_spec("snapshot").path.read_text())
    doc["expectations"][1]["meta"]["rule"] = doc["expectations"][0]["meta"]["rule"]
    doc["expectations"][1]["severity"] = "fatal"
    (tmp_path / "snapshot.json").write_text(json.dumps(doc))
    with pytest.raises(SuiteFileError, match="repeated.*severity"):
        load_suite_spec("snapshot", tmp_path)


def test_sql_parameters_are_literals_and_casts_are_left_alone():
    sql = "select :a::date, ':b', x::varchar from t where y = :c and z in :d and n = :e"
    rendered = render(sql, {"a": dt.date(2025, 6, 30), "c": "o'brien", "d": ["65.01"], "e": None})
    assert rendered == (
        "select DATE '2025-06-30'::date, ':b', x::varchar from t where y = 'o''brien' and z in ['65.01']"
        " and n = NULL"
    )
    with pytest.raises(KeyError, match="missing_one"):
        render("select :missing_one", {})


def test_gx_keeps_duckdb_results_only_through_the_autocommit_dialect(tmp_path):
    from great_expectations.execution_engine import SqlAlchemyExecutionEngine
    from sqlalchemy import text

    warehouse = tmp_path / "w.duckdb"
    duckdb.connect(str(warehouse)).close()
    # duckdb-engine's own URL: the ROLLBACK on closing the connection takes the result with it. If this
    # starts returning [(42,)], the dialect in gx_duckdb may no longer be needed.
    stock = SqlAlchemyExecutionEngine(connection_string=f"duckdb:///{warehouse}")
    try:
        assert stock.execute_query(text("select 42")).fetchall() == []
        with pytest.raises(RuntimeError, match="not the DuckDB dialect"):
            gx_duckdb.probe(stock)
    finally:
        stock.engine.dispose()
    ours = SqlAlchemyExecutionEngine(connection_string=gx_duckdb.connection_url(warehouse))
    try:
        gx_duckdb.probe(ours)
        assert ours.dialect_name == "duckdb"  # what GX compiles SQL for, as with duckdb-engine's URL
        with pytest.raises(Exception, match="nope"):
            ours.execute_query(text("select * from nope"))
        assert ours.execute_query(text("select 43")).fetchall() == [(43,)]  # no aborted transaction
        assert ours.execute_query_in_transaction(text("select 44")).fetchall() == [(44,)]  # its COMMIT
        held = ours.engine.connect()  # as if GX kept a connection of its own
        with pytest.raises(RuntimeError, match="must be redone"):
            gx_duckdb.probe(ours)
        held.close()
    finally:
        ours.engine.dispose()


def test_release_closes_what_gx_opened_and_says_when_it_cannot(wh):
    from pipelines.lib.quality.context import gx_context, warehouse_datasource

    datasource = warehouse_datasource(gx_context(wh.reports_dir), wh.warehouse, {})  # its probe pools one
    datasource.get_engine().connect().close()  # GX's other engine, which it uses for its assets
    gx_duckdb.release(datasource)
    # DuckDB refuses another configuration while any connection to the file is open in this process.
    duckdb.connect(str(wh.warehouse), config={"threads": 1}).close()
    held = datasource.get_execution_engine().engine.connect()  # as if GX kept a connection of its own
    with pytest.raises(RuntimeError, match="still checked out"):
        gx_duckdb.release(datasource)
    held.invalidate()  # disposing the engine cannot reach a checked-out connection; this closes it


def test_missing_coverage_table_fails_every_check_on_it_without_raising(wh):
    execute(wh, "drop table marts.coverage_village")
    outcome = run(wh, "marts")
    assert not outcome.success
    broken = outcome.outcome("coverage_pct_in_range")
    assert not broken.success and "coverage_village" in broken.error
    assert "coverage_village" in outcome.summary() and len(outcome.summary().splitlines()[1]) < 250
    assert query(wh, "select count(*) from audit.validation_history where not success")[0][0] >= 1


def test_runs_with_the_project_settings_and_from_the_command_line(wh, ktp_env, monkeypatch, capsys):
    from pipelines.cli.validate import main
    from pipelines.lib.settings import Settings

    ktp_env.warehouse.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(wh.warehouse, ktp_env.warehouse)
    execute(
        type(wh)(ktp_env.warehouse, ktp_env.reports_dir),
        "update ingest.files set rows_rejected = 60 where regency_code = '65.03'",
    )
    monkeypatch.setenv("KTP_MAX_REJECT_RATE", "0.07")
    settings = Settings.from_env()
    outcome = run_suite(settings, "ingested_file", asset="a", snapshot_date=SNAPSHOT, regency_code="65.03",
                        run_id="settings")  # fmt: skip
    assert outcome.success and outcome.parameters["max_reject_rate"] == 0.07
    assert outcome.docs_page.is_relative_to(settings.reports_dir / "data_docs")

    monkeypatch.setenv("KTP_MAX_REJECT_RATE", "0.05")
    args = ["ingested_file", "--snapshot-date", SNAPSHOT.isoformat(), "--regency-code", "65.03"]
    assert main(args) == 1
    assert "FAIL reject_rate_within_limit" in capsys.readouterr().out
    assert main(["snapshot", "--snapshot-date", SNAPSHOT.isoformat()]) == 0


# ---------------------------------------------------------------- the hand-made warehouse


def test_fake_ingest_tables_are_the_ones_dbt_builds(tmp_path):
    """These tests write the ingest tables by hand (tests/support/ingest_tables.sql): the same tables and
    views, columns, column order and types as dbt builds from a landed extract, so what the suites, the
    gate and the quarantine export read here is what they read in production."""
    raw = tmp_path / "raw"
    write_csv(raw / SNAPSHOT.isoformat() / "6501_bulungan.csv", people("6501", 3))
    with duckdb.connect(str(build_with_dbt(tmp_path / "dbt", raw)), read_only=True) as con:
        built = ingest_schema(con)
    with duckdb.connect() as con:
        create_ingest_tables(con)
        create_ingest_tables(con)  # idempotent, as the DDL it replaced
        fake = ingest_schema(con)
    assert set(fake) == set(built)
    for table in built:
        assert fake[table] == built[table], table
