"""Picking up new, changed and removed extracts while `make dev` runs."""

import hashlib
import json
from datetime import UTC, datetime

import dagster as dg
from dagster._core.definitions.data_version import DATA_VERSION_TAG

from pipelines.defs.ingest.assets import regency_extract, snapshot_partitions
from pipelines.defs.jobs import audit_reports_job, build_and_publish_job, land_extract_job
from pipelines.defs.resources import KtpSettings
from pipelines.lib.ingest.discovery import scan
from pipelines.lib.ingest.landed import landed_partitions, landed_record, landed_version, record_metadata
from pipelines.lib.ingest.landing import plan

# Marks a landing shown from its record (new_extracts), which needs no build of its own.
FROM_LANDING_RECORD = "ktp/from_landing_record"


@dg.sensor(
    name="new_extracts",
    minimum_interval_seconds=30,
    jobs=[land_extract_job, build_and_publish_job],
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Adds snapshot partitions and lands every extract file that is new or changed since it last "
        "landed (files land in parallel); when landed files left the raw directory, rebuilds so that "
        "their rows leave the warehouse."
    ),
)
def new_extracts(context: dg.SensorEvaluationContext, ktp: KtpSettings) -> dg.SensorResult:
    settings = ktp.resolve()
    inventory = scan(settings.raw_dir)
    work, _ = plan(inventory)
    # size + mtime of every candidate file is a cheap change signal; landing compares sha256 itself.
    seen: dict[str, list[int]] = json.loads(context.cursor) if context.cursor else {}
    # What landed is known from the landing records, whoever landed it (`make run`, an earlier
    # session): a new instance's empty cursor, or one from before a headless run, lands nothing again.
    landed = landed_partitions(settings.landing_dir)
    # One query a tick: a landing this instance has never seen (landed before it existed, or before
    # its folder was deleted) is shown from its record, and nothing lands again.
    materialized = set(context.instance.get_materialized_partitions(regency_extract.key))
    current: dict[str, list[int]] = {}
    requests = []
    shown: list[dg.AssetMaterialization] = []
    for item in work:
        paths = [item.extract.path] if item.extract else [p.path for p in item.problems]
        signature = [v for p in paths for v in (p.stat().st_size, p.stat().st_mtime_ns)]
        current[item.partition_key] = signature
        known = seen.get(item.partition_key) == signature
        if known and item.partition_key in materialized:
            continue  # steady ticks open no landing record
        source_file = item.extract.source_file if item.extract else item.problems[0].source_file
        record = landed_record(landed.get(item.partition_key))
        is_landed = landed_version(record) == (source_file, *signature)
        if not known and not is_landed:
            requests.append(
                dg.RunRequest(
                    run_key=f"{item.partition_key}:{':'.join(map(str, signature))}",
                    partition_key=item.partition_key,
                    job_name=land_extract_job.name,
                )
            )
        elif is_landed and item.partition_key not in materialized and record["error"] is None:
            shown.append(
                dg.AssetMaterialization(
                    asset_key=regency_extract.key,
                    partition=item.partition_key,
                    metadata=record_metadata(record),
                    tags={DATA_VERSION_TAG: record["sha256"] or "", FROM_LANDING_RECORD: "true"},
                )
            )
    # Landed and no longer in the raw directory: the build drops them (extract_inventory).
    removed = sorted(set(landed) - set(current))
    if removed:
        requests.append(
            dg.RunRequest(
                run_key="removed:" + hashlib.sha256(json.dumps([removed, current]).encode()).hexdigest()[:16],
                job_name=build_and_publish_job.name,
            )
        )
    existing = set(context.instance.get_dynamic_partitions(snapshot_partitions.name))
    new_snapshots = [s for s in inventory.snapshots if s not in existing]
    return dg.SensorResult(
        run_requests=requests,
        asset_events=shown,
        dynamic_partitions_requests=[snapshot_partitions.build_add_request(new_snapshots)]
        if new_snapshots
        else [],
        cursor=json.dumps(current, sort_keys=True),
    )


# A build cancelled before it ran has not judged the landing.
_CANCELLED = {dg.DagsterRunStatus.CANCELING, dg.DagsterRunStatus.CANCELED}


@dg.asset_sensor(
    asset_key=regency_extract.key,
    jobs=[build_and_publish_job, audit_reports_job],
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "After a file lands, one dbt build judges what changed, rebuilds the marts of its snapshot, "
        "checks them, publishes and writes the reports."
    ),
)
def rebuild_after_landing(context: dg.SensorEvaluationContext, asset_event: dg.EventLogEntry):
    shown = asset_event.asset_materialization
    if shown is not None and FROM_LANDING_RECORD in (shown.tags or {}):
        yield dg.SkipReason("shown from its landing record: what landed before is not built again")
        return
    # Runs queue one at a time (dagster.yaml); a build finds every file landed before it started. So a
    # build created after this landing (one asked for already, or a headless run's, recorded by
    # pipelines/lib/runs/dagster_history.py) has it, and another would only publish the same release again.
    later_builds = context.instance.get_run_records(
        filters=dg.RunsFilter(
            job_name=build_and_publish_job.name,
            created_after=datetime.fromtimestamp(asset_event.timestamp, UTC),
            statuses=[s for s in dg.DagsterRunStatus if s not in _CANCELLED],
        ),
        limit=1,
    )
    if later_builds:
        yield dg.SkipReason(f"build {later_builds[0].dagster_run.run_id} was asked for after this landing")
        return
    key = f"{asset_event.run_id}:{asset_event.timestamp}"
    yield dg.RunRequest(run_key=f"build:{key}", job_name=build_and_publish_job.name)
    yield dg.RunRequest(run_key=f"reports:{key}", job_name=audit_reports_job.name)
