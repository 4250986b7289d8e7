"""The same pipeline on Spark (KTP_ENGINE=spark): the shipped sample through every stage, against DuckDB's.

The sample is run once on each engine from the same raw directory. Spark's tables must equal DuckDB's
(EXCEPT ALL both ways, every mart and every table the checks and the publication read), and the
published files must be the same bytes. Then the publish gate must block on Spark as on DuckDB, and a
NULL in a mart's not_null column must fail the build there too, where Parquet tables enforce no
constraint. Spark never runs in the test's process, as in the Dagster process: each dbt command starts
it in dbt's process, and the mirror (and tests/support/spark.py here) in a short process of its own, so
the embedded Derby metastore has one JVM at a time.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.lib.dbt.project import dbt_env, run_dbt
from pipelines.lib.runs.headless import run_pipeline
from pipelines.lib.settings import REPO_ROOT, ConfigError, Settings
from tests.support.dagster import dagster_instance
from tests.support.extracts import people, write_csv
from tests.support.spark import spark_sql

SAMPLE = REPO_ROOT / "data" / "raw"
S1, S2 = "2026-03-31", "2026-09-30"
MARTS = [
    "coverage_age_cohort", "coverage_district", "coverage_province", "coverage_regency", "coverage_trend",
    "coverage_village", "ingest_summary", "outreach_priority", "pemula_outlook", "quality_flags",
    "reject_reasons",
]  # fmt: skip
# Every table the checks, the gate and the publication read, and the per-person table the marts count.
TABLES = [f"marts.{m}" for m in MARTS] + [
    "ingest.files", "ingest.file_reject_counts", "ingest.file_flag_counts", "ingest.file_errors",
    "ingest.nik_duplicates", "ingest.judged_rows", "ingest.persons", "ingest.quarantine",
    "intermediate.int_persons_at_cutoff", "intermediate.int_area_counts",
    "reference.kemendagri_wilayah", "reference.bps_kemendagri_crosswalk", "reference.dukcapil_population",
]  # fmt: skip
# When a deployment landed, judged and deduplicated: its own times and run ids, not data.
PER_RUN = {"landed_at", "judged_at", "loaded_at", "resolved_at", "run_id", "seen_at"}


def _env(base: Path, engine: str) -> dict[str, str]:
    return {
        "KTP_RAW_DIR": str(base / "raw"),
        "KTP_WAREHOUSE": str(base / engine / "ktp.duckdb"),
        "KTP_PUBLISH_DIR": str(base / engine / "published"),
        "KTP_REPORTS_DIR": str(base / engine / "reports"),
        "KTP_ENGINE": engine,
        "KTP_LOG_LEVEL": "WARNING",
        "KTP_SPARK_MASTER": "local[2]",
    }


def _run(env: dict[str, str]):
    """One headless run with `env` (the Dagster resources read the KTP_* variables)."""
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        mp.delenv("DAGSTER_HOME", raising=False)
        settings = Settings.from_env()
        with dagster_instance() as instance:
            return settings, run_pipeline(settings, instance)


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    base = tmp_path_factory.mktemp("engines")
    shutil.copytree(SAMPLE, base / "raw", ignore=shutil.ignore_patterns("_scale*"))
    runs = {engine: _run(_env(base, engine)) for engine in ("duckdb", "spark")}
    return {"base": base, **runs}


def _published(publish_dir: Path) -> dict[str, str]:
    root = Path(os.path.realpath(publish_dir))
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.iterdir()) if p.is_file()}


def test_the_sample_publishes_the_same_files_on_spark(engines):
    (duck, duck_outcome), (spark, spark_outcome) = engines["duckdb"], engines["spark"]
    assert duck_outcome.ok and duck_outcome.published, duck_outcome.problems
    assert spark_outcome.ok and spark_outcome.published, spark_outcome.problems
    # the same warnings (the GX warnings suite reads the same numbers)
    assert sorted(w.message for w in spark_outcome.warnings) == sorted(
        w.message for w in duck_outcome.warnings
    )
    on_duckdb, on_spark = _published(duck.publish_dir), _published(spark.publish_dir)
    # each mart as Parquet and CSV, the workbook, the data package, the manifest
    assert sorted(on_spark) == sorted(on_duckdb) and len(on_spark) == 2 * len(MARTS) + 3
    different = [name for name in on_duckdb if name != "manifest.json" and on_duckdb[name] != on_spark[name]]
    assert different == []
    manifests = [json.loads((s.publish_dir / "manifest.json").read_text()) for s in (duck, spark)]
    assert [m["engine"] for m in manifests] == ["duckdb", "spark"]
    assert manifests[0]["files"] == manifests[1]["files"]
    checks = [
        [
            {k: v for k, v in c.items() if k not in ("run_id", "validated_at")}
            for c in m["validation"]["checks"]
        ]
        for m in manifests
    ]
    assert checks[0] == checks[1] and all(c["passed"] for c in checks[1])


def test_every_table_on_spark_equals_duckdbs_both_ways(engines):
    duck, spark = engines["duckdb"][0], engines["spark"][0]
    with duckdb.connect() as conn:
        # Under its own name: dbt-duckdb's views name their tables with the file's catalog ('ktp').
        conn.execute(f"attach '{duck.warehouse}' as {duck.warehouse.stem} (read_only)")
        d = duck.warehouse.stem
        conn.execute(f"attach '{spark.warehouse}' as s (read_only)")
        for table in TABLES:
            schema, name = table.split(".")
            described = {
                db: conn.execute(
                    "select column_name, data_type from information_schema.columns "
                    "where table_catalog = ? and table_schema = ? and table_name = ? "
                    "order by ordinal_position",
                    [db, schema, name],
                ).fetchall()
                for db in (d, "s")
            }
            if table.startswith("marts."):  # published: the same columns, in the same order
                assert described["s"] == described[d], table
            else:
                assert sorted(described["s"]) == sorted(described[d]), table
            columns = ", ".join(f'"{c}"' for c, _ in described[d] if c not in PER_RUN)
            (rows,) = conn.execute(f"select count(*) from {d}.{table}").fetchone()
            assert rows > 0 or table == "ingest.file_errors", table  # the sample has no refused file
            for a, b in ((d, "s"), ("s", d)):
                (extra,) = conn.execute(
                    f"select count(*) from (select {columns} from {a}.{table} "
                    f"except all select {columns} from {b}.{table})"
                ).fetchone()
                assert extra == 0, f"{table}: {extra} rows of {a} not in {b}"


def test_the_gate_blocks_on_spark_as_on_duckdb(engines):
    """A regency missing from a snapshot and a file with too many rejects, in one run and one snapshot
    (a Spark build costs about a second per statement, so only the latest snapshot's partitions are
    rebuilt): both blocked, the publication untouched."""
    base = engines["base"]
    spark = engines["spark"][0]
    before = _published(spark.publish_dir), os.readlink(spark.publish_dir)
    (base / "raw" / S2 / "6504_tana_tidung.xlsx").unlink()
    rows = people("6571", 40)
    for r in rows[:3]:  # 3 of 40 = 7.5 % > 5 %
        r["JENIS_KLMIN"] = "X"
    (base / "raw" / S2 / "6571_kota_tarakan.csv").unlink()
    write_csv(base / "raw" / S2 / "6571_tarakan_fixed.csv", rows)
    try:
        _, outcome = _run(_env(base, "spark"))
        assert not outcome.ok and not outcome.published
        assert (_published(spark.publish_dir), os.readlink(spark.publish_dir)) == before
        snapshot = [p for p in outcome.problems if "gx_snapshot" in p.what]
        assert snapshot and S2 in snapshot[0].what and "all_regencies_present" in snapshot[0].message
        files = [p for p in outcome.problems if "gx_ingested_file" in p.what]
        assert len(files) == 1 and "6571" in files[0].what and "reject_rate_within_limit" in files[0].message
        with duckdb.connect(str(spark.warehouse), read_only=True) as conn:
            failed = set(
                conn.execute(
                    "select snapshot_date::varchar, expectation from audit.validation_history "
                    "where not success and severity = 'blocking'"
                ).fetchall()
            )
        assert {(S2, "all_regencies_present"), (S2, "reject_rate_within_limit")} <= failed
    finally:
        shutil.rmtree(base / "raw")
        shutil.copytree(SAMPLE, base / "raw", ignore=shutil.ignore_patterns("_scale*"))


def test_a_null_in_a_not_null_mart_column_fails_the_spark_build(engines):
    """Spark's Parquet tables enforce no NOT NULL: the incremental strategy checks the rows against the
    contract's not_null columns before it replaces a partition, and the model fails as on DuckDB."""
    import dagster as dg

    from pipelines.lib.engines import spark_mirror

    spark = engines["spark"][0]
    before = duckdb.connect(str(spark.warehouse), read_only=True)
    try:
        kept = before.execute("select * from marts.coverage_regency order by all").fetchall()
    finally:
        before.close()
    # Without its crosswalk row Bulungan's bps_code comes out NULL (coverage_regency left-joins the seed);
    # without its partition record the last snapshot is rebuilt.
    crosswalk = "reference.bps_kemendagri_crosswalk"
    spark_sql(
        spark,
        f"create table default.crosswalk_kept as select * from {crosswalk}",
        f"insert overwrite table {crosswalk} "
        "select * from default.crosswalk_kept where kemendagri_code <> '65.01'",
        "alter table audit.dbt_partitions "
        f"drop partition (model = 'coverage_regency', partition_key = '{S2}/*')",
    )
    target = spark.dbt_target_dir.parent / "null-test.dbt"
    try:
        with pytest.raises(dg.Failure, match="coverage_regency"):
            run_dbt(spark, "run", "-s", "coverage_regency", "--target-path", str(target), log_dir=target)
        results = json.loads((target / "run_results.json").read_text())["results"]
        (model,) = [r for r in results if r["unique_id"] == "model.ktp_warehouse.coverage_regency"]
        assert model["status"] == "error" and "NULL in not_null column(s) bps_code" in model["message"]
        spark_mirror.refresh(spark, spark.dbt_target_dir / "manifest.json")
        with duckdb.connect(str(spark.warehouse), read_only=True) as conn:
            assert conn.execute("select * from marts.coverage_regency order by all").fetchall() == kept
            recorded = conn.execute(
                "select snapshot_date::varchar from audit.dbt_partitions where model = 'coverage_regency'"
            ).fetchall()
        assert recorded == [(S1,)]  # not recorded as built: the next build tries it again
    finally:
        spark_sql(
            spark,
            f"insert overwrite table {crosswalk} select * from default.crosswalk_kept",
            "drop table default.crosswalk_kept",
        )


