"""Jobs: the units the headless run and the sensor launch."""

from __future__ import annotations

import dagster as dg

from pipelines.assets.ingestion import (
    extract_partitions,
    regency_extract,
    snapshot_partitions,
    snapshot_registry,
)

ingest_extract_job = dg.define_asset_job(
    "ingest_extract",
    selection=dg.AssetSelection.assets(regency_extract),
    partitions_def=extract_partitions,
    description="Load one regency file (partition regency|snapshot).",
)

snapshot_job = dg.define_asset_job(
    "resolve_snapshot",
    selection=dg.AssetSelection.assets(snapshot_registry),
    partitions_def=snapshot_partitions,
    description="Resolve duplicate NIKs across one snapshot's files and run the snapshot checks.",
)
