"""A run that stopped half-way is finished by the next one, and files land in parallel.

Real process deaths (KTP_FAULT_INJECT makes the process exit at a named point, as a kill would), a dbt
build that ran only its first model, and landing processes running side by side while another process
holds DuckDB's one writer lock on the warehouse.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import duckdb

from pipelines.lib.faults import EXIT_CODE
from pipelines.lib.ingest.discovery import scan
from pipelines.lib.ingest.landing import land_all
from pipelines.lib.settings import REPO_ROOT, Settings
from tests.support.extracts import people, write_csv
from tests.support.incremental import (
    S1,
    S2,
    fresh_deployment,
    fresh_env,
    mart_rows,
    process_env,
    run,
    write_snapshot,
)
from tests.support.judging import query

__all__ = ["fresh_env"]  # a fixture, used by name


def _pipeline_process(settings: Settings, fault: str | None = None) -> subprocess.CompletedProcess:
    env = process_env(settings, **({"KTP_FAULT_INJECT": fault} if fault else {}))
    return subprocess.run(
        [sys.executable, "-m", "pipelines", "run"], env=env, capture_output=True, text=True, timeout=600
    )


def test_a_run_killed_between_landing_and_judging_is_finished_by_the_next(ktp_env, tmp_path, fresh_env):
    write_snapshot(ktp_env.raw_dir, S1)
    killed = _pipeline_process(ktp_env, fault="after_landing")
    assert killed.returncode == EXIT_CODE, killed.stdout[-2000:] + killed.stderr[-2000:]
    # What the killed run left says it did not finish, not what the run before it did.
    summary = json.loads((ktp_env.reports_dir / "last_run.json").read_text(encoding="utf-8"))
    assert summary["ok"] is False and summary["finished_at"] == ""
    assert [p["message"] for p in summary["problems"]] == [
        "did not finish: the process stopped before saying how the run ended (see last_run.log)"
    ]
    log = (ktp_env.reports_dir / "last_run.log").read_text(encoding="utf-8")
    assert "run started (pid " in log.splitlines()[0]
    assert len(list(ktp_env.landing_dir.glob("snapshot_date=2026-*/regency_code=*/file.parquet"))) == 5
    assert not ktp_env.warehouse.exists()  # nothing was judged

    # The next run finds nothing to land, judges everything, and publishes.
    outcome = run(ktp_env)
    assert outcome.ok, outcome.problems
    assert (outcome.files_loaded, outcome.files_unchanged) == (0, 5)
    assert query(ktp_env, "select count(*), sum(rows_read) from ingest.files") == [(5, 30)]

    # Killed again, this time after a changed file's rows were landed but before its record: the
    # previous landing stays what dbt sees, and the next run lands and judges the file.
    write_csv(ktp_env.raw_dir / S1 / "6503_extract.csv", people("6503", 9, start_serial=201))
    killed = _pipeline_process(ktp_env, fault="landing_before_record")
    assert killed.returncode == EXIT_CODE
    # The run before it published; the summary now says this one did not finish.
    assert json.loads((ktp_env.reports_dir / "last_run.json").read_text(encoding="utf-8"))["ok"] is False
    outcome = run(ktp_env)
    assert outcome.ok, outcome.problems
    assert outcome.files_loaded == 1
    assert query(ktp_env, "select rows_read from ingest.files where regency_code = '65.03'") == [(9,)]
    assert len(list(ktp_env.landing_dir.glob("snapshot_date=2026-*/regency_code=65.03/rows-*.parquet"))) == 1

    fresh = fresh_deployment(tmp_path, ktp_env.raw_dir)
    marts = mart_rows(ktp_env)
    fresh_env(fresh)
    assert run(fresh).ok
    assert mart_rows(fresh) == marts


def test_a_build_stopped_after_judging_is_finished_by_the_next(ktp_env, tmp_path, fresh_env):
    """Only the first model of the chain ran (as when dbt dies after it): the next build rebuilds the
    deduplication, bookkeeping and marts of the snapshot it changed."""
    from tests.support.marts import run_dbt

    write_snapshot(ktp_env.raw_dir, S1)
    assert run(ktp_env).ok
    write_csv(ktp_env.raw_dir / S1 / "6502_extract.csv", people("6502", 4, start_serial=101))
    land_all(ktp_env.landing_dir, scan(ktp_env.raw_dir))
    result = run_dbt(["run", "--select", "int_ingest__judged_rows"], ktp_env.warehouse, tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    assert query(ktp_env, "select count(*) from ingest.judged_rows where regency_code = '65.02'") == [(4,)]
    assert query(ktp_env, "select rows_read from ingest.files where regency_code = '65.02'") == [
        (6,)
    ]  # stale

    outcome = run(ktp_env)
    assert outcome.ok, outcome.problems
    assert query(ktp_env, "select rows_read from ingest.files where regency_code = '65.02'") == [(4,)]
    fresh = fresh_deployment(tmp_path, ktp_env.raw_dir)
    marts = mart_rows(ktp_env)
    fresh_env(fresh)
    assert run(fresh).ok
    assert mart_rows(fresh) == marts


_LAND = """
import sys
from pathlib import Path
from pipelines.lib.ingest.discovery import scan
from pipelines.lib.ingest.landing import land_work, plan
raw, landing, part = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
work, _ = plan(scan(raw))
for item in work[part::2]:
    print(land_work(landing, item).status)
