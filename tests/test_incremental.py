"""A run pays for what changed: a changed file is judged alone, its snapshot alone is rebuilt, and a run
that stopped half-way (killed after landing, or after judging) is finished by the next one.

Each test runs the real pipeline (landing, one dbt build, GX, publication) on small hand-made extracts.
Which partitions a build rebuilt is read from the warehouse: ingest.judged_rows carries the time each
file was judged, audit.dbt_partitions the version and build time of every partition of every model.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import duckdb
import pytest

from pipelines.ingest.discovery import scan
from pipelines.ingest.landing import land_all
from pipelines.publish.faults import EXIT_CODE
from pipelines.publish.mart_keys import MART_KEYS
from pipelines.run import dagster_instance, run_pipeline
from pipelines.settings import REPO_ROOT, Settings
from tests.support.extracts import Person, people, write_csv
from tests.support.judging import query

S1, S2 = "2026-03-31", "2026-09-30"
REGENCIES = ["6501", "6502", "6503", "6504", "6571"]


def _write_snapshot(raw, snapshot, n=6):
    for i, code in enumerate(REGENCIES):
        write_csv(raw / snapshot / f"{code}_extract.csv", people(code, n, start_serial=100 * i + 1))


def _run(settings, publish=True):
    with dagster_instance() as instance:
        return run_pipeline(settings, instance, publish=publish)


def _judged_at(settings):
    return dict(
        (f"{s}|{r}", t)
        for s, r, t in query(
            settings,
            "select snapshot_date::varchar, regency_code, min(judged_at) "
            "from ingest.judged_rows group by all",
        )
    )


def _built(settings):
    rows = query(
        settings,
        "select model, snapshot_date::varchar, coalesce(regency_code, ''), built_at "
        "from audit.dbt_partitions",
    )
    return {(m, s, r): t for m, s, r, t in rows}


def _marts(settings):
    with duckdb.connect(str(settings.warehouse), read_only=True) as conn:
        return {m: sorted(conn.execute(f"select * from marts.{m}").fetchall(), key=repr) for m in MART_KEYS}


def _fresh(tmp_path, raw, name="fresh") -> Settings:
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


def test_a_changed_file_is_judged_alone_and_only_its_snapshot_is_rebuilt(ktp_env, tmp_path, fresh_env):
    _write_snapshot(ktp_env.raw_dir, S1)
    _write_snapshot(ktp_env.raw_dir, S2)
    assert _run(ktp_env).ok
    judged_before, built_before, marts_before = _judged_at(ktp_env), _built(ktp_env), _marts(ktp_env)
    rows_before = query(
        ktp_env, "select * from ingest.judged_rows where regency_code <> '65.02' order by all"
    )

    rows = people("6502", 25, start_serial=101)
    rows[0]["JENIS_KLMIN"] = "?"  # 1 of 25 rejected: within the 5 % limit
    write_csv(ktp_env.raw_dir / S2 / "6502_extract.csv", rows)
    outcome = _run(ktp_env)
    assert outcome.ok, outcome.problems
    assert (outcome.files_loaded, outcome.files_unchanged) == (1, 9)

    judged_after = _judged_at(ktp_env)
    assert [k for k in judged_after if judged_after[k] != judged_before[k]] == [f"{S2}|65.02"]
    assert query(ktp_env, "select * from ingest.judged_rows where regency_code <> '65.02' order by all") == (
        rows_before
    )
    built_after = _built(ktp_env)
    rebuilt = sorted(k for k, t in built_after.items() if t != built_before.get(k))
    per_file = {"judged_rows", "file_reject_counts", "file_flag_counts", "int_persons_at_cutoff"}
    for model, snapshot, regency in rebuilt:
        assert snapshot == S2, (model, snapshot, regency)
        assert regency == ("65.02" if model in per_file else ""), (model, regency)
    # every partitioned model rebuilt the changed partition, and nothing else
    assert {k[0] for k in rebuilt} == {k[0] for k in built_before}
    # the other snapshot's rows of every mart are the same rows as before
    marts_after = _marts(ktp_env)
    for mart, rows in marts_after.items():
        assert [r for r in rows if str(r[0]) == S1] == [r for r in marts_before[mart] if str(r[0]) == S1], (
            mart
        )
    assert query(ktp_env, "select rows_read, rows_rejected from ingest.files where snapshot_date = ? "
                 "and regency_code = '65.02'", [S2]) == [(25, 1)]  # fmt: skip

    # The numbers are those of a build from nothing on the same files.
    fresh = _fresh(tmp_path, ktp_env.raw_dir)
    fresh_env(fresh)
    assert _run(fresh).ok
    assert _marts(fresh) == marts_after


def test_a_mover_whose_newer_listing_arrives_in_a_later_run(ktp_env, tmp_path, fresh_env):
    mover = Person(regency4="6501", serial=900)
    _write_snapshot(ktp_env.raw_dir, S1)
    write_csv(
        ktp_env.raw_dir / S1 / "6501_extract.csv",
        people("6501", 6, start_serial=1) + [mover.row(TGL_ENTRI="01-01-2020")],
    )
    assert _run(ktp_env).ok
    nik = mover.row()["NIK"]
    assert query(ktp_env, "select regency_code, superseded from ingest.persons where nik = ?", [nik]) == [
        ("65.01", False)
    ]
    bulungan_judged = _judged_at(ktp_env)[f"{S1}|65.01"]

    # Tarakan's next file lists the mover with a newer entry: Tarakan's row wins the NIK.
    tarakan = people("6571", 6, start_serial=401)
    tarakan.append(Person(regency4="6571", serial=900).row(NIK=nik, TGL_ENTRI="15-03-2026"))
    write_csv(ktp_env.raw_dir / S1 / "6571_extract.csv", tarakan)
    built_before = _built(ktp_env)
    outcome = _run(ktp_env)
    assert outcome.ok, outcome.problems
    assert outcome.files_loaded == 1
    assert sorted(
        query(ktp_env, "select regency_code, superseded from ingest.persons where nik = ?", [nik])
    ) == [
        ("65.01", True),
        ("65.71", False),
    ]
    # Bulungan's file was not judged again; only its snapshot's deduplication and bookkeeping moved.
    assert _judged_at(ktp_env)[f"{S1}|65.01"] == bulungan_judged
    superseded = dict(query(ktp_env, "select regency_code, duplicates_superseded from ingest.files"))
    assert superseded == {"65.01": 1, "65.02": 0, "65.03": 0, "65.04": 0, "65.71": 0}
    assert query(
        ktp_env, "select count(*) - count(distinct nik) from ingest.persons where not superseded"
    ) == [(0,)]
    # The per-person rows are rebuilt for Tarakan (changed) and Bulungan (lost the NIK), no other file.
    rebuilt = _built(ktp_env)
    per_person = sorted(
        k[2] for k, t in rebuilt.items() if k[0] == "int_persons_at_cutoff" and t != built_before[k]
    )
    assert per_person == ["65.01", "65.71"]
    assert query(
        ktp_env, "select regency_code from intermediate.int_persons_at_cutoff where nik = ?", [nik]
    ) == [("65.71",)]
    # and the marts are those of a build from nothing
    marts = _marts(ktp_env)
    fresh = _fresh(tmp_path, ktp_env.raw_dir)
    fresh_env(fresh)
    assert _run(fresh).ok
    assert _marts(fresh) == marts


def _pipeline_process(settings: Settings, fault: str | None = None) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "KTP_RAW_DIR": str(settings.raw_dir),
        "KTP_WAREHOUSE": str(settings.warehouse),
        "KTP_PUBLISH_DIR": str(settings.publish_dir),
        "KTP_REPORTS_DIR": str(settings.reports_dir),
    }
    if fault:
        env["KTP_FAULT_INJECT"] = fault
    return subprocess.run(
        [sys.executable, "-m", "pipelines.run"], env=env, capture_output=True, text=True, timeout=600
    )


def test_a_run_killed_between_landing_and_judging_is_finished_by_the_next(ktp_env, tmp_path, fresh_env):
    _write_snapshot(ktp_env.raw_dir, S1)
    killed = _pipeline_process(ktp_env, fault="after_landing")
    assert killed.returncode == EXIT_CODE, killed.stdout[-2000:] + killed.stderr[-2000:]
    assert len(list(ktp_env.landing_dir.glob("snapshot_date=2026-*/regency_code=*/file.parquet"))) == 5
    assert not ktp_env.warehouse.exists()  # nothing was judged

    # The next run finds nothing to land, judges everything, and publishes.
    outcome = _run(ktp_env)
    assert outcome.ok, outcome.problems
    assert (outcome.files_loaded, outcome.files_unchanged) == (0, 5)
    assert query(ktp_env, "select count(*), sum(rows_read) from ingest.files") == [(5, 30)]

    # Killed again, this time after a changed file's rows were landed but before its record: the
    # previous landing stays what dbt sees, and the next run lands and judges the file.
    write_csv(ktp_env.raw_dir / S1 / "6503_extract.csv", people("6503", 9, start_serial=201))
    killed = _pipeline_process(ktp_env, fault="landing_before_record")
    assert killed.returncode == EXIT_CODE
    outcome = _run(ktp_env)
    assert outcome.ok, outcome.problems
    assert outcome.files_loaded == 1
    assert query(ktp_env, "select rows_read from ingest.files where regency_code = '65.03'") == [(9,)]
    assert len(list(ktp_env.landing_dir.glob("snapshot_date=2026-*/regency_code=65.03/rows-*.parquet"))) == 1

    fresh = _fresh(tmp_path, ktp_env.raw_dir)
    marts = _marts(ktp_env)
    fresh_env(fresh)
    assert _run(fresh).ok
    assert _marts(fresh) == marts


def test_a_build_stopped_after_judging_is_finished_by_the_next(ktp_env, tmp_path, fresh_env):
    """Only the first model of the chain ran (as when dbt dies after it): the next build rebuilds the
    deduplication, bookkeeping and marts of the snapshot it changed."""
    from tests.support.marts import run_dbt

    _write_snapshot(ktp_env.raw_dir, S1)
    assert _run(ktp_env).ok
    write_csv(ktp_env.raw_dir / S1 / "6502_extract.csv", people("6502", 4, start_serial=101))
    land_all(ktp_env.landing_dir, scan(ktp_env.raw_dir))
    result = run_dbt(["run", "--select", "int_ingest__judged_rows"], ktp_env.warehouse, tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    assert query(ktp_env, "select count(*) from ingest.judged_rows where regency_code = '65.02'") == [(4,)]
    assert query(ktp_env, "select rows_read from ingest.files where regency_code = '65.02'") == [
        (6,)
    ]  # stale

    outcome = _run(ktp_env)
    assert outcome.ok, outcome.problems
    assert query(ktp_env, "select rows_read from ingest.files where regency_code = '65.02'") == [(4,)]
    fresh = _fresh(tmp_path, ktp_env.raw_dir)
    marts = _marts(ktp_env)
    fresh_env(fresh)
    assert _run(fresh).ok
    assert _marts(fresh) == marts


_LAND = """
import sys
from pathlib import Path
from pipelines.ingest.discovery import scan
from pipelines.ingest.landing import land_work, plan
raw, landing, part = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
work, _ = plan(scan(raw))
for item in work[part::2]:
    print(land_work(landing, item).status)
