"""The tables dbt built on Spark, readable in the DuckDB warehouse file as views over their Parquet files.

Everything after the dbt build (the GX checks, the gate, the publication, the nothing-changed check)
reads the warehouse through DuckDB, on either engine: on Spark the warehouse file holds no rows of its
own but the validation history, and a view per table dbt built, over exactly the Parquet files Spark's
catalog lists for it (not a glob: a write that died leaves files Spark does not list). The views cast
every column to the type DuckDB's own build gives it (a mart's contract type; else the type of the
Parquet column), in the order the model declares, so the same SQL reads the same types on both engines
and the publication writes the same bytes. dbt's views are made again from their compiled SQL when
everything they read is mirrored (the staging views read the landing tables, which are not).

Refreshed after every Spark build, in one DuckDB transaction, by a short process of its own
(`python -m pipelines.lib.engines.spark_mirror`): dbt's process, where Spark ran the build, has ended,
and the Dagster process starts no Spark. That process starts a session with the profile's settings
(spark.py), reads the catalog, writes the views and exits, so its JVM lets go of the embedded Derby
metastore before the next dbt command opens it.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from pipelines.lib.settings import REPO_ROOT, Settings
from pipelines.lib.warehouse import connect

_SIMPLE_TYPES = {
    "string": "VARCHAR",
    "boolean": "BOOLEAN",
    "tinyint": "TINYINT",
    "smallint": "SMALLINT",
    "int": "INTEGER",
    "bigint": "BIGINT",
    "float": "FLOAT",
    "double": "DOUBLE",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "timestamp_ntz": "TIMESTAMP",
    "binary": "BLOB",
}
_DECIMAL = re.compile(r"decimal\((\d+),(\d+)\)")
_ARRAY = re.compile(r"array<(.+)>")
# Tables no dbt node describes but that DuckDB readers use.
_RECORD_TABLES = ("audit.dbt_partitions",)
_MODULE = "pipelines.lib.engines.spark_mirror"


def duckdb_type(spark_type: str) -> str:
    """DuckDB's type for a Spark type name (DataType.simpleString())."""
    if spark_type in _SIMPLE_TYPES:
        return _SIMPLE_TYPES[spark_type]
    if m := _DECIMAL.fullmatch(spark_type):
        return f"DECIMAL({m[1]},{m[2]})"
    if m := _ARRAY.fullmatch(spark_type):
        return duckdb_type(m[1]) + "[]"
    raise ValueError(f"no DuckDB type for the Spark type {spark_type!r}")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _local_path(uri: str) -> str:
    # Spark lists files as URIs (file:/path, with '%' escaped as %25); DuckDB reads paths.
    return unquote(re.sub(r"^file:(//)?", "", uri))


def table_view_sql(spark, relation: str, declared: dict[str, str]) -> str:
    """`select` of `relation` (schema.table) from its Parquet files. A model that declares every column
    with its type (every mart: its contract) gets those types in that order; any other gets the Parquet
    files' types, its partition columns first (Spark stores them last; every partitioned model here
    selects them first) and the rest in the model's order."""
    df = spark.table(relation)
    spark_types = {f.name: f.dataType.simpleString() for f in df.schema.fields}
    partitions = [c.name for c in spark.catalog.listColumns(relation) if c.isPartition]
    if declared and set(declared) == set(spark_types):
        types = dict(declared)
    else:
        order = partitions + [c for c in spark_types if c not in partitions]
        types = {c: duckdb_type(spark_types[c]) for c in order}
    columns = ", ".join(f"cast({_quote(c)} as {t}) as {_quote(c)}" for c, t in types.items())
    files = sorted(_local_path(f) for f in df.inputFiles())
    if not files:
        nulls = ", ".join(f"null as {_quote(c)}" for c in types)
        return f"select {columns} from (select {nulls}) where false"
    hive_types = ", ".join(f"{_literal(c)}: '{duckdb_type(spark_types[c])}'" for c in partitions)
    listed = ", ".join(_literal(f) for f in files)
    options = f", hive_partitioning = true, hive_types = {{{hive_types}}}" if partitions else ""
    return f"select {columns} from read_parquet([{listed}]{options})"


