"""The dbt marts against the same definitions recomputed in Python, on a generated landing folder.

The generated extracts land as the pipeline lands them (all-text Parquet beside the warehouse); one real
`dbt build` per module judges them (typing, rejects, flags, deduplication) and builds the marts (seeds,
models, contracts, unit tests and data tests), then every mart is compared row by row with
tests/support/marts.py, which never runs the project's SQL.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from pipelines.lib.ingest.contract import QUALITY_FLAGS, REJECT_REASONS
from pipelines.lib.settings import DBT_PROJECT_DIR
from tests.support import marts as m

MART_COLUMNS = {
    "coverage_province": m.COVERAGE_COLUMNS,
    "coverage_regency": [*m.COVERAGE_COLUMNS, "bps_code"],
    "coverage_district": m.COVERAGE_COLUMNS,
    "coverage_village": m.COVERAGE_COLUMNS,
    "coverage_age_cohort": [
        "snapshot_date", "regency_code", "age_cohort", "sex", "wajib_ktp", "sudah_rekam", "belum_rekam",
        "coverage_pct",
    ],
    "pemula_outlook": [
        "snapshot_date", "regency_code", "district_code", "month_turning_17", "persons", "recorded_early",
    ],
    "outreach_priority": [
        "snapshot_date", "priority_rank", "regency_code", "district_code", "village_code", "village_name",
        "belum_rekam", "belum_rekam_pemula", "deactivation_risk", "upcoming_pemula_unrecorded",
    ],
    "coverage_trend": [
        "snapshot_date", "area_code", "area_name", "wajib_ktp", "sudah_rekam", "belum_rekam", "coverage_pct",
        "coverage_change_pts", "belum_rekam_change", "projected_zero_date", "target_date", "on_track",
    ],
    "ingest_summary": [
        "snapshot_date", "regency_code", "source_file", "sha256", "rows_read", "rows_loaded", "rows_rejected",
        "duplicates_superseded",
    ],
    "reject_reasons": ["snapshot_date", "regency_code", "reason", "rows"],
    "quality_flags": ["snapshot_date", "regency_code", "flag", "rows"],
}  # fmt: skip


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dbt_marts")
    warehouse = tmp / "warehouse.duckdb"
    gen = m.generate()
    m.write_landing(m.landing_dir(warehouse), gen)
    result = m.run_dbt(["build"], warehouse, tmp)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    return warehouse, tmp, gen


def by_key(rows: list[dict], *key: str) -> dict[tuple, dict]:
    out = {tuple(r[k] for k in key): r for r in rows}
    assert len(out) == len(rows), f"duplicate keys {key}"
    return out


def test_python_reference_definitions_follow_the_issue():
    # The independent implementation must itself get the boundaries right, or the comparisons mean nothing.
    assert m.age_at(date(2008, 2, 29), date(2025, 2, 28)) == 16
    assert m.age_at(date(2008, 2, 29), date(2025, 3, 1)) == 17
    assert m.age_at(date(2008, 3, 1), date(2025, 3, 1)) == 17
    assert m.age_at(date(2008, 3, 2), date(2025, 3, 1)) == 16
    assert m.seventeenth_birthday(date(2008, 2, 29)) == date(2025, 3, 1)
    assert m.seventeenth_birthday(date(2007, 2, 28)) == date(2024, 2, 28)
    assert m.pct(1, 32) == Decimal("3.13") and m.pct(1, 160) == Decimal("0.63") and m.pct(0, 0) is None
    assert [m.zone(Decimal(x)) for x in ("74.99", "75.00", "84.99", "85.00")] == [
        "merah", "kuning", "kuning", "hijau",
    ]  # fmt: skip
    assert [m.cohort(a) for a in (16, 17, 19, 20, 74, 75)] == ["<17", "17", "18-19", "20-24", "70-74", "75+"]
    # Generated NIKs encode birth date and sex (40 added to a woman's day), unless a flag spoils them.
    born = date(1990, 5, 7)
    assert m.make_nik("65.71.01.1001", born, "P", 12) == "6571014705900012"
    assert m.make_nik("65.71.01.1001", born, "L", 12) == "6571010705900012"
    assert m.make_nik("65.71.01.1001", born, "L", 12, frozenset({"nik_sex_mismatch"})) == "6571014705900012"
    assert (
        m.make_nik("65.71.01.1001", born, "L", 12, frozenset({"nik_birth_date_mismatch"}))
        == "6571010706900012"
    )
    assert (
        m.make_nik("65.71.01.1001", born, "L", 12, frozenset({"nik_issued_outside_kaltara"}))
        == "6471010705900012"
    )


def test_build_ran_unit_tests_and_data_tests_without_failure(built):
    _, tmp, _ = built
    results = json.loads((tmp / "target" / "run_results.json").read_text())["results"]
    by_type = {}
    for r in results:
        by_type.setdefault(r["unique_id"].split(".")[0], []).append(r["status"])
    assert len(by_type["unit_test"]) >= 3
    assert len(by_type["model"]) >= 15
    # Every data test of the project ran, of each kind.
    manifest = json.loads((tmp / "target" / "manifest.json").read_text())
    tests = [n for n in manifest["nodes"].values() if n["resource_type"] == "test"]
    assert len(by_type["test"]) == len(tests)
    kinds = {t["test_metadata"]["name"] for t in tests if t.get("test_metadata")}
    assert {"not_null_columns", "expressions_are_true", "unique_combination_of_columns", "relationships",
            "accepted_values", "lists_every_reference_area", "equal_row_count"} <= kinds  # fmt: skip
    bad = [r["unique_id"] for r in results if r["status"] not in ("success", "pass")]
    assert bad == []


def test_mart_columns_are_the_contract_and_carry_no_personal_data(built):
    warehouse, _, gen = built
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        ).fetchall()
        assert {t for (t,) in tables} == set(MART_COLUMNS)
        niks = set(gen.rows["NIK"]) - {""}
        names = set(gen.rows["NAMA_LGKP"])
        for table, expected in MART_COLUMNS.items():
            cur = con.execute(f"select * from marts.{table}")
            assert [d[0] for d in cur.description] == expected, table
            values = {v for row in cur.fetchall() for v in row if isinstance(v, str)}
            assert not values & (niks | names), table
    finally:
        con.close()


@pytest.mark.parametrize("level", ["province", "regency", "district", "village"])
def test_coverage_by_level_matches_python(built, level):
    warehouse, _, gen = built
    actual = by_key(m.read_mart(warehouse, f"coverage_{level}"), "snapshot_date", "area_code")
    expected = m.expected_coverage(gen.persons, level)
    assert set(actual) == set(expected)
    mismatched = {k: (actual[k], expected[k]) for k in expected if actual[k] != expected[k]}
    assert mismatched == {}


def test_every_reference_area_listed_and_empty_areas_zero_filled(built):
    warehouse, _, _ = built
    villages = m.read_mart(warehouse, "coverage_village")
    assert len(villages) == 482 * len(m.SNAPSHOTS)
    assert len(m.read_mart(warehouse, "coverage_district")) == 55 * len(m.SNAPSHOTS)
    empty = [v for v in villages if v["population"] == 0]
    assert len(empty) > 400 * len(m.SNAPSHOTS)
    assert all(v["coverage_pct"] is None and v["zone"] is None and v["wajib_ktp"] == 0 for v in empty)
    regency = by_key(m.read_mart(warehouse, "coverage_regency"), "snapshot_date", "area_code")
    first = regency[(m.SNAPSHOTS[0], m.EMPTY_REGENCY)]
    assert (first["population"], first["coverage_pct"], first["zone"]) == (0, None, None)
    assert first["area_name"] == "Kabupaten Tana Tidung" and first["bps_code"] == "6503"


def test_coverage_rounds_half_away_from_zero_exactly(built):
    warehouse, _, _ = built
    regency = by_key(m.read_mart(warehouse, "coverage_regency"), "snapshot_date", "area_code")
    tana_tidung = regency[(m.SNAPSHOTS[1], m.EMPTY_REGENCY)]
    # 1 of 32 = 3.125 %: half up gives 3.13, binary float with half-to-even would give 3.12.
    assert (tana_tidung["sudah_rekam"], tana_tidung["wajib_ktp"]) == (1, 32)
    assert tana_tidung["coverage_pct"] == Decimal("3.13")
    assert tana_tidung["zone"] == "merah"
    assert regency[(m.SNAPSHOTS[2], m.EMPTY_REGENCY)]["coverage_pct"] == Decimal("100.00")


def test_age_cohorts_match_python_with_every_combination(built):
    warehouse, _, gen = built
    actual = by_key(
        m.read_mart(warehouse, "coverage_age_cohort"), "snapshot_date", "regency_code", "age_cohort", "sex"
    )
    expected = m.expected_age_cohorts(gen.persons)
    assert len(actual) == len(m.SNAPSHOTS) * 5 * 15 * 2
    assert set(actual) == set(expected)
    for k, exp in expected.items():
        got = {c: actual[k][c] for c in exp}
        assert got == exp, k
    # The generated data reaches the youngest and oldest cohorts.
    assert sum(expected[(s, "65.71", "<17", "P")]["wajib_ktp"] for s in m.SNAPSHOTS) > 0
    assert sum(r["wajib_ktp"] for (s, _, c, _), r in expected.items() if c == "75+") > 0


def test_pemula_outlook_matches_python(built):
    warehouse, _, gen = built
    rows = m.read_mart(warehouse, "pemula_outlook")
    actual = by_key(rows, "snapshot_date", "regency_code", "district_code", "month_turning_17")
    expected = m.expected_pemula_outlook(gen.persons)
    assert {
        k: {"persons": v["persons"], "recorded_early": v["recorded_early"]} for k, v in actual.items()
    } == {
        k: {"persons": v["persons"], "recorded_early": v.get("recorded_early", 0)}
        for k, v in expected.items()
    }
    assert all(r["persons"] > 0 for r in rows)


def test_pemula_outlook_counts_29_february_births_in_march(built):
    warehouse, _, gen = built
    rows = m.read_mart(warehouse, "pemula_outlook")
    feb28 = m.SNAPSHOTS[1]
    tarakan_district = next(p.village_code[:8] for p in gen.persons if p.birth_date == date(2008, 2, 29))
    march = [r for r in rows if r["snapshot_date"] == feb28 and r["district_code"] == tarakan_district]
    # Two unmarried 29 February 2008 births turn 17 on 1 March 2025; the married one is already wajib.
    assert sum(r["persons"] for r in march if r["month_turning_17"] == "2025-03") >= 2
    assert not any(r["month_turning_17"] == "2025-02" for r in rows if r["snapshot_date"] == feb28)


def test_outreach_priority_ranking_matches_python(built):
    warehouse, _, gen = built
    actual = by_key(m.read_mart(warehouse, "outreach_priority"), "snapshot_date", "village_code")
    expected = m.expected_outreach(gen.persons)
    assert actual == expected
    for snap in m.SNAPSHOTS:
        ranks = sorted(r["priority_rank"] for (s, _), r in actual.items() if s == snap)
        assert ranks == list(range(1, len(ranks) + 1))


def test_coverage_trend_matches_python(built):
    warehouse, _, gen = built
    actual = by_key(m.read_mart(warehouse, "coverage_trend"), "snapshot_date", "area_code")
    expected = m.expected_trend(gen.persons)
    assert actual == expected
    # The data exercises every branch of the projection.
    rows = list(expected.values())
    assert any(r["belum_rekam"] == 0 and r["projected_zero_date"] == r["snapshot_date"] for r in rows)
    assert any(r["belum_rekam"] > 0 and r["projected_zero_date"] is not None for r in rows)
    assert any(r["belum_rekam_change"] is not None and r["projected_zero_date"] is None for r in rows)
    assert {r["on_track"] for r in rows} == {True, False}
    assert all(r["coverage_change_pts"] is None for r in rows if r["snapshot_date"] == m.SNAPSHOTS[0])


def test_target_date_var_replaces_30_november(built, tmp_path):
    _, _, gen = built
    # A copy, so rebuilding coverage_trend cannot disturb the other tests' warehouse.
    copy = _copy_of(built, tmp_path)
    result = m.run_dbt(
        ["run", "-s", "coverage_trend", "--vars", "{target_date: '2025-03-04'}"], copy, tmp_path
    )
    assert result.returncode == 0, result.stdout[-4000:]
    actual = by_key(m.read_mart(copy, "coverage_trend"), "snapshot_date", "area_code")
    expected = m.expected_trend(gen.persons, target=date(2025, 3, 4))
    assert actual == expected
    # 2 to 4 days to zero at the last pace: the target splits the regencies.
    last = [r for (s, _), r in expected.items() if s == m.SNAPSHOTS[-1]]
    assert {r["on_track"] for r in last} == {True, False}


def test_ingest_bookkeeping_marts_match_the_rows_as_generated(built):
    warehouse, _, gen = built
    summary = by_key(m.read_mart(warehouse, "ingest_summary"), "snapshot_date", "regency_code")
    files = gen.files.to_dict("records")
    assert len(summary) == len(files)
    for f in files:
        got = summary[(f["snapshot_date"], f["regency_code"])]
        assert got == {c: f[c] for c in MART_COLUMNS["ingest_summary"]}
    # Every file lists every reason, and each count is the rows crafted to fail with that reason.
    rejects = by_key(m.read_mart(warehouse, "reject_reasons"), "snapshot_date", "regency_code", "reason")
    assert len(rejects) == len(files) * len(REJECT_REASONS)
    assert sum(r["rows"] for r in rejects.values()) == sum(f["rows_rejected"] for f in files)
    expected_rejects = {
        (r["snapshot_date"], r["regency_code"], r["reason"]): r["rows"]
        for r in gen.reject_counts.to_dict("records")
    }
    assert {k: r["rows"] for k, r in rejects.items()} == expected_rejects
    # Every file lists every flag, and each count is the kept rows whose NIK was spoiled for that flag.
    flags = by_key(m.read_mart(warehouse, "quality_flags"), "snapshot_date", "regency_code", "flag")
    assert {k[2] for k in flags} == set(QUALITY_FLAGS)
    expected_flags = {
        (r["snapshot_date"], r["regency_code"], r["flag"]): r["rows"]
        for r in gen.flag_counts.to_dict("records")
    }
    assert {k: r["rows"] for k, r in flags.items()} == expected_flags
    # The data exercises every reason and flag, and some file more than once.
    for counts, names in ((expected_rejects, REJECT_REASONS), (expected_flags, QUALITY_FLAGS)):
        totals = {name: sum(n for (_, _, k), n in counts.items() if k == name) for name in names}
        assert all(totals.values()) and max(counts.values()) > 1, totals


# The only mart columns that may hold NULL (the YAMLs document when); every other one is created NOT NULL.
COVERAGE_NULLABLE = {"coverage_pct", "pemula_coverage_pct", "zone"}
NULLABLE_COLUMNS = {
    "coverage_province": {"parent_code", *COVERAGE_NULLABLE},
    "coverage_regency": COVERAGE_NULLABLE,
    "coverage_district": COVERAGE_NULLABLE,
    "coverage_village": COVERAGE_NULLABLE,
    "coverage_age_cohort": {"coverage_pct"},
    "coverage_trend": {"coverage_pct", "coverage_change_pts", "belum_rekam_change", "projected_zero_date"},
}


def _copy_of(built, tmp_path: Path) -> Path:
    """A copy of the built warehouse, and of the landing folder beside it that dbt reads the extracts
    from, so a test can break the warehouse without disturbing the others.

    Same file name: DuckDB names the catalog after it, and the staging views refer to it by that name.
    The views the module's build created keep reading the original landing folder (their SQL holds its
    path), so no test may change a landing folder.
    """
    copy = tmp_path / built[0].name
    shutil.copyfile(built[0], copy)
    shutil.copytree(m.landing_dir(built[0]), m.landing_dir(copy))
    return copy


def test_mart_tables_are_created_with_the_contracts_not_null_columns(built):
    warehouse, _, _ = built
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = 'marts' and is_nullable = 'YES'"
        ).fetchall()
    finally:
        con.close()
    nullable = {table: set() for table in MART_COLUMNS}
    for table, column in rows:
        nullable[table].add(column)
    assert nullable == {table: NULLABLE_COLUMNS.get(table, set()) for table in MART_COLUMNS}


@pytest.mark.parametrize("rebuild", ["full_refresh", "one_snapshot"])
def test_a_null_in_a_mart_column_fails_the_model_build_and_keeps_the_previous_table(built, tmp_path, rebuild):
    copy = _copy_of(built, tmp_path)
    last = m.SNAPSHOTS[-1]
    # Without its crosswalk row, Bulungan's bps_code comes out NULL (coverage_regency left-joins the seed).
    with duckdb.connect(str(copy)) as con:
        con.execute("delete from reference.bps_kemendagri_crosswalk where kemendagri_code = '65.01'")
        if rebuild == "one_snapshot":
            # As if a build had stopped before recording the last snapshot: the next one rebuilds it.
            con.execute(
                "delete from audit.dbt_partitions where model = 'coverage_regency' and snapshot_date = ?",
                [last],
            )
    before = m.read_mart(copy, "coverage_regency")
    # `run`, not `build`: no data test runs, the model's own build refuses the NULL. The mart is incremental
    # by snapshot and no landed file changed, so a plain run would rebuild no snapshot and insert nothing:
    # either every snapshot is rebuilt (`--full-refresh`, as when the project changes) or one is (the
    # incremental replace of a partition whose record is missing or out of date).
    args = ["--full-refresh"] if rebuild == "full_refresh" else []
    result = m.run_dbt(["run", "-s", "coverage_regency", *args], copy, tmp_path)
    assert result.returncode != 0
    out = result.stdout
    assert "NOT NULL constraint failed" in out and ".bps_code" in out, out[-3000:]
    results = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
    # The one model that ran (besides the project's on-run-start hook, which records partitions).
    (status,) = [r for r in results if not r["unique_id"].startswith("operation.")]
    assert status["unique_id"] == "model.ktp_warehouse.coverage_regency" and status["status"] == "error"
    assert m.read_mart(copy, "coverage_regency") == before
    if rebuild == "one_snapshot":
        # Nor is the snapshot recorded as built: the next build tries it again.
        with duckdb.connect(str(copy), read_only=True) as con:
            recorded = con.execute(
                "select snapshot_date from audit.dbt_partitions where model = 'coverage_regency'"
            ).fetchall()
        assert sorted(d for (d,) in recorded) == m.SNAPSHOTS[:-1]


def _stored_failures(warehouse: Path) -> list[dict]:
    """The rows `dbt test --store-failures` kept of the one failing test that ran."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        (table,) = con.execute(
            "select table_name from information_schema.tables where table_schema = 'dbt_test__audit'"
        ).fetchall()
        cur = con.execute(f'select * from dbt_test__audit."{table[0]}"')
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    finally:
        con.close()


