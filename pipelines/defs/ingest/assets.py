"""Ingestion assets: each (regency, snapshot) file lands as Parquet; the landing folder is kept in step.

`regency_extract` lands a single file (re-runnable on its own from the UI). It opens no database, so
it takes no slot of the warehouse pool and any number of files land at once. `extract_inventory`
drops landed files that left the raw directory and records files whose name names no regency; the
dbt sources (the landing Parquet) hang off it, and dbt judges what landed.
"""

import dagster as dg

from pipelines.defs.resources import KtpSettings
from pipelines.lib.ingest.contract import REGENCIES
from pipelines.lib.ingest.discovery import scan
from pipelines.lib.ingest.landing import (
    Landed,
    ensure_layout,
    forget_missing,
    land_work,
    plan,
    record_unassigned,
)

snapshot_partitions = dg.DynamicPartitionsDefinition(name="snapshots")
regency_partitions = dg.StaticPartitionsDefinition(list(REGENCIES))
# Dimension names sort to (regency, snapshot): a key reads "6501|2026-03-31".
extract_partitions = dg.MultiPartitionsDefinition(
    {"snapshot": snapshot_partitions, "regency": regency_partitions}
)


def landed_metadata(landed: Landed) -> dict[str, object]:
    """What the UI shows of one landing, for the asset and for the headless run's reports alike."""
    meta: dict[str, object] = {
        "source_file": landed.source_file,
        "sha256": landed.sha256 or "",
        "unchanged": landed.status == "unchanged",
        "rows_landed": landed.rows,
    }
    if landed.status == "landed":
        meta.update({**landed.details, "seconds": landed.seconds})
    return meta


@dg.asset(
    partitions_def=extract_partitions,
    group_name="ingestion",
    kinds={"parquet", "python"},
    description=(
        "One regency's extract for one snapshot, landed as all-text Parquet beside the warehouse after "
        "the whole-file checks of the extract contract (name, encoding, columns, not empty)."
    ),
)
def regency_extract(context: dg.AssetExecutionContext, ktp: KtpSettings) -> dg.MaterializeResult:
    settings = ktp.resolve()
    work, _ = plan(scan(settings.raw_dir))
    item = next((w for w in work if w.partition_key == context.partition_key), None)
    if item is None:
        raise dg.Failure(
            description=f"no extract for partition {context.partition_key} in {settings.raw_dir}",
            metadata={"raw_dir": str(settings.raw_dir)},
        )
    ensure_layout(settings.landing_dir)
    landed = land_work(settings.landing_dir, item, run_id=context.run.run_id)
    if landed.status == "refused":
        raise dg.Failure(
            description=f"{landed.source_file}: {landed.error}",
            metadata={"file": landed.source_file, "problem": landed.error or ""},
        )
    if landed.status == "unchanged":
        context.log.info(f"{landed.source_file} unchanged (sha256 already landed): nothing read")
    # The data version is the file's content: unchanged files do not ripple downstream as new data.
    return dg.MaterializeResult(metadata=landed_metadata(landed), data_version=dg.DataVersion(landed.sha256))


@dg.asset(
    deps=[regency_extract],
    group_name="ingestion",
    kinds={"parquet"},
    description=(
        "The landing folder in step with the raw directory: files that left it are dropped (dbt then "
        "deletes their rows), files whose name names no regency are recorded as refused."
    ),
)
def extract_inventory(context: dg.AssetExecutionContext, ktp: KtpSettings) -> dg.MaterializeResult:
    settings = ktp.resolve()
    inventory = scan(settings.raw_dir)
    ensure_layout(settings.landing_dir)
    dropped = forget_missing(settings.landing_dir, inventory)
    _, unassigned = plan(inventory)
    refused = record_unassigned(settings.landing_dir, unassigned, run_id=context.run.run_id)
    for landed in refused:
        context.log.error(f"{landed.source_file}: {landed.error}")
    return dg.MaterializeResult(
        metadata={
            "snapshots": dg.MetadataValue.json(inventory.snapshots),
            "files": len(inventory.extracts),
            "files_dropped": dg.MetadataValue.json(dropped),
            "files_without_regency": dg.MetadataValue.json({r.source_file: r.error for r in refused}),
        }
    )
