"""Picking up new, changed and removed extracts while `make dev` runs.

`new_extracts` asks for the same build `make run` launches: the build lands what changed itself. It
compares each file with its cursor (size and modification time, a cheap change signal) and with the
landing records, which know what landed whoever landed it, so a file landed as it is starts nothing.
`rebuild_after_landing` builds after a person re-lands one file from the UI (job land_extract).
"""

import json
from datetime import UTC, datetime

import dagster as dg

from pipelines.defs.ingest.assets import regency_extract
from pipelines.defs.ingest.partitions import snapshot_partitions
from pipelines.defs.jobs import audit_reports_job, build_and_publish_job, land_extract_job
from pipelines.defs.resources import KtpSettings
from pipelines.lib.fingerprint import fingerprint
from pipelines.lib.ingest.discovery import scan
from pipelines.lib.ingest.landed import landed_partitions, landed_record, landed_version
from pipelines.lib.ingest.landing import plan


def _build_requests(key: str) -> list[dg.RunRequest]:
    """The build, then the reports: runs that write the warehouse queue one at a time (dagster.yaml)."""
    return [
        dg.RunRequest(run_key=f"build:{key}", job_name=build_and_publish_job.name),
        dg.RunRequest(run_key=f"reports:{key}", job_name=audit_reports_job.name),
    ]


@dg.sensor(
    name="new_extracts",
    minimum_interval_seconds=30,
    jobs=[build_and_publish_job, audit_reports_job],
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "When an extract is new or changed since it last landed, or a landed one left the raw directory, "
        "asks for one build (which lands what changed, in parallel, and publishes) and the reports; adds "
        "the snapshot partitions."
    ),
)
def new_extracts(context: dg.SensorEvaluationContext, ktp: KtpSettings) -> dg.SensorResult:
    settings = ktp.settings
    inventory = scan(settings.raw_dir)
    work, unassigned = plan(inventory)
    seen: dict[str, list[int]] = json.loads(context.cursor) if context.cursor else {}
    landed = landed_partitions(settings.landing_dir)
    current: dict[str, list[int]] = {}
    changed = []
    for item in work:
        paths = [item.extract.path] if item.extract else [p.path for p in item.problems]
        signature = [v for p in paths for v in (p.stat().st_size, p.stat().st_mtime_ns)]
        current[item.partition_key] = signature
        if seen.get(item.partition_key) == signature:
            continue  # steady ticks open no landing record
        source_file = item.extract.source_file if item.extract else item.problems[0].source_file
        if landed_version(landed_record(landed.get(item.partition_key))) != (source_file, *signature):
            changed.append(item.partition_key)
    for rejected in unassigned:  # named for no regency: the build records the refusal
        stat = rejected.path.stat()
        current[rejected.source_file] = [stat.st_size, stat.st_mtime_ns]
        if seen.get(rejected.source_file) != current[rejected.source_file]:
            changed.append(rejected.source_file)
    # Landed and no longer in the raw directory: the build drops them.
    removed = sorted(set(landed) - {w.partition_key for w in work})
    requests = []
    if changed or removed:
        key = fingerprint(values=[current, removed], length=16)
        requests = _build_requests(key)
        context.log.info(
            f"changed: {', '.join(changed) or '-'}; landed and gone: {', '.join(removed) or '-'}"
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


# A build cancelled before it ran has not judged the landing.
_CANCELLED = {dg.DagsterRunStatus.CANCELING, dg.DagsterRunStatus.CANCELED}


@dg.asset_sensor(
    asset_key=regency_extract.key,
    jobs=[build_and_publish_job, audit_reports_job],
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "After a person re-lands one file (job land_extract), one build judges what changed, rebuilds "
        "the marts of its snapshot, checks them, publishes and writes the reports."
    ),
)
def rebuild_after_landing(context: dg.SensorEvaluationContext, asset_event: dg.EventLogEntry):
    run = context.instance.get_run_by_id(asset_event.run_id) if asset_event.run_id else None
    if run is None or run.job_name != land_extract_job.name:
        yield dg.SkipReason("landed by a build, which built it")
        return
    # Runs that write the warehouse queue one at a time (dagster.yaml), and a build finds every file
    # landed before it started: a build created after this landing has it.
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
    yield from _build_requests(f"{asset_event.run_id}:{asset_event.timestamp}")