"""


def test_files_land_in_parallel_processes_while_a_writer_holds_the_warehouse(ktp_env):
    write_snapshot(ktp_env.raw_dir, S1, n=2000)
    write_snapshot(ktp_env.raw_dir, S2, n=2000)
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
    outcome = run(ktp_env, publish=False)
    assert (outcome.files_loaded, outcome.files_unchanged) == (0, 10)
    assert query(ktp_env, "select count(*), sum(rows_read), sum(rows_rejected) from ingest.files") == [
        (10, 20000, 0)
    ]


def _with_rejects(regency4: str, n: int, rejected: int) -> list[dict[str, str]]:
    rows = people(regency4, n, start_serial=1)
    for row in rows[:rejected]:
        row["JENIS_KLMIN"] = "X"  # not a sex code: the row is quarantined
    return rows


def _listed_rows(settings: Settings) -> int:
    listings = (settings.reports_dir / "quarantine").glob("*/*.csv")
    return sum(len(p.read_text(encoding="utf-8").splitlines()) - 1 for p in listings)


def _published_rejects(settings: Settings) -> int:
    summary = settings.publish_dir / "ingest_summary.parquet"
    return duckdb.sql(f"select sum(rows_rejected)::int from read_parquet('{summary}')").fetchone()[0]


def test_reports_left_behind_by_a_run_killed_after_the_swap_are_rewritten_by_the_next(ktp_env):
    """Killed once the new release is swapped in but before any audit report is written: the next run
    must not call that 'nothing changed', and its listings must show what is published."""
    write_snapshot(ktp_env.raw_dir, S1, n=40)
    extract = ktp_env.raw_dir / S1 / "6501_extract.csv"
    write_csv(extract, _with_rejects("6501", 40, 1))
    assert run(ktp_env).ok
    assert _listed_rows(ktp_env) == _published_rejects(ktp_env) == 1
    assert run(ktp_env).up_to_date

    write_csv(extract, _with_rejects("6501", 40, 2))  # 5 %: still within the gate
    killed = _pipeline_process(ktp_env, fault="before_reports")
    assert killed.returncode == EXIT_CODE, killed.stdout[-2000:] + killed.stderr[-2000:]
    # Published, reports not: the listings lag the publication, as in the issue (1 listed, 2 published).
    assert _published_rejects(ktp_env) == 2
    assert _listed_rows(ktp_env) == 1

    outcome = run(ktp_env)
    assert outcome.ok, outcome.problems
    assert not outcome.up_to_date
    assert _listed_rows(ktp_env) == _published_rejects(ktp_env) == 2
    manifest = json.loads((ktp_env.publish_dir / "manifest.json").read_text(encoding="utf-8"))
    stamp = json.loads((ktp_env.reports_dir / "reports.made_from.json").read_text(encoding="utf-8"))
    assert stamp["release"] == manifest["release"] == outcome.release
    assert stamp["inputs_fingerprint"] == manifest["validation"]["inputs_fingerprint"]
    last_run = json.loads((ktp_env.reports_dir / "last_run.json").read_text(encoding="utf-8"))
    assert last_run["release"] == manifest["release"]
    # Now they belong together, and a run with nothing changed is again one that does nothing.
    assert run(ktp_env).up_to_date

    # A blocked run (12.5 % rejected): its reports are the auditors' view of the warehouse, stamped as
    # belonging to no publication; its console says what failed in lines of their own, the stack
    # traces of the failed steps are in the run's log only.
    write_csv(extract, _with_rejects("6501", 40, 5))
    blocked = _pipeline_process(ktp_env)
    assert blocked.returncode == 1
    assert "FAILED" in blocked.stdout and "reject_rate_within_limit" in blocked.stdout
    for stream in (blocked.stdout, blocked.stderr):
        assert "Stack Trace" not in stream and "Traceback" not in stream
    log = (ktp_env.reports_dir / "last_run.log").read_text(encoding="utf-8")
    assert "Stack Trace" in log and f"run log: {ktp_env.reports_dir / 'last_run.log'}" in blocked.stdout
    # Each failure said once, as a person would say it; Dagster's own error lines are in the log only.
    assert blocked.stderr.strip().splitlines() == [
        "NOT PUBLISHED: the previous publication (if any) is unchanged"
    ]
    (line,) = [line for line in blocked.stdout.splitlines() if "gx_ingested_file" in line]
    assert line.endswith(
        "reject_rate_within_limit: reject rate 12.5 % > 5 % (6501 Bulungan, 2026-03-31: 5 of 40 rows)"
    ), line
    stamp = json.loads((ktp_env.reports_dir / "reports.made_from.json").read_text(encoding="utf-8"))
    assert stamp["release"] is None and _listed_rows(ktp_env) == 5 and _published_rejects(ktp_env) == 2
