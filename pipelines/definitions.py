"""The Dagster code location: every asset, check, job, sensor and resource, assembled here."""

from __future__ import annotations

import dagster as dg

from pipelines.assets.ingestion import regency_extract, snapshot_registry
from pipelines.jobs import ingest_extract_job, snapshot_job
from pipelines.resources import KtpSettings
from pipelines.sensors import new_extracts

defs = dg.Definitions(
    assets=[regency_extract, snapshot_registry],
    jobs=[ingest_extract_job, snapshot_job],
    sensors=[new_extracts],
    resources={"ktp": KtpSettings()},
    # Steps run one after another in the run's own process: DuckDB takes one writer per file, and
    # the fixed start-up cost of a subprocess per step buys nothing on two cores.
    executor=dg.in_process_executor,
)