def _relation(node: dict[str, Any]) -> str:
    return f"{node['schema']}.{node.get('alias') or node['name']}"


def _declared_types(node: dict[str, Any]) -> dict[str, str]:
    """The columns of a model that gives every declared column a type (DuckDB's type names), else {}."""
    columns = node.get("columns") or {}
    if not columns or not all(c.get("data_type") for c in columns.values()):
        return {}
    return {name: column["data_type"] for name, column in columns.items()}


def refresh(settings: Settings, manifest_path: Path) -> int:
    """Make the warehouse file's views match what Spark's catalog holds now; returns how many.
    Runs in a process of its own (see the module's docstring), with dbt's environment."""
    import dagster as dg  # here, not at the top: the mirror's own process has no use for it

    from pipelines.lib.dbt.project import dbt_env

    done = subprocess.run(
        [sys.executable, "-m", _MODULE, str(settings.warehouse), str(manifest_path)],
        cwd=REPO_ROOT,
        env=dbt_env(settings),
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        last = lines[-1] if lines else f"exit {done.returncode}"
        raise dg.Failure(
            description=f"the DuckDB views over Spark's tables could not be refreshed: {last} "
            f"(Spark's own log: {settings.spark_dir / 'spark.log'})",
            metadata={"stderr": dg.MetadataValue.text(done.stderr[-20_000:])},
        )
    return int(done.stdout.split()[-1])


def write_views(spark, warehouse: Path, manifest_path: Path) -> int:
    """The views of `refresh`, from the catalog of the Spark session `spark`, written to `warehouse`."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    nodes = [
        n
        for n in manifest["nodes"].values()
        if n["resource_type"] in ("model", "seed") and (n.get("config") or {}).get("enabled", True)
    ]
    views: list[tuple[str, str]] = []  # (relation, select)
    mirrored: set[str] = set()
    for node in nodes:
        materialized = (node.get("config") or {}).get("materialized")
        if node["resource_type"] == "seed" or materialized in ("table", "incremental"):
            relation = _relation(node)
            if spark.catalog.tableExists(relation):
                views.append((relation, table_view_sql(spark, relation, _declared_types(node))))
                mirrored.add(node["unique_id"])
    for relation in _RECORD_TABLES:
        if spark.catalog.tableExists(relation):
            views.append((relation, table_view_sql(spark, relation, {})))
    # dbt's views, in dependency order, when every node they read is mirrored.
    pending = {n["unique_id"]: n for n in nodes if (n.get("config") or {}).get("materialized") == "view"}
    progress = True
    while progress:
        progress = False
        for uid, node in list(pending.items()):
            needs = node.get("depends_on", {}).get("nodes", [])
            if all(d in mirrored for d in needs) and node.get("compiled_code"):
                views.append((_relation(node), node["compiled_code"]))
                mirrored.add(uid)
                del pending[uid]
                progress = True
    # The file only: creating views needs none of the deployment's DuckDB limits.
    with connect(warehouse) as conn:
        conn.execute("begin")
        for schema in sorted({relation.split(".")[0] for relation, _ in views}):
            conn.execute(f"create schema if not exists {schema}")
        for relation, select in views:
            conn.execute(f"create or replace view {relation} as {select}")
        conn.execute("commit")
    return len(views)


def main(argv: list[str]) -> None:
    """`python -m pipelines.lib.engines.spark_mirror <warehouse> <manifest>`, in dbt's environment:
    prints how many views it wrote."""
    from pipelines.lib.engines.spark import session

    warehouse, manifest_path = (Path(a) for a in argv)
    with session() as spark:
        count = write_views(spark, warehouse, manifest_path)
    print(count)


if __name__ == "__main__":
    main(sys.argv[1:])