def test_a_broken_rule_fails_the_models_expressions_test_which_names_the_rule(built, tmp_path):
    copy = _copy_of(built, tmp_path)
    snapshot = m.SNAPSHOTS[-1]
    with duckdb.connect(str(copy)) as con:
        first, second = (c for (c,) in con.execute(
            "select area_code from marts.coverage_village where snapshot_date = ? and wajib_ktp > 0 "
            "order by area_code limit 2", [snapshot],
        ).fetchall())  # fmt: skip
        update = "update marts.coverage_village set {} where snapshot_date = ? and area_code = ?"
        con.execute(update.format("belum_rekam = belum_rekam + 1"), [snapshot, first])
        two_rules = "sudah_cetak = sudah_rekam + 1, pemula_rekam = pemula_wajib + 1"
        con.execute(update.format(two_rules), [snapshot, second])
    result = m.run_dbt(
        ["test", "-s", "expressions_are_true_coverage_village", "--store-failures"], copy, tmp_path
    )
    assert result.returncode != 0
    assert "Failure in test expressions_are_true_coverage_village" in result.stdout, result.stdout[-3000:]
    failed = {r["area_code"]: r["failed_expressions"] for r in _stored_failures(copy)}
    assert failed == {
        first: "belum_rekam = wajib_ktp - sudah_rekam",
        second: "sudah_rekam <= wajib_ktp and wajib_ktp <= population and sudah_cetak <= sudah_rekam"
        " | pemula_rekam <= pemula_wajib and pemula_wajib <= wajib_ktp",
    }


