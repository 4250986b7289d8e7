"""Picking up new and changed extracts while `make dev` runs."""

import json

import dagster as dg

from pipelines.assets.ingestion import regency_extract, snapshot_partitions, snapshot_registry
from pipelines.ingest.discovery import scan
from pipelines.jobs import audit_reports_job, build_and_publish_job
from pipelines.resources import KtpSettings


@dg.sensor(
    name="new_extracts",
    asset_selection=[regency_extract],
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Adds snapshot partitions and loads every extract file that is new or changed.",
)
def new_extracts(context: dg.SensorEvaluationContext, ktp: KtpSettings) -> dg.SensorResult:
    settings = ktp.resolve()
    inventory = scan(settings.raw_dir)
    # size + mtime is a cheap change signal; the asset itself compares sha256 and skips true repeats.
    seen: dict[str, list[int]] = json.loads(context.cursor) if context.cursor else {}
    current: dict[str, list[int]] = {}
    requests = []
    for extract in inventory.extracts:
        stat = extract.path.stat()
        signature = [stat.st_size, stat.st_mtime_ns]
        current[extract.source_file] = signature
        if seen.get(extract.source_file) != signature:
            requests.append(
                dg.RunRequest(
                    run_key=f"{extract.source_file}:{signature[0]}:{signature[1]}",
                    partition_key=extract.partition_key,
                    asset_selection=[regency_extract.key],
                )
            )
    existing = set(context.instance.get_dynamic_partitions(snapshot_partitions.name))
    new_snapshots = [s for s in inventory.snapshots if s not in existing]
    return dg.SensorResult(
        run_requests=requests,
        dynamic_partitions_requests=[snapshot_partitions.build_add_request(new_snapshots)]
        if new_snapshots
        else [],
        cursor=json.dumps(current, sort_keys=True),
    )


@dg.asset_sensor(
    asset_key=snapshot_registry.key,
    jobs=[build_and_publish_job, audit_reports_job],
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="After a snapshot is resolved, rebuilds every mart, checks them, publishes, writes reports.",
)
def rebuild_after_snapshot(context: dg.SensorEvaluationContext, asset_event: dg.EventLogEntry):
    # The whole dbt build, not a subset: seeds, models and every test belong together, and the
    # publication needs all marts of all snapshots. Runs queue one at a time (dagster.yaml).
    key = f"{asset_event.run_id}:{asset_event.timestamp}"
    yield dg.RunRequest(run_key=f"build:{key}", job_name=build_and_publish_job.name)
    yield dg.RunRequest(run_key=f"reports:{key}", job_name=audit_reports_job.name)
