"""What leaves the warehouse: the published marts (only when every check passed) and the audit reports."""

import dagster as dg

from pipelines.defs.quality.checks import MART_KEYS, MART_NAMES
from pipelines.defs.resources import WAREHOUSE_POOL, KtpSettings, WarehouseRunLock
from pipelines.lib.faults import fault_point
from pipelines.lib.ingest.contract import AREA_CODE_LIST_VERSION
from pipelines.lib.publish import PiiFoundError, export_quarantine, gate, publish_marts, report_stamp
from pipelines.lib.publish.checks_passed import gate_checks, run_checks
from pipelines.lib.publish.dbt_docs import docs_dir, write_dbt_docs
from pipelines.lib.publish.report import zones_of
from pipelines.lib.quality.context import data_docs_dir
from pipelines.lib.runs import up_to_date
from pipelines.lib.warehouse import connect

PII_CHECK = "pii_scan"


@dg.asset(
    deps=MART_KEYS,
    group_name="publication",
    kinds={"parquet", "csv"},
    pool=WAREHOUSE_POOL,
    check_specs=[
        dg.AssetCheckSpec(
            PII_CHECK,
            asset="published",
            blocking=True,
            description="No published file holds a 16-digit number (a NIK) or a personal-identifier column.",
        )
    ],
    description=(
        "Every mart as Parquet and CSV, the coverage report made from them (report/index.html and a PNG "
        "per chart) and manifest.json in KTP_PUBLISH_DIR, swapped in atomically. "
        "Runs only when the marts' blocking checks passed and every loaded file and snapshot "
        "passed its own checks."
    ),
)
def published(context: dg.AssetExecutionContext, ktp: KtpSettings, run_lock: WarehouseRunLock):
    settings = ktp.settings
    with connect(settings, read_only=True) as conn:
        verdict = gate.evaluate(conn, gate.current_rules(settings))
        judged = up_to_date.judged_files(conn) if verdict.open else []
    if not verdict.open:
        for problem in verdict.problems:
            context.log.error(problem)
        raise dg.Failure(
            description="publication blocked: " + "; ".join(verdict.problems),
            metadata={"problems": dg.MetadataValue.json(verdict.problems)},
        )
    validation = {
        "success": True,
        # lets the next headless run see that nothing changed since this publication
        "inputs_fingerprint": up_to_date.inputs_fingerprint(settings, judged),
        "report": str(data_docs_dir(settings.reports_dir) / "index.html"),
        "run_id": context.run.run_id,
        # every blocking check the publication passed (the PII scan is added by the publisher)
        "checks": gate_checks(verdict.validations) + run_checks(context.instance, context.run.run_id),
        # A setting that turned a blocking check off is part of why this release was allowed out.
        "checks_switched_off": settings.checks_switched_off(),
    }
    try:
        manifest = publish_marts(
            settings.warehouse,
            settings.publish_dir,
            run_id=context.run.run_id,
            code_list_version=AREA_CODE_LIST_VERSION,
            validation=validation,
            marts=MART_NAMES,
            engine=settings.engine,
            report_zones=zones_of(settings),
        )
    except PiiFoundError as e:
        yield dg.AssetCheckResult(
            check_name=PII_CHECK,
            passed=False,
            description=str(e),
            metadata={"findings": dg.MetadataValue.json([str(f) for f in e.findings])},
        )
        raise dg.Failure(description=f"publication blocked by the PII scan: {e}") from e
    files = manifest["files"]
    yield dg.MaterializeResult(
        metadata={
            "publish_dir": dg.MetadataValue.path(str(settings.publish_dir)),
            "release": str(manifest["release"]),
            "snapshots": dg.MetadataValue.json(manifest["snapshots"]),
            "files": len(files),
            "rows": dg.MetadataValue.json({f["file"]: f["rows"] for f in files}),
            "coverage_report": dg.MetadataValue.path(str(settings.publish_dir / "report" / "index.html")),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name=PII_CHECK,
                passed=True,
                metadata={"files_scanned": len(files) + len(manifest["report"]["files"]) + 1},
            )
        ],
    )


@dg.asset(
    deps=MART_KEYS,
    group_name="publication",
    kinds={"dbt", "csv"},
    pool=WAREHOUSE_POOL,
    description=(
        "Reports for auditors in KTP_REPORTS_DIR: the dbt docs site (dbt_docs/index.html), and each file's "
        "quarantined rows with the NIK masked (quarantine/). The GX Data Docs are kept by the checks."
    ),
)
def audit_reports(
    context: dg.AssetExecutionContext, ktp: KtpSettings, run_lock: WarehouseRunLock
) -> dg.MaterializeResult:
    settings = ktp.settings
    fault_point("before_reports")  # crash tests: published (or blocked), no report written yet
    report_stamp.invalidate(settings)
    regenerated = write_dbt_docs(settings)
    # Listings of snapshots whose files did not change since they were written are left as they are.
    quarantine = export_quarantine(settings.warehouse, settings.reports_dir, only_changed=True)
    with connect(settings, read_only=True) as conn:
        judged = up_to_date.judged_files(conn)
    # Last, once every report is in place: the nothing-changed check trusts the reports by this stamp.
    stamp = report_stamp.write(settings, up_to_date.inputs_fingerprint(settings, judged))
    return dg.MaterializeResult(
        metadata={
            "dbt_docs": dg.MetadataValue.path(str(docs_dir(settings) / "index.html")),
            "dbt_docs_regenerated": regenerated,
            "quarantine_files": len(quarantine),
            "made_for_release": stamp["release"] or "none (not published)",
            "data_docs": dg.MetadataValue.path(str(data_docs_dir(settings.reports_dir) / "index.html")),
        }
    )