def test_a_null_outside_the_marts_fails_the_not_null_columns_test_which_names_the_columns(built, tmp_path):
    copy = _copy_of(built, tmp_path)
    with duckdb.connect(str(copy)) as con:
        con.execute("update reference.indonesia_provinces set name = null where code = '11'")
        con.execute("update reference.indonesia_provinces set code = null, name = null where code = '12'")
    result = m.run_dbt(
        ["test", "-s", "test_name:not_null_columns,indonesia_provinces", "--store-failures"], copy, tmp_path
    )
    assert result.returncode != 0
    assert "Failure in test not_null_columns_indonesia_provinces" in result.stdout, result.stdout[-3000:]
    assert sorted((r["null_columns"], r["code"]) for r in _stored_failures(copy)) == [
        ("code, name", None),
        ("name", "11"),
    ]


def test_docs_generate_static_works_offline(built):
    warehouse, tmp, _ = built
    result = m.run_dbt(["docs", "generate", "--static"], warehouse, tmp)
    assert result.returncode == 0, result.stdout[-4000:]
    html = (tmp / "target" / "static_index.html").read_text(encoding="utf-8")
    assert "coverage_regency" in html and "outreach_priority" in html


def test_parse_writes_manifest_with_schemas_contracts_and_dagster_keys(tmp_path):
    result = m.run_dbt(["parse"], tmp_path / "never_opened.duckdb", tmp_path)
    assert result.returncode == 0, result.stdout[-4000:]
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    models = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    for name in MART_COLUMNS:
        assert models[name]["schema"] == "marts"
        assert models[name]["config"]["contract"]["enforced"] is True
        assert list(models[name]["columns"]) == MART_COLUMNS[name]
    assert {n["schema"] for n in models.values()} == {"staging", "intermediate", "ingest", "marts"}
    seeds = [n for n in manifest["nodes"].values() if n["resource_type"] == "seed"]
    assert {s["schema"] for s in seeds} == {"reference"}
    # The only sources are the landed extracts, read where landing wrote them (KTP_LANDING_DIR).
    sources = manifest["sources"].values()
    assert {f"{s['source_name']}.{s['name']}" for s in sources} == {
        "landing.extract_rows",
        "landing.extract_files",
    }
    landing = str(m.landing_dir(tmp_path / "never_opened.duckdb"))
    for s in sources:
        assert s["config"]["meta"]["dagster"]["asset_key"] == ["extract_inventory"]
        assert s["config"]["external_location"].startswith(f"read_parquet('{landing}/")
    # Dagster turns a dbt test into an asset check only when it can tell which model the test is about.
    tests = [n for n in manifest["nodes"].values() if n["resource_type"] == "test"]
    unattached = [
        t["name"] for t in tests if not t.get("attached_node") and len(t["depends_on"]["nodes"]) != 1
    ]
    assert tests and unattached == []
    assert not (tmp_path / "never_opened.duckdb").exists()
    assert not Path(landing).exists()


def test_relative_warehouse_path_is_refused_before_any_file_is_created(tmp_path):
    result = m.run_dbt(["parse"], Path("relative_warehouse.duckdb"), tmp_path)
    assert result.returncode != 0
    assert "KTP_WAREHOUSE_must_be_an_absolute_path" in result.stdout
    assert not (DBT_PROJECT_DIR / "relative_warehouse.duckdb").exists()
