"""A run pays for what changed: a changed file is judged alone, its snapshot alone is rebuilt, a file
that loses a NIK to another is rebuilt with it, and the tests look at what was rebuilt.

Each test runs the real pipeline (landing, one dbt build, GX, publication) on small hand-made extracts.
Which partitions a build rebuilt is read from the warehouse: ingest.judged_rows carries the time each
file was judged, audit.dbt_partitions the version and build time of every partition of every model.
"""

from __future__ import annotations

import json

from pipelines.lib.settings import Settings
from tests.support.extracts import Person, people, write_csv
from tests.support.incremental import (
    S1,
    S2,
    fresh_deployment,
    fresh_env,
    judged_times,
    mart_rows,
    partitions_built,
    run,
    write_snapshot,
)
from tests.support.judging import query

__all__ = ["fresh_env"]  # a fixture, used by name


def _dbt_results(settings: Settings) -> dict[str, str]:
    """unique_id -> status of the last build's nodes, 'seed test' for the tests defined beside a seed."""
    target = settings.dbt_target_dir
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))["nodes"]
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    return {
        r["unique_id"]: "seed test"
        if manifest.get(r["unique_id"], {}).get("original_file_path", "").startswith("seeds/")
        and r["unique_id"].startswith("test.")
        else r["status"]
        for r in results
    }


def test_a_changed_file_is_judged_alone_and_only_its_snapshot_is_rebuilt(ktp_env, tmp_path, fresh_env):
    write_snapshot(ktp_env.raw_dir, S1)
    write_snapshot(ktp_env.raw_dir, S2)
    assert run(ktp_env).ok
    first_build = _dbt_results(ktp_env)
    assert "seed.ktp_warehouse.kemendagri_wilayah" in first_build
    assert any(u.startswith("test.ktp_warehouse.unique_kemendagri_wilayah_code.") for u in first_build)
    judged_before, built_before, marts_before = (
        judged_times(ktp_env),
        partitions_built(ktp_env),
        mart_rows(ktp_env),
    )
    rows_before = query(
        ktp_env, "select * from ingest.judged_rows where regency_code <> '65.02' order by all"
    )

    rows = people("6502", 25, start_serial=101)
    rows[0]["JENIS_KLMIN"] = "?"  # 1 of 25 rejected: within the 5 % limit
    write_csv(ktp_env.raw_dir / S2 / "6502_extract.csv", rows)
    outcome = run(ktp_env)
    assert outcome.ok, outcome.problems
    assert (outcome.files_loaded, outcome.files_unchanged) == (1, 9)
    # The seeds and their own tests stay as the first build left them; every other test runs, those
    # that refer to a seed (the relationships to the area codes) too.
    second_build = _dbt_results(ktp_env)
    assert not [u for u in second_build if u.startswith("seed.") or u not in first_build]
    assert set(first_build) - set(second_build) == {
        u for u in first_build if u.startswith("seed.") or first_build[u] == "seed test"
    }
    assert any(u.startswith("test.ktp_warehouse.relationships_coverage_village") for u in second_build)

    judged_after = judged_times(ktp_env)
    assert [k for k in judged_after if judged_after[k] != judged_before[k]] == [f"{S2}|65.02"]
    assert query(ktp_env, "select * from ingest.judged_rows where regency_code <> '65.02' order by all") == (
        rows_before
    )
    built_after = partitions_built(ktp_env)
    rebuilt = sorted(k for k, t in built_after.items() if t != built_before.get(k))
    per_file = {"judged_rows", "file_reject_counts", "file_flag_counts", "int_persons_at_cutoff"}
    for model, snapshot, regency in rebuilt:
        assert snapshot == S2, (model, snapshot, regency)
        assert regency == ("65.02" if model in per_file else ""), (model, regency)
    # every partitioned model rebuilt the changed partition, and nothing else
    assert {k[0] for k in rebuilt} == {k[0] for k in built_before}
    # the other snapshot's rows of every mart are the same rows as before
    marts_after = mart_rows(ktp_env)
    for mart, rows in marts_after.items():
        assert [r for r in rows if str(r[0]) == S1] == [r for r in marts_before[mart] if str(r[0]) == S1], (
            mart
        )
    assert query(ktp_env, "select rows_read, rows_rejected from ingest.files where snapshot_date = ? "
                 "and regency_code = '65.02'", [S2]) == [(25, 1)]  # fmt: skip

    # The numbers are those of a build from nothing on the same files.
    fresh = fresh_deployment(tmp_path, ktp_env.raw_dir)
    fresh_env(fresh)
    assert run(fresh).ok
    assert mart_rows(fresh) == marts_after


