"""The sensor that picks up new and changed extracts while `make dev` runs."""

from __future__ import annotations

import os

import dagster as dg

from pipelines.definitions import defs
from pipelines.defs.sensors import new_extracts
from pipelines.lib.ingest.discovery import scan
from pipelines.lib.ingest.landing import forget_missing, land_all
from tests.support.extracts import people, write_csv


def _evaluate(instance, cursor=None):
    with dg.build_sensor_context(
        instance=instance, cursor=cursor, resources={"ktp": defs.resources["ktp"]}
    ) as ctx:
        return new_extracts(ctx)


def test_new_files_request_their_partition_and_add_the_snapshot(ktp_env):
    write_csv(ktp_env.raw_dir / "2026-03-31" / "6501_bulungan.csv", people("6501", 3))
    write_csv(ktp_env.raw_dir / "2026-03-31" / "6571_tarakan.csv", people("6571", 3))
    with dg.instance_for_test() as instance:
        first = _evaluate(instance)
        assert sorted(r.partition_key for r in first.run_requests) == ["6501|2026-03-31", "6571|2026-03-31"]
        assert [r.partitions_def_name for r in first.dynamic_partitions_requests] == ["snapshots"]
        assert list(first.dynamic_partitions_requests[0].partition_keys) == ["2026-03-31"]

        # Nothing new: no runs. The snapshot is known once the request has been applied.
        instance.add_dynamic_partitions("snapshots", ["2026-03-31"])
        second = _evaluate(instance, first.cursor)
        assert second.run_requests == [] and second.dynamic_partitions_requests == []

        # One file changes, a new snapshot arrives: exactly those are requested.
        changed = ktp_env.raw_dir / "2026-03-31" / "6571_tarakan.csv"
        write_csv(changed, people("6571", 4))
        os.utime(changed, ns=(1, 2_000_000_000_000_000_000))
        write_csv(ktp_env.raw_dir / "2026-04-30" / "6502_malinau.csv", people("6502", 2))
        third = _evaluate(instance, second.cursor)
        assert sorted(r.partition_key for r in third.run_requests) == ["6502|2026-04-30", "6571|2026-03-31"]
        assert list(third.dynamic_partitions_requests[0].partition_keys) == ["2026-04-30"]
        # run keys make a repeated evaluation with the old cursor idempotent
        assert len({r.run_key for r in third.run_requests}) == 2


def test_a_landed_file_requests_the_build_then_the_reports(ktp_env):
    from pipelines.defs.sensors import rebuild_after_landing

    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("snapshots", ["2026-03-31"])
        instance.report_runless_asset_event(
            dg.AssetMaterialization(asset_key="regency_extract", partition="6501|2026-03-31")
        )
        with dg.build_sensor_context(instance=instance, definitions=defs) as ctx:
            requests = rebuild_after_landing.evaluate_tick(ctx).run_requests
    assert [r.job_name for r in requests] == ["build_and_publish", "write_audit_reports"]


def test_a_removed_file_requests_a_build_so_that_its_rows_leave(ktp_env):
    write_csv(ktp_env.raw_dir / "2026-03-31" / "6501_bulungan.csv", people("6501", 3))
    gone = write_csv(ktp_env.raw_dir / "2026-03-31" / "6571_tarakan.csv", people("6571", 3))
    land_all(ktp_env.landing_dir, scan(ktp_env.raw_dir))
    never_landed = write_csv(ktp_env.raw_dir / "2026-03-31" / "6502_malinau.csv", people("6502", 3))
    with dg.instance_for_test() as instance:
        first = _evaluate(instance)
        assert [r.partition_key for r in first.run_requests] == ["6502|2026-03-31"]
        gone.unlink()
        never_landed.unlink()
        second = _evaluate(instance, first.cursor)
        assert [(r.job_name, r.partition_key) for r in second.run_requests] == [("build_and_publish", None)]
        # Once the build has dropped the landed one, nothing is left to remove; a file that left before
        # it landed never needed a build.
        forget_missing(ktp_env.landing_dir, scan(ktp_env.raw_dir))
        assert _evaluate(instance, second.cursor).run_requests == []


def test_files_landed_before_the_instance_existed_are_shown_landed_and_nothing_runs(ktp_env):
    from pipelines.defs.sensors import rebuild_after_landing

    write_csv(ktp_env.raw_dir / "2026-03-31" / "6501_bulungan.csv", people("6501", 3))
    write_csv(ktp_env.raw_dir / "2026-03-31" / "6571_tarakan.csv", people("6571", 3))
    land_all(ktp_env.landing_dir, scan(ktp_env.raw_dir))
    with dg.instance_for_test() as elsewhere:
        # An earlier session's cursor, which knows the files as they are, changes nothing.
        cursor = _evaluate(elsewhere).cursor
    with dg.instance_for_test() as instance:
        first = _evaluate(instance, cursor)
        assert first.run_requests == [] and _evaluate(instance).run_requests == []
        shown = {e.partition: e for e in first.asset_events}
        assert sorted(shown) == ["6501|2026-03-31", "6571|2026-03-31"]
        assert shown["6571|2026-03-31"].metadata["source_file"].value == "2026-03-31/6571_tarakan.csv"
        # What the daemon does with them; they ask for no build: what landed before needs none.
        for event in first.asset_events:
            instance.report_runless_asset_event(event)
        with dg.build_sensor_context(instance=instance, definitions=defs) as ctx:
            assert rebuild_after_landing.evaluate_tick(ctx).run_requests == []
        # Shown once: a later start finds them in the instance.
        assert _evaluate(instance).asset_events == []
