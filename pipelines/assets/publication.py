"""What leaves the warehouse: the published marts (only when every check passed) and the audit reports."""

import shutil

import dagster as dg

from pipelines import gate, up_to_date
from pipelines.assets.checks import MART_KEYS, MART_NAMES
from pipelines.dbt_manifest import run_dbt, vars_args
from pipelines.ingest.contract import AREA_CODE_LIST_VERSION
from pipelines.publish import PiiFoundError, export_quarantine, publish_marts
from pipelines.quality.context import data_docs_dir
from pipelines.resources import WAREHOUSE_POOL, KtpSettings
from pipelines.warehouse import connect

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
        "Every mart as Parquet and CSV plus manifest.json in KTP_PUBLISH_DIR, swapped in atomically. "
        "Runs only when the marts' blocking checks passed and every loaded file and snapshot "
        "passed its own checks."
    ),
)
def published(context: dg.AssetExecutionContext, ktp: KtpSettings):
    settings = ktp.resolve()
    with connect(settings) as conn:
        verdict = gate.evaluate(conn)
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
        "inputs_fingerprint": up_to_date.inputs_fingerprint(settings, up_to_date.read_state(settings)),
        "report": str(data_docs_dir(settings.reports_dir) / "index.html"),
        "run_id": context.run.run_id,
        "checks": verdict.validations,
    }
    try:
        manifest = publish_marts(
            settings.warehouse,
            settings.publish_dir,
            run_id=context.run.run_id,
            code_list_version=AREA_CODE_LIST_VERSION,
            validation=validation,
            marts=MART_NAMES,
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
        },
        check_results=[
            dg.AssetCheckResult(check_name=PII_CHECK, passed=True, metadata={"files_scanned": len(files) + 1})
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
def audit_reports(context: dg.AssetExecutionContext, ktp: KtpSettings) -> dg.MaterializeResult:
    settings = ktp.resolve()
    docs = settings.reports_dir / "dbt_docs"
    docs.mkdir(parents=True, exist_ok=True)
    # In the warehouse's dbt target folder dbt reuses the build's parse (partial_parse.msgpack), and with
    # --no-compile the catalog (column types, row counts) is all it reads from the warehouse.
    target = settings.dbt_target_dir
    run_dbt(
        settings,
        "docs",
        "generate",
        "--static",
        "--no-compile",
        *vars_args(settings),
        "--target-path",
        str(target),
        log_dir=target,
    )
    # The static page embeds manifest and catalog, so it opens from disk without a web server.
    shutil.copyfile(target / "static_index.html", docs / "index.html")
    for name in ("manifest.json", "catalog.json"):
        shutil.copyfile(target / name, docs / name)
    quarantine = export_quarantine(settings.warehouse, settings.reports_dir)
    return dg.MaterializeResult(
        metadata={
            "dbt_docs": dg.MetadataValue.path(str(docs / "index.html")),
            "quarantine_files": len(quarantine),
            "data_docs": dg.MetadataValue.path(str(data_docs_dir(settings.reports_dir) / "index.html")),
        }
    )
