"""The jobs: what `make run` launches and what the sensors and a person in the UI launch, the same ones."""

from __future__ import annotations

import dagster as dg

from pipelines.defs.dbt.assets import dbt_marts
from pipelines.defs.ingest.assets import extract_inventory, regency_extract
from pipelines.defs.publish.assets import audit_reports, published

# dagster.yaml lets one run with this tag at a time: they write the warehouse (DuckDB: one writer).
WAREHOUSE_WRITER = {"ktp/warehouse": "writer"}

build_and_publish_job = dg.define_asset_job(
    "build_and_publish",
    tags=WAREHOUSE_WRITER,
    selection=dg.AssetSelection.assets(extract_inventory, dbt_marts, published),
    description=(
        "Land every new or changed extract, then one dbt build: judge the files that changed, "
        "deduplicate their snapshots, rebuild those snapshots' marts, run every test; the GX checks of "
        "changed files, snapshots and the marts; then the publication."
    ),
)

# Separate from build_and_publish on purpose: auditors need the reports most when a check blocked it.
audit_reports_job = dg.define_asset_job(
    "write_audit_reports",
    tags=WAREHOUSE_WRITER,
    selection=dg.AssetSelection.assets(audit_reports),
    description="dbt docs site and the masked quarantine export for auditors.",
)

land_extract_job = dg.define_asset_job(
    "land_extract",
    selection=dg.AssetSelection.assets(regency_extract),
    description="Land one regency file (partition regency|snapshot) again, after its whole-file checks.",
)

# The ingest layer alone (landing, judging, deduplication, bookkeeping) and its checks, without marts.
judge_extracts_job = dg.define_asset_job(
    "judge_extracts",
    tags=WAREHOUSE_WRITER,
    selection=dg.AssetSelection.key_prefixes(["ingest"]).upstream()
    - dg.AssetSelection.assets(regency_extract),
    description="Land and judge the extracts, deduplicate their snapshots; the file and snapshot checks.",
)