"""


def test_files_land_in_parallel_processes_while_a_writer_holds_the_warehouse(ktp_env):
    _write_snapshot(ktp_env.raw_dir, S1, n=2000)
    _write_snapshot(ktp_env.raw_dir, S2, n=2000)
    ktp_env.warehouse.parent.mkdir(parents=True)
    holder = duckdb.connect(str(ktp_env.warehouse))  # DuckDB's one writer: landing must not need it
    try:
        holder.execute("create table held (x int)")
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
        args = [str(ktp_env.raw_dir), str(ktp_env.landing_dir)]
        started = time.perf_counter()
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", _LAND, *args, str(i)], env=env, stdout=subprocess.PIPE, text=True
            )
            for i in (0, 1)
        ]
        outputs = [p.communicate(timeout=300)[0].split() for p in procs]
        elapsed = time.perf_counter() - started
    finally:
        holder.close()
    assert [p.returncode for p in procs] == [0, 0]
    assert sorted(outputs[0] + outputs[1]) == ["landed"] * 10
    assert elapsed > 0
    # Both processes wrote into one landing folder at once; what dbt then judges is complete and right.
    outcome = _run(ktp_env, publish=False)
    assert (outcome.files_loaded, outcome.files_unchanged) == (0, 10)
    assert query(ktp_env, "select count(*), sum(rows_read), sum(rows_rejected) from ingest.files") == [
        (10, 20000, 0)
    ]


def _tamper_record(settings: Settings, snapshot: str, regency: str, **changes) -> None:
    """Rewrite one landing record as a buggy lander would (a later landing time: dbt sees a change)."""
    from datetime import UTC, datetime

    import pyarrow as pa

    from pipelines.ingest.landing import FILE_RECORD, FILE_SCHEMA, _atomic_write, partition_dir, read_record

    path = partition_dir(settings.landing_dir, snapshot, regency) / FILE_RECORD
    record = read_record(path) | changes | {"landed_at": datetime.now(UTC).replace(tzinfo=None)}
    _atomic_write(pa.Table.from_pylist([record], schema=FILE_SCHEMA), path)


def test_tests_look_at_what_changed_and_a_failed_test_runs_again_until_it_passes(ktp_env):
    from pipelines.dbt_state import tested_until

    _write_snapshot(ktp_env.raw_dir, S1)
    _write_snapshot(ktp_env.raw_dir, S2)
    assert _run(ktp_env).ok
    assert tested_until(ktp_env)  # a green build: later builds test only what they rebuild
    compiled = ktp_env.dbt_target_dir / "run" / "ktp_warehouse" / "models" / "intermediate" / "ingest"
    test_sql = compiled / "int_ingest__judged_rows.yml" / "expressions_are_true_int_ingest__files.sql"

    # A landing record that claims one row more than its Parquet file holds: the accounting test of
    # ingest.files fails, and the publication is blocked.
    _tamper_record(ktp_env, S2, "65.03", rows_landed=7)
    first = _run(ktp_env)
    assert not first.published
    assert any("expressions_are_true_int_ingest__files" in p.what for p in first.problems), first.problems
    assert "built.built_at >" in test_sql.read_text()  # it tested the rebuilt snapshot only
    assert tested_until(ktp_env) == ""

    # Nothing changed since: the failed test is not skipped as "already tested", it fails again.
    again = _run(ktp_env)
    assert not again.published
    assert any("expressions_are_true_int_ingest__files" in p.what for p in again.problems)
    assert "built.built_at >" not in test_sql.read_text()  # everything was tested

    # Landed again correctly: green, published.
    _tamper_record(ktp_env, S2, "65.03", rows_landed=6)
    fixed = _run(ktp_env)
    assert fixed.ok, fixed.problems
    assert tested_until(ktp_env)
