"""How the dbt project's nodes appear in Dagster: keys as readers name the tables, groups that match
the keys' prefixes, and the models' own descriptions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtProject

# Seeds are the reference data the project ships; everything else is grouped by its schema.
SEED_GROUP = "reference"


class KtpDbtTranslator(DagsterDbtTranslator):
    """A model's key is its relation, schema and alias (ingest/files for int_ingest__files), and its
    group is that schema: the asset graph's groups and its key prefixes say the same thing."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        config = dbt_resource_props.get("config") or {}
        if (
            dbt_resource_props.get("resource_type") == "model"
            and config.get("schema")
            and config.get("alias")
        ):
            return dg.AssetKey([config["schema"], config["alias"]])
        return super().get_asset_key(dbt_resource_props)

    def get_description(self, dbt_resource_props: Mapping[str, Any]) -> str:
        # dagster-dbt appends the model's SQL; the SQL is one click away in the dbt docs, and a reader of
        # the asset wants what the table holds.
        return (dbt_resource_props.get("description") or "").strip() or (
            f"dbt {dbt_resource_props.get('resource_type', 'node')} {dbt_resource_props.get('name', '')}"
        )

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        node = manifest["nodes"].get(unique_id) or manifest["sources"].get(unique_id) or {}
        if node.get("resource_type") == "seed":
            return spec.replace_attributes(group_name=SEED_GROUP)
        if len(spec.key.path) > 1:
            return spec.replace_attributes(group_name=spec.key.path[0])
        return spec


# Both landing sources are one Dagster asset (extract_inventory keeps the landing folder).
translator = KtpDbtTranslator(
    settings=DagsterDbtTranslatorSettings(enable_asset_checks=True, enable_duplicate_source_asset_keys=True)
)
