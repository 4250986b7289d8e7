"""Stages 2-4, judging, deduplication and marts: the dbt project, every model and seed an asset, every
dbt test an asset check.

One `dbt build` runs everything (seeds, the judging of the landed extracts, deduplication, marts and
their tests), so dbt's start-up is paid once per run, not per file or model; the incremental models
themselves find which files and snapshots changed (dbt_project/macros/incremental/). dbt's
error-severity tests block downstream assets.
"""

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets

from pipelines.defs.resources import WAREHOUSE_POOL, KtpSettings, WarehouseRunLock
from pipelines.lib.dbt.project import (
    dbt_environment,
    dbt_executable,
    ensure_manifest,
    raise_on_failure,
    vars_args,
)
from pipelines.lib.dbt.state import (
    full_refresh_args,
    record_built_project,
    record_tested,
    seed_args,
    tested_until,
)
from pipelines.lib.dbt.translator import translator
from pipelines.lib.engines import spark_mirror
from pipelines.lib.settings import DBT_PROJECT_DIR, Settings
from pipelines.lib.warehouse import connect

# The judged files' bookkeeping (int_ingest__files), where a build says how it judged each file.
JUDGED_FILES = dg.AssetKey(["ingest", "files"])

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
ensure_manifest()
# One object for the process, not a resource: dagster-dbt asks the executable for its version (`dbt
# --version`, a dbt start-up of ~3 s) once per object, and Dagster copies resources for every run. A
# process that builds more than once (a test worker, a headless judging run then a build) pays it once.
dbt = DbtCliResource(
    project_dir=str(DBT_PROJECT_DIR), profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=dbt_executable()
)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=translator,
    pool=WAREHOUSE_POOL,
    name="dbt_marts",
)
def dbt_marts(context: dg.AssetExecutionContext, ktp: KtpSettings, run_lock: WarehouseRunLock):
    settings = ktp.settings
    # One target folder per warehouse, kept between runs, so dbt's partial parsing carries over
    # (lib/dbt/project.start_parse); only one build writes a warehouse at a time (the warehouse pool).
    # Unit tests check the models' code, not the data: `make test` runs them (tests/test_dbt_marts.py),
    # as dbt advises, instead of every production build.
    # Incremental models rebuild only the files and snapshots that changed; a new dbt project (code,
    # seeds, vars) rebuilds everything once (lib/dbt/state.full_refresh_args), and only then are the
    # seeds loaded again (lib/dbt/state.seed_args).
    whole_project = context.selected_asset_keys == context.assets_def.keys
    args = [
        "build",
        "--exclude-resource-type",
        "unit_test",
        *vars_args(settings),
        *full_refresh_args(settings),
        *(seed_args(settings) if whole_project else []),
    ]
    # The tests of partitioned models look at the partitions built since the last all-green build.
    with dbt_environment(settings, KTP_DBT_TESTED_UNTIL=tested_until(settings)):
        try:
            build = dbt.cli(args, context=context, target_path=settings.dbt_target_dir, raise_on_error=False)
            yield from build.stream()
        finally:
            if settings.engine == "spark":
                # What the checks and the publication read: DuckDB views over Spark's tables, written
                # by a process of its own once dbt's has ended (lib/engines/spark_mirror.py).
                spark_mirror.refresh(settings, settings.dbt_target_dir / "manifest.json")
            # Also after failed tests: the models were built from this project all the same.
            if whole_project:
                record_built_project(settings)
                record_tested(settings)
    raise_on_failure(build)
    judged = judged_in_run(settings, context.run.run_id)
    if judged:
        # Each file this run landed, as dbt judged it: on the asset that accounts for the files, and
        # what the headless run's progress lines say once the build is done.
        context.log_event(
            dg.AssetObservation(asset_key=JUDGED_FILES, metadata={"judged": dg.MetadataValue.json(judged)})
        )


def judged_in_run(settings: Settings, run_id: str) -> dict[str, list[int]]:
    """source file -> [rows read, loaded, rejected] of every file landed by this run."""
    with connect(settings, read_only=True) as conn:
        rows = conn.execute(
            "select source_file, rows_read, rows_loaded, rows_rejected from ingest.files "
            "where run_id = ? order by snapshot_date, regency_code",
            [run_id],
        ).fetchall()
    return {f: [read or 0, loaded or 0, rejected or 0] for f, read, loaded, rejected in rows}
