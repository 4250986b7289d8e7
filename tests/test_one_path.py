"""`make run` and `make dev` share one path: the headless run executes the jobs a person launches from the
UI, on DAGSTER_HOME's instance, so the runs, their landings, marts and checks are there as they happen,
and the sensors' first evaluation on that instance asks for no work when nothing changed.

One headless run of a small generated snapshot, with DAGSTER_HOME pointing at a folder of the test's
own, watched while it runs from a second instance object opened on that folder, as `make dev` would.
"""

from __future__ import annotations

import os
import shutil
import threading
import time

import dagster as dg
import pytest

from pipelines.definitions import defs
from pipelines.defs.ingest.sensors import new_extracts, rebuild_after_landing
from pipelines.lib.ingest.discovery import partition_key, scan
from pipelines.lib.ingest.landing import land_all
from pipelines.lib.publish.marts import PUBLISHED_MARTS
from pipelines.lib.runs.headless import LAUNCHED_BY, dagster_instance, run_pipeline
from pipelines.lib.settings import REPO_ROOT
from tests.support.extracts import people, write_csv
from tests.support.incremental import REGENCIES, S1, write_snapshot
from tests.support.judging import deployment

PARTITIONS = sorted(partition_key(S1, code) for code in REGENCIES)  # "6501 Bulungan|2026-03-31"


def _watch(home, seen: dict, done: threading.Event) -> None:
    """What `make dev` would see while the run works: a build started, its steps' events arriving."""
    with dg.DagsterInstance.from_config(str(home)) as instance:
        while not done.is_set():
            for record in instance.get_run_records(dg.RunsFilter(job_name="build_and_publish")):
                run = record.dagster_run
                if run.status == dg.DagsterRunStatus.STARTED:
                    steps = instance.get_records_for_run(
                        run.run_id, of_type=dg.DagsterEventType.STEP_SUCCESS
                    ).records
                    seen["started"] = True
                    seen["steps_done"] = max(seen.get("steps_done", 0), len(steps))
            time.sleep(0.2)


@pytest.fixture(scope="module")
def headless(tmp_path_factory):
    root = tmp_path_factory.mktemp("one_path")
    home = root / "dagster_home"
    home.mkdir()
    shutil.copy(REPO_ROOT / "dagster.yaml", home / "dagster.yaml")
    with deployment(root) as settings, pytest.MonkeyPatch.context() as mp:
        write_snapshot(settings.raw_dir, S1)
        mp.setenv("DAGSTER_HOME", str(home))
        with dg.DagsterInstance.from_config(str(home)):
            pass  # its storage made once, before two readers race to make it
        seen: dict = {}
        done = threading.Event()
        watcher = threading.Thread(target=_watch, args=(home, seen, done), daemon=True)
        watcher.start()
        try:
            with dagster_instance() as instance:
                outcome = run_pipeline(settings, instance)
        finally:
            done.set()
            watcher.join()
        assert outcome.ok, outcome.problems
        yield {"settings": settings, "home": home, "outcome": outcome, "seen": seen}


def _instance(headless) -> dg.DagsterInstance:
    return dg.DagsterInstance.from_config(str(headless["home"]))


def test_a_running_build_is_seen_from_another_instance_object_step_by_step(headless):
    assert headless["seen"].get("started"), "the build was never seen running"
    assert headless["seen"]["steps_done"] >= 1


def test_the_headless_runs_are_in_dagster_home_with_their_times_and_status(headless):
    with _instance(headless) as instance:
        records = instance.get_run_records()
        runs = {r.dagster_run.job_name: r for r in records}
        assert sorted(runs) == ["build_and_publish", "write_audit_reports"]
        assert {r.dagster_run.run_id for r in records} == set(headless["outcome"].run_ids)
        for record in records:
            assert record.dagster_run.status == dg.DagsterRunStatus.SUCCESS
            assert LAUNCHED_BY.items() <= record.dagster_run.tags.items()
            assert record.start_time is not None and record.end_time >= record.start_time
        build = runs["build_and_publish"].dagster_run
        # The UI draws a run from its job and plan snapshots and lists its steps from its events.
        assert instance.get_job_snapshot(build.job_snapshot_id).name == "build_and_publish"
        stats = instance.get_run_stats(build.run_id)
        assert stats.steps_succeeded > 0 and stats.steps_failed == 0
        assert stats.materializations >= len(PUBLISHED_MARTS)


def test_each_landing_is_its_partitions_materialization_in_the_build_that_landed_it(headless):
    with _instance(headless) as instance:
        assert instance.get_dynamic_partitions("snapshots") == [S1]
        landed = instance.get_materialized_partitions(dg.AssetKey("regency_extract"))
        assert sorted(landed) == PARTITIONS
        build = instance.get_runs(filters=dg.RunsFilter(job_name="build_and_publish"))[0]
        events = instance.fetch_materializations(dg.AssetKey("regency_extract"), limit=100).records
        assert sorted(e.partition_key for e in events) == PARTITIONS
        assert {e.run_id for e in events} == {build.run_id}  # a run, a job: not "Run None"
        for mart in PUBLISHED_MARTS:
            latest = instance.get_latest_materialization_event(dg.AssetKey(["marts", mart]))
            assert latest is not None and latest.run_id == build.run_id, mart
        evaluations = [
            e.dagster_event.event_specific_data
            for e in instance.all_logs(build.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
        ]
        assert len(evaluations) > 20  # the GX suites, the PII scan and every dbt test
        keys = {e.asset_check_key for e in evaluations}
        assert {dg.AssetCheckKey(dg.AssetKey(["marts", m]), "gx_marts") for m in PUBLISHED_MARTS} <= keys
        for evaluation in evaluations:
            (latest,) = instance.event_log_storage.get_asset_check_execution_history(
                evaluation.asset_check_key, limit=1
            )
            expected = "SUCCEEDED" if evaluation.passed else "FAILED"
            assert (latest.run_id, latest.status.value) == (build.run_id, expected)


def _evaluate_new_extracts(instance, cursor=None) -> dg.SensorResult:
    with dg.build_sensor_context(
        instance=instance, cursor=cursor, resources={"ktp": defs.resources["ktp"]}
    ) as ctx:
        return new_extracts(ctx)


def test_the_sensors_first_evaluation_requests_nothing_then_the_build_for_a_changed_file(headless):
    settings = headless["settings"]
    with _instance(headless) as instance:
        first = _evaluate_new_extracts(instance)
        assert first.run_requests == [] and first.dynamic_partitions_requests == []
        # The headless run's own landings were built by its own build: no build again.
        with dg.build_sensor_context(instance=instance, definitions=defs) as ctx:
            assert rebuild_after_landing.evaluate_tick(ctx).run_requests == []

        # A `make dev` session's cursor from before a headless run landed a change asks for nothing.
        landed_meanwhile = settings.raw_dir / S1 / "6503_extract.csv"
        write_csv(landed_meanwhile, people("6503", 7, start_serial=201))
        os.utime(landed_meanwhile, ns=(1, 1_900_000_000_000_000_000))
        land_all(settings.landing_dir, scan(settings.raw_dir))
        assert _evaluate_new_extracts(instance, first.cursor).run_requests == []

        changed = settings.raw_dir / S1 / "6502_extract.csv"
        write_csv(changed, people("6502", 5, start_serial=101))
        os.utime(changed, ns=(1, 2_000_000_000_000_000_000))
        for cursor in (first.cursor, None):  # a running session, and a fresh start
            requests = _evaluate_new_extracts(instance, cursor).run_requests
            assert [r.job_name for r in requests] == ["build_and_publish", "write_audit_reports"]