def test_a_mover_whose_newer_listing_arrives_in_a_later_run(ktp_env, tmp_path, fresh_env):
    mover = Person(regency4="6501", serial=900)
    write_snapshot(ktp_env.raw_dir, S1)
    write_csv(
        ktp_env.raw_dir / S1 / "6501_extract.csv",
        people("6501", 6, start_serial=1) + [mover.row(TGL_ENTRI="01-01-2020")],
    )
    assert run(ktp_env).ok
    nik = mover.row()["NIK"]
    assert query(ktp_env, "select regency_code, superseded from ingest.persons where nik = ?", [nik]) == [
        ("65.01", False)
    ]
    bulungan_judged = judged_times(ktp_env)[f"{S1}|65.01"]

    # Tarakan's next file lists the mover with a newer entry: Tarakan's row wins the NIK.
    tarakan = people("6571", 6, start_serial=401)
    tarakan.append(Person(regency4="6571", serial=900).row(NIK=nik, TGL_ENTRI="15-03-2026"))
    write_csv(ktp_env.raw_dir / S1 / "6571_extract.csv", tarakan)
    built_before = partitions_built(ktp_env)
    outcome = run(ktp_env)
    assert outcome.ok, outcome.problems
    assert outcome.files_loaded == 1
    assert sorted(
        query(ktp_env, "select regency_code, superseded from ingest.persons where nik = ?", [nik])
    ) == [
        ("65.01", True),
        ("65.71", False),
    ]
    # Bulungan's file was not judged again; only its snapshot's deduplication and bookkeeping moved.
    assert judged_times(ktp_env)[f"{S1}|65.01"] == bulungan_judged
    superseded = dict(query(ktp_env, "select regency_code, duplicates_superseded from ingest.files"))
    assert superseded == {"65.01": 1, "65.02": 0, "65.03": 0, "65.04": 0, "65.71": 0}
    assert query(
        ktp_env, "select count(*) - count(distinct nik) from ingest.persons where not superseded"
    ) == [(0,)]
    # The per-person rows are rebuilt for Tarakan (changed) and Bulungan (lost the NIK), no other file.
    rebuilt = partitions_built(ktp_env)
    per_person = sorted(
        k[2] for k, t in rebuilt.items() if k[0] == "int_persons_at_cutoff" and t != built_before[k]
    )
    assert per_person == ["65.01", "65.71"]
    assert query(
        ktp_env, "select regency_code from intermediate.int_persons_at_cutoff where nik = ?", [nik]
    ) == [("65.71",)]
    # and the marts are those of a build from nothing
    marts = mart_rows(ktp_env)
    fresh = fresh_deployment(tmp_path, ktp_env.raw_dir)
    fresh_env(fresh)
    assert run(fresh).ok
    assert mart_rows(fresh) == marts


def _tamper_record(settings: Settings, snapshot: str, regency: str, **changes) -> None:
    """Rewrite one landing record as a buggy lander would (a later landing time: dbt sees a change)."""
    from datetime import UTC, datetime

    import pyarrow as pa
    import pyarrow.parquet as pq

    from pipelines.lib.ingest.landing import FILE_RECORD, FILE_SCHEMA, _write_table, partition_dir

    path = partition_dir(settings.landing_dir, snapshot, regency) / FILE_RECORD
    table = pq.read_table(path)
    record = table.to_pylist()[0] | changes | {"landed_at": datetime.now(UTC).replace(tzinfo=None)}
    # The metadata vouching for the rows file stays: its rows are intact, only the record lies.
    tampered = pa.Table.from_pylist([record], schema=FILE_SCHEMA)
    _write_table(tampered.replace_schema_metadata(table.schema.metadata), path)


def test_tests_look_at_what_changed_and_a_failed_test_runs_again_until_it_passes(ktp_env):
    from pipelines.lib.dbt.state import tested_until

    write_snapshot(ktp_env.raw_dir, S1)
    write_snapshot(ktp_env.raw_dir, S2)
    assert run(ktp_env).ok
    assert tested_until(ktp_env)  # a green build: later builds test only what they rebuild
    compiled = ktp_env.dbt_target_dir / "run" / "ktp_warehouse" / "models" / "intermediate" / "ingest"
    test_sql = compiled / "int_ingest__judged_rows.yml" / "expressions_are_true_int_ingest__files.sql"

    # A landing record that claims one row more than its Parquet file holds: the accounting test of
    # ingest.files fails, and the publication is blocked.
    _tamper_record(ktp_env, S2, "65.03", rows_landed=7)
    first = run(ktp_env)
    assert not first.published
    assert any("expressions_are_true_int_ingest__files" in p.what for p in first.problems), first.problems
    # The dbt step itself failed (dbt runs in the run's process), naming the test that failed.
    failed_step = [p.message for p in first.problems if p.message.startswith("dbt build failed: ")]
    assert (
        len(failed_step) == 1
        and "test.ktp_warehouse.expressions_are_true_int_ingest__files" in failed_step[0]
    )
    tested = test_sql.read_text()
    assert f"snapshot_date = cast('{S2}' as date)" in tested and S1 not in tested  # the rebuilt one only
    assert tested_until(ktp_env) == ""

    # Nothing changed since: the failed test is not skipped as "already tested", it fails again.
    again = run(ktp_env)
    assert not again.published
    assert any("expressions_are_true_int_ingest__files" in p.what for p in again.problems)
    assert "snapshot_date = cast(" not in test_sql.read_text()  # everything was tested

    # Landed again correctly: green, published.
    _tamper_record(ktp_env, S2, "65.03", rows_landed=6)
    fixed = run(ktp_env)
    assert fixed.ok, fixed.problems
    assert tested_until(ktp_env)