def test_a_warehouse_keeps_its_engine_and_spark_outside_dbt_the_profiles_settings(engines, tmp_path):
    from pyspark.sql import SparkSession

    from pipelines.lib.engines import check_engine, spark

    duck = engines["duckdb"][0]
    with pytest.raises(ConfigError, match="was built with duckdb"):
        check_engine(Settings.from_env({**_env(engines["base"], "duckdb"), "KTP_ENGINE": "spark"}))
    assert duck.engine == "duckdb"
    # The mirror's session is the one dbt starts for a warehouse: the profile's settings, rendered with
    # that warehouse's environment, any warehouse in any process.
    other = Settings.from_env(_env(tmp_path, "spark"))
    given = spark.server_side_parameters(dbt_env(other))
    assert given["spark.sql.warehouse.dir"] == f"{other.spark_dir}/warehouse"
    metastore = given["spark.hadoop.javax.jdo.option.ConnectionURL"]
    assert f"databaseName={other.spark_dir}/metastore_db;" in metastore
    assert given["spark.master"] == "local[2]" and given["spark.sql.timestampType"] == "TIMESTAMP_NTZ"
    with pytest.raises(RuntimeError, match="KTP_SPARK_DIR_must_be_an_absolute_path"):
        spark.server_side_parameters({**dbt_env(other), "KTP_SPARK_DIR": "relative.spark"})
    # Neither the runs nor the tests above started Spark in this process.
    assert SparkSession.getActiveSession() is None


