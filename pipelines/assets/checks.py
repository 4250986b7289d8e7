"""Great Expectations suites as Dagster asset checks (GX 1.x called directly; dagster-ge is GX 0.x only).

Each suite file in expectations/ guards one asset: `ingested_file` each regency file, `snapshot` each
snapshot, `marts` the marts (blocking), `warnings` the district and regency figures (reported only).
"""

from datetime import date

import dagster as dg

from pipelines.assets.ingestion import (
    extract_partitions,
    regency_extract,
    snapshot_partitions,
    snapshot_registry,
)
from pipelines.ingest.contract import dotted_regency
from pipelines.publish.mart_keys import MART_KEYS as PUBLISHED_MART_KEYS
from pipelines.quality.runner import SuiteOutcome, run_suite
from pipelines.resources import WAREHOUSE_POOL, KtpSettings
from pipelines.warehouse import connect

# The published marts, in their contract order (pipelines/publish/mart_keys.py holds their keys).
MART_NAMES = list(PUBLISHED_MART_KEYS)
# dbt models get their schema as key prefix: marts/coverage_province.
MART_KEYS = [dg.AssetKey(["marts", name]) for name in MART_NAMES]
PROVINCE = dg.AssetKey(["marts", "coverage_province"])


def check_result(outcome: SuiteOutcome, *, blocking: bool = True) -> dg.AssetCheckResult:
    failed = outcome.failed + outcome.warnings
    return dg.AssetCheckResult(
        passed=outcome.success and (blocking or not outcome.warnings),
        severity=dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN,
        description=outcome.summary(),
        metadata={
            "suite": outcome.suite,
            "snapshot_date": str(outcome.snapshot_date or ""),
            "regency_code": outcome.regency_code or "",
            "expectations": len(outcome.expectations),
            "failed_expectations": dg.MetadataValue.json(
                {e.rule: (e.error or e.observed_value) for e in failed}
            ),
            "validated_in_s": round(outcome.duration_s, 3),
            "data_docs": dg.MetadataValue.path(str(outcome.docs_page or outcome.docs_index or "")),
        },
    )


@dg.asset_check(
    asset=regency_extract,
    name="gx_ingested_file",
    blocking=True,
    pool=WAREHOUSE_POOL,
    partitions_def=extract_partitions,
    description="GX suite expectations/ingested_file.json: reject rate within the limit, required columns.",
)
def gx_ingested_file(context: dg.AssetCheckExecutionContext, ktp: KtpSettings) -> dg.AssetCheckResult:
    keys = context.partition_key.keys_by_dimension
    outcome = run_suite(
        ktp.resolve(),
        "ingested_file",
        asset="regency_extract",
        snapshot_date=date.fromisoformat(keys["snapshot"]),
        regency_code=dotted_regency(keys["regency"]),
        run_id=context.run.run_id,
    )
    return check_result(outcome)


@dg.asset_check(
    asset=snapshot_registry,
    name="gx_snapshot",
    blocking=True,
    pool=WAREHOUSE_POOL,
    partitions_def=snapshot_partitions,
    description="GX suite expectations/snapshot.json: all five regencies present, one person per NIK.",
)
def gx_snapshot(context: dg.AssetCheckExecutionContext, ktp: KtpSettings) -> dg.AssetCheckResult:
    outcome = run_suite(
        ktp.resolve(),
        "snapshot",
        asset="snapshot_registry",
        snapshot_date=date.fromisoformat(context.partition_key),
        run_id=context.run.run_id,
    )
    return check_result(outcome)


@dg.asset_check(
    asset=PROVINCE,
    name="gx_marts",
    blocking=True,
    pool=WAREHOUSE_POOL,
    additional_deps=[k for k in MART_KEYS if k != PROVINCE],
    description=(
        "GX suite expectations/marts.json over every mart: ranges, nesting, every level adding up to "
        "the one above, cohorts to regencies, one row per key. Blocks publishing."
    ),
)
def gx_marts(context: dg.AssetCheckExecutionContext, ktp: KtpSettings) -> dg.AssetCheckResult:
    return check_result(run_suite(ktp.resolve(), "marts", asset="marts", run_id=context.run.run_id))


@dg.asset_check(
    asset=dg.AssetKey(["marts", "coverage_district"]),
    name="gx_warnings",
    blocking=False,
    pool=WAREHOUSE_POOL,
    additional_deps=[dg.AssetKey(["marts", "coverage_regency"])],
    description=(
        "GX suite expectations/warnings.json (reported, never blocking): outlier changes per district "
        "since the previous snapshot, registry population against Dukcapil's published figures."
    ),
)
def gx_warnings(context: dg.AssetCheckExecutionContext, ktp: KtpSettings) -> dg.AssetCheckResult:
    settings = ktp.resolve()
    with connect(settings, read_only=True) as conn:
        snapshots = [
            r[0]
            for r in conn.execute(
                "select distinct snapshot_date from marts.coverage_district order by 1"
            ).fetchall()
        ]
    # The suite compares one snapshot with the one before it: run it for each.
    outcomes = [
        run_suite(settings, "warnings", asset="marts", snapshot_date=s, run_id=context.run.run_id)
        for s in snapshots
    ]
    warned = [e for o in outcomes for e in o.warnings]
    return dg.AssetCheckResult(
        passed=not warned and all(o.success for o in outcomes),
        severity=dg.AssetCheckSeverity.WARN,
        description="\n".join(o.summary() for o in outcomes) or "no snapshot in the marts",
        metadata={
            "suite": "warnings",
            "snapshots": dg.MetadataValue.json([str(s) for s in snapshots]),
            "failed_expectations": dg.MetadataValue.json(
                {
                    f"{o.snapshot_date} {e.rule}": (e.error or e.observed_value)
                    for o in outcomes
                    for e in o.warnings
                }
            ),
            "data_docs": dg.MetadataValue.path(str(outcomes[-1].docs_index if outcomes else "")),
        },
    )
