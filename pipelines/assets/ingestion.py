"""Ingestion assets: one partition per (regency, snapshot) file, then one step per snapshot.

`regency_extract` loads a single file (re-runnable on its own from the UI); `snapshot_registry`
resolves NIKs listed by several regencies across a snapshot's files and drops files that have
disappeared from the raw directory. dbt sources hang off `snapshot_registry`.
"""

from datetime import date

import dagster as dg

from pipelines.ingest.contract import REGENCIES, dotted_regency
from pipelines.ingest.discovery import Extract, scan
from pipelines.ingest.load import (
    forget_missing_files,
    load_extract,
    record_error,
    record_file_error,
    resolve_duplicates,
)
from pipelines.ingest.readers import ExtractError
from pipelines.resources import WAREHOUSE_POOL, KtpSettings
from pipelines.warehouse import connect, ensure_schema

snapshot_partitions = dg.DynamicPartitionsDefinition(name="snapshots")
regency_partitions = dg.StaticPartitionsDefinition(list(REGENCIES))
# Dimension names sort to (regency, snapshot): a key reads "6501|2026-03-31".
extract_partitions = dg.MultiPartitionsDefinition(
    {"snapshot": snapshot_partitions, "regency": regency_partitions}
)


def _keys(context: dg.AssetExecutionContext) -> tuple[str, str]:
    keys = context.partition_key.keys_by_dimension
    return keys["snapshot"], keys["regency"]


@dg.asset(
    partitions_def=extract_partitions,
    group_name="ingestion",
    kinds={"duckdb", "python"},
    pool=WAREHOUSE_POOL,
    description="One regency's extract for one snapshot: typed valid rows, quarantine and bookkeeping.",
)
def regency_extract(context: dg.AssetExecutionContext, ktp: KtpSettings) -> dg.MaterializeResult:
    snapshot, regency4 = _keys(context)
    settings = ktp.resolve()
    inventory = scan(settings.raw_dir)
    extract = inventory.find(snapshot, regency4)
    with connect(settings) as conn:
        ensure_schema(conn)
        if extract is None:
            problems = [
                r
                for r in inventory.rejected
                if r.snapshot.isoformat() == snapshot and r.path.name[:4] == regency4
            ]
            if problems:
                # e.g. two files claim the regency: neither is loaded, both are named.
                first = problems[0]
                record_file_error(
                    conn,
                    Extract(first.snapshot, regency4, first.path, first.raw_dir),
                    first.problem,
                    run_id=context.run.run_id,
                )
                raise dg.Failure(
                    description=f"{first.source_file}: {first.problem}",
                    metadata={"file": first.source_file, "problem": first.problem},
                )
            raise dg.Failure(
                description=f"no extract of regency {regency4} for snapshot {snapshot} in {settings.raw_dir}",
                metadata={"raw_dir": str(settings.raw_dir)},
            )
        try:
            result = load_extract(conn, extract, run_id=context.run.run_id)
        except ExtractError as e:
            raise dg.Failure(
                description=f"{extract.source_file}: {e}",
                metadata={"file": extract.source_file, "problem": str(e)},
            ) from e
    meta: dict[str, object] = {
        "source_file": result.source_file,
        "sha256": result.sha256,
        "unchanged": result.skipped,
    }
    if result.skipped:
        context.log.info(f"{extract.source_file} unchanged (sha256 already loaded): nothing read")
    else:
        meta.update(
            {
                "format": result.file_format,
                "encoding": result.encoding or "",
                "delimiter": result.delimiter or "",
                "rows_read": result.rows_read,
                "rows_loaded": result.rows_loaded,
                "rows_rejected": result.rows_rejected,
                "rejects": dg.MetadataValue.json(result.reject_counts),
                "flags": dg.MetadataValue.json(result.flag_counts),
            }
        )
    # The data version is the file's content: unchanged files do not ripple downstream as new data.
    return dg.MaterializeResult(metadata=meta, data_version=dg.DataVersion(result.sha256))


@dg.asset(
    partitions_def=snapshot_partitions,
    deps=[
        dg.AssetDep(
            regency_extract,
            partition_mapping=dg.MultiToSingleDimensionPartitionMapping(partition_dimension_name="snapshot"),
        )
    ],
    group_name="ingestion",
    kinds={"duckdb"},
    pool=WAREHOUSE_POOL,
    automation_condition=dg.AutomationCondition.eager(),
    description="All files of one snapshot: one person per NIK (latest TGL_ENTRI wins), stale files dropped.",
)
def snapshot_registry(context: dg.AssetExecutionContext, ktp: KtpSettings) -> dg.MaterializeResult:
    snapshot = date.fromisoformat(context.partition_key)
    settings = ktp.resolve()
    inventory = scan(settings.raw_dir)
    present = {e.regency_code for e in inventory.extracts if e.snapshot == snapshot}
    with connect(settings) as conn:
        ensure_schema(conn)
        for rejected in inventory.rejected:
            if rejected.snapshot == snapshot and rejected.path.name[:4] not in REGENCIES:
                # Files that name no regency have no partition of their own; their error lives here.
                record_error(conn, snapshot, None, rejected.source_file, rejected.problem, context.run.run_id)
        gone = forget_missing_files(conn, snapshot, present)
        superseded = resolve_duplicates(conn, snapshot)
        files = conn.execute(
            "select regency_code, source_file, rows_read, rows_loaded, rows_rejected, duplicates_superseded "
            "from ingest.files where snapshot_date = ? order by 1",
            [snapshot],
        ).fetchall()
        persons = conn.execute(
            "select count(*) from ingest.persons where snapshot_date = ? and not superseded", [snapshot]
        ).fetchone()[0]
        errors = conn.execute(
            "select source_file, error from ingest.file_errors where snapshot_date = ? order by 1", [snapshot]
        ).fetchall()
    for source_file, error in errors:
        context.log.error(f"{source_file}: {error}")
    return dg.MaterializeResult(
        metadata={
            "regencies_loaded": dg.MetadataValue.json(sorted(r[0] for r in files)),
            "regencies_missing": dg.MetadataValue.json(
                sorted({dotted_regency(c) for c in REGENCIES} - {r[0] for r in files})
            ),
            "persons": persons,
            "duplicates_superseded": dg.MetadataValue.json(superseded),
            "files_dropped": dg.MetadataValue.json(gone),
            "file_errors": dg.MetadataValue.json({f: e for f, e in errors}),
            "files": dg.MetadataValue.md(
                "| regency | file | read | loaded | rejected | superseded |\n|---|---|---|---|---|---|\n"
                + "\n".join(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} | {r[4]} | {r[5]} |" for r in files)
            ),
        }
    )
