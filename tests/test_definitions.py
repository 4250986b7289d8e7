"""The code location loads as `make dev` loads it, with the assets and checks the issues ask for."""

from __future__ import annotations

import json

import dagster as dg

from pipelines.definitions import defs
from pipelines.defs.dbt.assets import dbt_project
from pipelines.defs.quality.checks import MART_NAMES


def test_code_location_loads_completely():
    # What the UI's code server does: a conflict or bad reference anywhere fails here.
    dg.Definitions.validate_loadable(defs)
    defs.get_repository_def().load_all_definitions()


def test_every_mart_is_a_dbt_asset_downstream_of_ingestion_and_upstream_of_publication():
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    for mart in MART_NAMES:
        assert f"marts/{mart}" in keys
    published = dg.AssetKey("published")
    upstream = graph.get(published).parent_keys
    assert {dg.AssetKey(["marts", m]) for m in MART_NAMES} <= upstream
    # landing -> the landing folder's inventory -> dbt's judging of what landed -> the marts
    assert dg.AssetKey("regency_extract") in graph.get(dg.AssetKey("extract_inventory")).parent_keys
    rows = dg.AssetKey(["staging", "stg_landing__extract_rows"])
    assert dg.AssetKey("extract_inventory") in graph.get(rows).parent_keys
    judged = dg.AssetKey(["ingest", "judged_rows"])
    assert rows in graph.get(judged).parent_keys
    assert graph.get(dg.AssetKey("regency_extract")).partitions_def is not None
    assert graph.get(judged).partitions_def is None  # dbt finds the changed files itself: one build per run


def test_dbt_tests_and_gx_suites_are_blocking_asset_checks():
    checks = defs.resolve_asset_graph().asset_check_keys
    names = {c.name for c in checks}
    assert {"gx_ingested_file", "gx_snapshot", "gx_marts", "gx_warnings", "pii_scan"} <= names
    # every dbt data test of the project became a check (the marts also carry two GX checks)
    dbt_checks = {
        c.name
        for c in checks
        if c.asset_key.path[0] in ("marts", "staging", "intermediate", "ingest", "reference")
    } - {"gx_marts", "gx_warnings", "gx_ingested_file", "gx_snapshot"}
    manifest = json.loads(dbt_project.manifest_path.read_text())
    tests = {n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "test"}
    assert tests and dbt_checks == tests
    specs = {s.key.name: s for a in defs.resolve_asset_graph().assets_defs for s in a.check_specs}
    assert specs["gx_ingested_file"].blocking and specs["gx_snapshot"].blocking
    assert specs["gx_marts"].blocking and specs["pii_scan"].blocking
    # the file and snapshot suites run once per run over every changed partition, not once per file
    assert (
        specs["gx_ingested_file"].asset_key
        == specs["gx_snapshot"].asset_key
        == dg.AssetKey(["ingest", "files"])
    )
    assert not specs["gx_warnings"].blocking
    unique = [s for n, s in specs.items() if n.startswith("unique_combination_of_columns_coverage_village")]
    assert unique and all(s.blocking for s in unique)


def test_each_mart_carries_the_gx_checks_of_the_expectations_that_read_it():
    """A reader of a mart finds its GX checks on it: the marts suite on every published mart (each read by
    one expectation at least), the warnings suite on the district and regency marts it reads."""
    from pipelines.lib.publish.marts import PUBLISHED_MARTS

    specs = [s for a in defs.resolve_asset_graph().assets_defs for s in a.check_specs]
    on = {n: {s.asset_key.path[-1] for s in specs if s.name == n} for n in ("gx_marts", "gx_warnings")}
    assert on["gx_marts"] == set(PUBLISHED_MARTS)
    assert on["gx_warnings"] == {"coverage_district", "coverage_regency"}
    assert all(s.blocking for s in specs if s.name == "gx_marts")
    assert not any(s.blocking for s in specs if s.name == "gx_warnings")


def test_everything_that_writes_the_warehouse_shares_one_pool_and_landing_takes_none():
    graph = defs.resolve_asset_graph()
    for key in ["published", "audit_reports"]:
        assert graph.get(dg.AssetKey(key)).pools == {"warehouse"}, key
    assert graph.get(dg.AssetKey(["marts", "coverage_province"])).pools == {"warehouse"}
    assert graph.get(dg.AssetKey(["ingest", "files"])).pools == {"warehouse"}
    # landing writes only its own Parquet files: files land in parallel, no slot of the pool
    for key in ["regency_extract", "extract_inventory"]:
        assert not graph.get(dg.AssetKey(key)).pools, key


def test_the_ui_groups_assets_by_their_key_prefix_and_shows_models_own_descriptions():
    """A newcomer reading the asset graph finds ingest/* in group ingest, marts/* in marts, and a dbt
    model's own description, not its SQL; the resources are the project's settings and the run lock."""
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if len(key.path) > 1:
            assert node.group_name == key.path[0], key
    assert graph.get(dg.AssetKey("regency_extract")).group_name == "ingest"
    assert graph.get(dg.AssetKey("extract_inventory")).group_name == "ingest"
    province = graph.get(dg.AssetKey(["marts", "coverage_province"]))
    assert "Raw SQL" not in (province.description or "") and "select" not in (province.description or "")
    assert province.description
    assert set(defs.resources) == {"ktp", "run_lock"}
