"""The sensors that pick up new and changed extracts while `make dev` runs: they ask for the same build
`make run` launches, which lands what changed itself."""

from __future__ import annotations

import os

import dagster as dg

from pipelines.definitions import defs
from pipelines.defs.ingest.sensors import new_extracts
from pipelines.lib.ingest.discovery import scan
from pipelines.lib.ingest.landing import forget_missing, land_all
from tests.support.extracts import people, write_csv


def _evaluate(instance, cursor=None):
    with dg.build_sensor_context(
        instance=instance, cursor=cursor, resources={"ktp": defs.resources["ktp"]}
    ) as ctx:
        return new_extracts(ctx)


BUILD = [("build_and_publish", None), ("write_audit_reports", None)]


def _asked(result) -> list[tuple[str, str | None]]:
    return [(r.job_name, r.partition_key) for r in result.run_requests]


def test_new_files_request_the_build_and_add_the_snapshot(ktp_env):
    write_csv(ktp_env.raw_dir / "2026-03-31" / "6501_bulungan.csv", people("6501", 3))
    write_csv(ktp_env.raw_dir / "2026-03-31" / "6571_tarakan.csv", people("6571", 3))
    with dg.instance_for_test() as instance:
        first = _evaluate(instance)
        assert _asked(first) == BUILD
        assert [r.partitions_def_name for r in first.dynamic_partitions_requests] == ["snapshots"]
        assert list(first.dynamic_partitions_requests[0].partition_keys) == ["2026-03-31"]

        # Nothing new: no runs. The snapshot is known once the request has been applied.
        instance.add_dynamic_partitions("snapshots", ["2026-03-31"])
        second = _evaluate(instance, first.cursor)
        assert second.run_requests == [] and second.dynamic_partitions_requests == []

        # One file changes, a new snapshot arrives: one build again, which lands both.
        changed = ktp_env.raw_dir / "2026-03-31" / "6571_tarakan.csv"
        write_csv(changed, people("6571", 4))
        os.utime(changed, ns=(1, 2_000_000_000_000_000_000))
        write_csv(ktp_env.raw_dir / "2026-04-30" / "6502_malinau.csv", people("6502", 2))
        third = _evaluate(instance, second.cursor)
        assert _asked(third) == BUILD
        assert list(third.dynamic_partitions_requests[0].partition_keys) == ["2026-04-30"]
        # run keys make a repeated evaluation with the old cursor idempotent, and differ from the first's
        assert [r.run_key for r in _evaluate(instance, second.cursor).run_requests] == [
            r.run_key for r in third.run_requests
        ]
        assert {r.run_key for r in third.run_requests}.isdisjoint(r.run_key for r in first.run_requests)


def test_a_file_relanded_from_the_ui_requests_the_build_then_the_reports(ktp_env):
    from pipelines.defs.ingest.sensors import rebuild_after_landing

    write_csv(ktp_env.raw_dir / "2026-03-31" / "6501_bulungan.csv", people("6501", 3))
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("snapshots", ["2026-03-31"])
        landing = defs.resolve_job_def("land_extract").execute_in_process(
            instance=instance,
            partition_key="6501 Bulungan|2026-03-31",
            resources={"ktp": defs.resources["ktp"]},
        )
        assert landing.success
        with dg.build_sensor_context(instance=instance, definitions=defs) as ctx:
            requests = rebuild_after_landing.evaluate_tick(ctx).run_requests
    assert [r.job_name for r in requests] == ["build_and_publish", "write_audit_reports"]


def test_a_landing_made_by_a_build_asks_for_no_other_build(ktp_env):
    from pipelines.defs.ingest.sensors import rebuild_after_landing

    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("snapshots", ["2026-03-31"])
        # a landing no land_extract run made (a build's, or one reported from outside)
        instance.report_runless_asset_event(
            dg.AssetMaterialization(asset_key="regency_extract", partition="6501 Bulungan|2026-03-31")
        )
        with dg.build_sensor_context(instance=instance, definitions=defs) as ctx:
            assert rebuild_after_landing.evaluate_tick(ctx).run_requests == []


def test_a_removed_file_requests_a_build_so_that_its_rows_leave(ktp_env):
    write_csv(ktp_env.raw_dir / "2026-03-31" / "6501_bulungan.csv", people("6501", 3))
    gone = write_csv(ktp_env.raw_dir / "2026-03-31" / "6571_tarakan.csv", people("6571", 3))
    land_all(ktp_env.landing_dir, scan(ktp_env.raw_dir))
    never_landed = write_csv(ktp_env.raw_dir / "2026-03-31" / "6502_malinau.csv", people("6502", 3))
    with dg.instance_for_test() as instance:
        first = _evaluate(instance)
        assert _asked(first) == BUILD  # for the one never landed
        gone.unlink()
        never_landed.unlink()
        second = _evaluate(instance, first.cursor)
        assert _asked(second) == BUILD
        # Once the build has dropped the landed one, nothing is left to remove; a file that left before
        # it landed never needed a build.
        forget_missing(ktp_env.landing_dir, scan(ktp_env.raw_dir))
        assert _evaluate(instance, second.cursor).run_requests == []


def test_files_landed_before_the_instance_existed_start_nothing(ktp_env):
    write_csv(ktp_env.raw_dir / "2026-03-31" / "6501_bulungan.csv", people("6501", 3))
    write_csv(ktp_env.raw_dir / "2026-03-31" / "6571_tarakan.csv", people("6571", 3))
    land_all(ktp_env.landing_dir, scan(ktp_env.raw_dir))
    with dg.instance_for_test() as elsewhere:
        # An earlier session's cursor, which knows the files as they are, changes nothing.
        cursor = _evaluate(elsewhere).cursor
    with dg.instance_for_test() as instance:
        first = _evaluate(instance, cursor)
        assert first.run_requests == [] and _evaluate(instance).run_requests == []
