"""The Dagster code location: every asset, check, job, sensor and resource, assembled here."""

import dagster as dg

from pipelines.defs.dbt.assets import dbt_marts
from pipelines.defs.ingest.assets import extract_inventory, regency_extract
from pipelines.defs.jobs import audit_reports_job, build_and_publish_job, judge_extracts_job, land_extract_job
from pipelines.defs.publish.assets import audit_reports, published
from pipelines.defs.quality.checks import gx_ingested_file, gx_marts, gx_snapshot, gx_warnings
from pipelines.defs.resources import KtpSettings, WarehouseRunLock
from pipelines.defs.sensors import new_extracts, rebuild_after_landing
from pipelines.lib.runs.progress import progress_logger
from pipelines.lib.runs.run_log import console_logger, file_logger

_ktp = KtpSettings()

defs = dg.Definitions(
    assets=[regency_extract, extract_inventory, dbt_marts, published, audit_reports],
    asset_checks=[gx_ingested_file, gx_snapshot, gx_marts, gx_warnings],
    jobs=[land_extract_job, build_and_publish_job, judge_extracts_job, audit_reports_job],
    # In `make dev`: new files land (in parallel), then one dbt build judges what changed and rebuilds
    # the marts of its snapshots, the checks run, and the marts are published.
    sensors=[new_extracts, rebuild_after_landing],
    # The warehouse-writing assets ask for the run lock: a run of them holds it from start to end.
    resources={"ktp": _ktp, "run_lock": WarehouseRunLock(ktp=_ktp)},
    # Steps run one after another in the run's own process: DuckDB takes one writer per file, and
    # a subprocess per step would only add start-up cost on two cores.
    executor=dg.in_process_executor,
    # The headless run points `run_file` at <reports>/last_run.log and keeps traces off the console;
    # `progress` turns step events into its progress lines.
    loggers={"console": console_logger, "run_file": file_logger, "progress": progress_logger},
)
