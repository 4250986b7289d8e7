"""The Dagster code location: every asset, check, job, sensor and resource, assembled here."""

import dagster as dg

from pipelines.assets.checks import gx_ingested_file, gx_marts, gx_snapshot, gx_warnings
from pipelines.assets.ingestion import regency_extract, snapshot_registry
from pipelines.assets.marts import dbt_marts, dbt_resource
from pipelines.assets.publication import audit_reports, published
from pipelines.jobs import audit_reports_job, build_and_publish_job, ingest_extract_job, snapshot_job
from pipelines.resources import KtpSettings
from pipelines.sensors import new_extracts, rebuild_after_snapshot

defs = dg.Definitions(
    assets=[regency_extract, snapshot_registry, dbt_marts, published, audit_reports],
    asset_checks=[gx_ingested_file, gx_snapshot, gx_marts, gx_warnings],
    jobs=[ingest_extract_job, snapshot_job, build_and_publish_job, audit_reports_job],
    # In `make dev`: new files are loaded, their snapshot resolved (declarative automation), then the
    # marts rebuilt, checked and published.
    sensors=[
        new_extracts,
        dg.AutomationConditionSensorDefinition(
            "ktp_automation",
            target=dg.AssetSelection.assets(snapshot_registry),
            default_status=dg.DefaultSensorStatus.RUNNING,
        ),
        rebuild_after_snapshot,
    ],
    resources={"ktp": KtpSettings(), "dbt": dbt_resource},
    # Steps run one after another in the run's own process: DuckDB takes one writer per file, and
    # a subprocess per step would only add start-up cost on two cores.
    executor=dg.in_process_executor,
)