# Texts each cross-engine macro must read the same way on both engines; the traps of Spark are in them:
# a cast of bad text (raises under ANSI mode, Spark 4's default), NULL into a date difference, strptime's
# one-digit days against Java's patterns, an impossible date, partial regex matches, '_' and runs of blanks.
MACRO_PROBES = {
    "int_bad": "{{ try_cast_to(\"'12x'\", 'integer') }}",
    "int_good": "{{ try_cast_to(\"' 12'\", 'integer') }}",
    "days_null": "{{ days_between('cast(null as date)', \"cast('2024-03-01' as date)\") }}",
    "days": "{{ days_between(\"cast('2024-02-01' as date)\", \"cast('2024-03-01' as date)\") }}",
    "date_dmy": "{{ try_parse_date(\"'05-03-2024'\") }}",
    "date_one_digit": "{{ try_parse_date(\"'5-3-2024'\") }}",
    "date_slash": "{{ try_parse_date(\"'05/03/2024'\") }}",
    "date_iso": "{{ try_parse_date(\"'2024-03-05'\") }}",
    "date_impossible": "{{ try_parse_date(\"'31-02-2024'\") }}",
    "date_garbage": "{{ try_parse_date(\"'kemarin'\") }}",
    "regex_partial": "{{ regex_full_match(\"'6501x'\", '[0-9]{4}') }}",
    "regex_full": "{{ regex_full_match(\"'6501'\", '[0-9]{4}') }}",
    "normal": "{{ normalise_text(\"'  laki_laki   perempuan '\") }}",
    "int_div": "{{ int_div('17', '5') }}",
    "leap": "{{ add_years(\"cast('2024-02-29' as date)\", 1) }}",
    "month": "{{ year_month(\"cast('2024-02-29' as date)\") }}",
    "made": "{{ make_date_of('2023 + 1', '2', '29') }}",
}


