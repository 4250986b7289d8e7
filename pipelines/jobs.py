"""Jobs: the units the headless run and the sensor launch."""

from __future__ import annotations

import dagster as dg

from pipelines.assets.ingestion import (
    extract_partitions,
    regency_extract,
    snapshot_partitions,
    snapshot_registry,
)
from pipelines.assets.marts import dbt_marts
from pipelines.assets.publication import audit_reports, published

ingest_extract_job = dg.define_asset_job(
    "ingest_extract",
    selection=dg.AssetSelection.assets(regency_extract),
    partitions_def=extract_partitions,
    description="Load one regency file (partition regency|snapshot) and run its checks.",
)

snapshot_job = dg.define_asset_job(
    "resolve_snapshot",
    selection=dg.AssetSelection.assets(snapshot_registry),
    partitions_def=snapshot_partitions,
    description="Resolve duplicate NIKs across one snapshot's files and run the snapshot checks.",
)

build_and_publish_job = dg.define_asset_job(
    "build_and_publish",
    selection=dg.AssetSelection.assets(dbt_marts, published),
    description="dbt build of every model and test, the GX checks of the marts, then the publication.",
)

# Separate from build_and_publish on purpose: auditors need the reports most when a check blocked it.
audit_reports_job = dg.define_asset_job(
    "write_audit_reports",
    selection=dg.AssetSelection.assets(audit_reports),
    description="dbt docs site and the masked quarantine export for auditors.",
)
