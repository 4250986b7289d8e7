"""dbt models as Dagster assets: every model and seed an asset, every dbt test an asset check.

One `dbt build` runs everything (seeds, the judging of the landed extracts, deduplication, marts and
their tests), so dbt's start-up is paid once per run, not per file or model; the incremental models
themselves find which files and snapshots changed (dbt_project/macros/incremental/). dbt's
error-severity tests block downstream assets.
"""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtProject, dbt_assets

from pipelines.defs.resources import WAREHOUSE_POOL, KtpSettings, WarehouseRunLock
from pipelines.lib.dbt.in_process import environment, stream_dbt
from pipelines.lib.dbt.project import dbt_env, ensure_manifest, vars_args
from pipelines.lib.dbt.state import (
    full_refresh_args,
    record_built_project,
    record_tested,
    seed_args,
    tested_until,
)
from pipelines.lib.engines import spark, spark_mirror
from pipelines.lib.settings import DBT_PROJECT_DIR

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
ensure_manifest()


class KtpDbtTranslator(DagsterDbtTranslator):
    """Groups follow the dbt layers (staging, intermediate, marts, reference for seeds); a model's key
    is its relation, schema and alias (ingest/files for int_ingest__files), as readers name it."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        config = dbt_resource_props.get("config") or {}
        if (
            dbt_resource_props.get("resource_type") == "model"
            and config.get("schema")
            and config.get("alias")
        ):
            return dg.AssetKey([config["schema"], config["alias"]])
        return super().get_asset_key(dbt_resource_props)

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        node = manifest["nodes"].get(unique_id) or manifest["sources"].get(unique_id) or {}
        if node.get("resource_type") == "seed":
            return spec.replace_attributes(group_name="reference")
        fqn = node.get("fqn") or []
        if node.get("resource_type") == "model" and len(fqn) > 2:
            return spec.replace_attributes(group_name=fqn[1])
        return spec


# Both landing sources are one Dagster asset (extract_inventory keeps the landing folder).
translator = KtpDbtTranslator(
    settings=DagsterDbtTranslatorSettings(enable_asset_checks=True, enable_duplicate_source_asset_keys=True)
)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=translator,
    pool=WAREHOUSE_POOL,
    name="dbt_marts",
)
def dbt_marts(context: dg.AssetExecutionContext, ktp: KtpSettings, run_lock: WarehouseRunLock):
    settings = ktp.resolve()
    env = {k: v for k, v in dbt_env(settings).items() if k.startswith(("KTP_", "DBT_", "DO_NOT"))}
    # The tests of partitioned models look at the partitions built since the last all-green build.
    env["KTP_DBT_TESTED_UNTIL"] = tested_until(settings)
    # One target folder per warehouse, kept between runs, so dbt's partial parsing carries over
    # (dbt_manifest.start_parse); only one build writes a warehouse at a time (the warehouse pool).
    # Unit tests check the models' code, not the data: `make test` runs them (tests/test_dbt_marts.py),
    # as dbt advises, instead of every production build.
    # Incremental models rebuild only the files and snapshots that changed; a new dbt project (code,
    # seeds, vars) rebuilds everything once (dbt_state.full_refresh_args), and only then are the seeds
    # loaded again (dbt_state.seed_args).
    # dbt runs in this process (pipelines/lib/dbt/in_process.py): a dbt process per build costs seconds.
    whole_project = context.selected_asset_keys == context.assets_def.keys
    if settings.engine == "spark":
        spark.prepare(settings)
    with environment(env):
        try:
            yield from stream_dbt(
                context,
                [
                    "build",
                    "--exclude-resource-type",
                    "unit_test",
                    *vars_args(settings),
                    *full_refresh_args(settings),
                    *(seed_args(settings) if whole_project else []),
                ],
                project=dbt_project,
                translator=translator,
                profiles_dir=DBT_PROJECT_DIR,
                target_path=settings.dbt_target_dir,
            )
        finally:
            if settings.engine == "spark":
                # What the checks and the publication read: DuckDB views over Spark's tables.
                spark_mirror.refresh(settings, settings.dbt_target_dir / "manifest.json")
            # Also after failed tests: the models were built from this project all the same.
            if whole_project:
                record_built_project(settings)
                record_tested(settings)