def _compiled(settings: Settings, sql: str) -> str:
    """`sql` as dbt compiles it for `settings`' engine (a dbt process, as every dbt command here)."""
    target = settings.dbt_target_dir
    run_dbt(settings, "compile", "--inline", sql, "--target-path", str(target), log_dir=target)
    (result,) = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    return result["compiled_code"]


def test_the_cross_engine_macros_read_edge_cases_alike_and_spark_needs_no_lenient_mode(engines):
    duck, spark = engines["duckdb"][0], engines["spark"][0]
    sql = "select " + ", ".join(f"{probe} as {name}" for name, probe in MACRO_PROBES.items())
    compiled = _compiled(duck, sql)  # before this process opens the file: dbt opens it to write
    with duckdb.connect(str(duck.warehouse), read_only=True) as conn:
        on_duckdb = conn.execute(compiled).fetchone()
    # dbt-spark turns ANSI mode off; the macros must not depend on it.
    (on_spark,) = spark_sql(spark, _compiled(spark, sql), conf={"spark.sql.ansi.enabled": "true"})
    assert dict(zip(MACRO_PROBES, on_spark, strict=True)) == dict(zip(MACRO_PROBES, on_duckdb, strict=True))
    assert on_duckdb[0] is None and on_duckdb[1] == 12 and on_duckdb[2] is None  # the probes probe
