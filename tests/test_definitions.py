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


def test_everything_that_writes_the_warehouse_shares_one_pool_and_landing_takes_none():
    graph = defs.resolve_asset_graph()
    for key in ["published", "audit_reports"]:
        assert graph.get(dg.AssetKey(key)).pools == {"warehouse"}, key
    assert graph.get(dg.AssetKey(["marts", "coverage_province"])).pools == {"warehouse"}
    assert graph.get(dg.AssetKey(["ingest", "files"])).pools == {"warehouse"}
    # landing writes only its own Parquet files: files land in parallel, no slot of the pool
    for key in ["regency_extract", "extract_inventory"]:
        assert not graph.get(dg.AssetKey(key)).pools, key


def test_dbt_runs_in_the_dagster_process_through_what_dbt_and_dagster_dbt_provide():
    """dbt runs in the run's process (pipelines/lib/dbt/in_process.py) through dbtRunner, dagster-dbt's own
    event conversion and dbt-duckdb's connection manager; if one of them stops providing what the
    runner relies on, this test says so before a build does."""
    import inspect

    from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from dbt.cli.main import dbtRunner

    from pipelines.lib.dbt import in_process as dbt_in_process

    assert "callbacks" in inspect.signature(dbtRunner).parameters
    assert {"LogModelResult", "LogTestResult", "LogSeedResult"} <= dbt_in_process._RESULT_EVENTS
    assert "to_default_asset_events" in dir(DbtCoreCliEventMessage)
    assert hasattr(DuckDBConnectionManager, "_ENV") and hasattr(DuckDBConnectionManager, "_LOCK")
    # No dbt process and no dbt CLI resource: the dbt asset takes only the project's settings (and the
    # warehouse's run lock, held for the run).
    assert set(defs.resources) == {"ktp", "run_lock"}
