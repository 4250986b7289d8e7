"""Great Expectations suites as Dagster asset checks (GX 1.x called directly; dagster-ge is GX 0.x only).

Each suite file in expectations/ is a check on the assets it reads:
- `ingested_file` on each judged file and `snapshot` on each snapshot, both on ingest/files (the judged
  files' bookkeeping). One step per run validates every file and snapshot that changed since its last
  validation; each still gets its own result (Data Docs page, rows in audit.validation_history), which
  the publish gate reads.
- `marts` (blocking) and `warnings` (reported only): validated once per run, and reported on each mart
  their expectations read, so a reader of a mart finds its checks there. A cross-table expectation
  (villages adding up to their district) counts on both marts.
"""

from collections.abc import Iterator, Mapping

import dagster as dg

from pipelines.defs.resources import WAREHOUSE_POOL, KtpSettings
from pipelines.lib.ingest.discovery import partition_key
from pipelines.lib.publish import gate
from pipelines.lib.publish.marts import PUBLISHED_MARTS
from pipelines.lib.quality.plain_words import said
from pipelines.lib.quality.runner import SuiteOutcome, run_suite, run_suites
from pipelines.lib.quality.suites import load_suite_spec, tables_read
from pipelines.lib.warehouse import connect

# The published marts, in their publication order (pipelines/lib/publish/marts.py).
MART_NAMES = list(PUBLISHED_MARTS)
# dbt models get their schema as key prefix: marts/coverage_province, ingest/files.
MART_KEYS = [dg.AssetKey(["marts", name]) for name in MART_NAMES]
JUDGED_FILES = dg.AssetKey(["ingest", "files"])


def scope_label(outcome: SuiteOutcome) -> str:
    """The file or snapshot a result is about, named as its partition: "6571 Kota Tarakan|2026-03-31"."""
    snapshot = str(outcome.snapshot_date or "")
    if outcome.regency_code:
        return partition_key(snapshot, outcome.regency_code.replace(".", ""))
    return snapshot


def _failed_expectations(outcomes: list[SuiteOutcome]) -> dict[str, object]:
    return {
        f"{scope_label(o)} {e.rule}".strip(): (e.error or e.observed_value)
        for o in outcomes
        for e in o.failed + o.warnings
    }


def _failed_scopes(
    outcomes: list[SuiteOutcome], files: Mapping[tuple, Mapping[str, object]]
) -> dict[str, dict[str, str]]:
    """Per file or snapshot, its failed expectations in words: what the headless run reports line by
    line. `files` holds, by (snapshot, regency), the figures of the files judged (a reject rate's rows)."""
    return {
        scope_label(o): {
            e.rule: said(
                e.rule,
                e.error or e.observed_value,
                limits=o.parameters,
                file=files.get((o.snapshot_date, o.regency_code)),
            )
            for e in o.failed + o.warnings
        }
        for o in outcomes
        if o.failed or o.warnings
    }


def _file_figures(settings, outcomes: list[SuiteOutcome]) -> dict[tuple, dict[str, object]]:
    """Rows read and rejected of each file whose validation failed, by (snapshot, regency)."""
    failed = {(o.snapshot_date, o.regency_code) for o in outcomes if o.failed}
    if not failed:
        return {}
    with connect(settings, read_only=True) as conn:
        rows = conn.execute(
            "select snapshot_date, regency_code, rows_read, rows_rejected from ingest.files"
        ).fetchall()
    return {
        (snapshot, regency): {
            "snapshot_date": str(snapshot),
            "regency_code": regency,
            "rows_read": read,
            "rows_rejected": rejected,
        }
        for snapshot, regency, read, rejected in rows
        if (snapshot, regency) in failed
    }


def check_result(
    outcomes: list[SuiteOutcome],
    *,
    suite: str,
    blocking: bool = True,
    files: Mapping[tuple, Mapping[str, object]] | None = None,
    asset_key: dg.AssetKey | None = None,
    check_name: str | None = None,
) -> dg.AssetCheckResult:
    warned = [e for o in outcomes for e in o.warnings]
    return dg.AssetCheckResult(
        asset_key=asset_key,
        check_name=check_name,
        passed=all(o.success for o in outcomes) and (blocking or not warned),
        severity=dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN,
        # A markdown list: the UI joins plain lines into one paragraph.
        description="\n".join(f"- {o.summary()}" for o in outcomes)
        or f"{suite}: nothing changed since its last validation",
        metadata={
            "suite": suite,
            "validated": dg.MetadataValue.json([scope_label(o) for o in outcomes]),
            "expectations": sum(len(o.expectations) for o in outcomes),
            "failed_expectations": dg.MetadataValue.json(_failed_expectations(outcomes)),
            "failed_scopes": dg.MetadataValue.json(_failed_scopes(outcomes, files or {})),
            "validated_in_s": round(sum(o.duration_s for o in outcomes), 3),
            "data_docs": dg.MetadataValue.path(str(outcomes[-1].docs_index if outcomes else "")),
        },
    )


@dg.asset_check(
    asset=JUDGED_FILES,
    name="gx_ingested_file",
    blocking=True,
    pool=WAREHOUSE_POOL,
    description=(
        "GX suite expectations/ingested_file.json for every file judged since its last validation: reject "
        "rate within the limit, required columns present."
    ),
)
def gx_ingested_file(context: dg.AssetCheckExecutionContext, ktp: KtpSettings) -> dg.AssetCheckResult:
    settings = ktp.settings
    with connect(settings, read_only=True) as conn:
        scopes = gate.files_to_validate(conn, gate.current_rules(settings))
    outcomes = run_suites(
        settings, "ingested_file", scopes, asset="regency_extract", run_id=context.run.run_id
    )
    return check_result(outcomes, suite="ingested_file", files=_file_figures(settings, outcomes))


@dg.asset_check(
    asset=JUDGED_FILES,
    name="gx_snapshot",
    blocking=True,
    pool=WAREHOUSE_POOL,
    description=(
        "GX suite expectations/snapshot.json for every snapshot whose files changed since its last "
        "validation: all five regencies present, one person per NIK."
    ),
)
def gx_snapshot(context: dg.AssetCheckExecutionContext, ktp: KtpSettings) -> dg.AssetCheckResult:
    settings = ktp.settings
    with connect(settings, read_only=True) as conn:
        scopes = [(s, None) for s in gate.snapshots_to_validate(conn, gate.current_rules(settings))]
    outcomes = run_suites(settings, "snapshot", scopes, asset="snapshot", run_id=context.run.run_id)
    return check_result(outcomes, suite="snapshot")


# suite -> expectation -> the marts it reads (its SQL's tables, else the batch's).
SUITE_READS = {suite: tables_read(load_suite_spec(suite), "marts") for suite in ("marts", "warnings")}


def _per_mart(suite: str, description: str, *, blocking: bool) -> list[dg.AssetCheckSpec]:
    """One check named for the suite on each mart it reads, where a reader of that mart looks for it."""
    return [
        dg.AssetCheckSpec(f"gx_{suite}", asset=key, blocking=blocking, description=description)
        for name, key in zip(MART_NAMES, MART_KEYS, strict=True)
        if any(name in marts for marts in SUITE_READS[suite].values())
    ]


def _mart_results(
    outcomes: list[SuiteOutcome], suite: str, *, blocking: bool = True
) -> Iterator[dg.AssetCheckResult]:
    """The suite's validation as each mart's check result: the expectations that read that mart."""
    for name, key in zip(MART_NAMES, MART_KEYS, strict=True):
        rules = {rule for rule, marts in SUITE_READS[suite].items() if name in marts}
        if rules:
            yield check_result(
                [o.only(rules) for o in outcomes],
                suite=suite,
                blocking=blocking,
                asset_key=key,
                check_name=f"gx_{suite}",
            )


@dg.multi_asset_check(
    name="gx_marts",
    specs=_per_mart(
        "marts",
        "GX suite expectations/marts.json, the expectations that read this mart: ranges, nesting, each "
        "level adding up to the one above, cohorts to regencies, one row per key. Blocks publishing.",
        blocking=True,
    ),
    pool=WAREHOUSE_POOL,
    description="GX suite expectations/marts.json, validated once over every mart, reported on each.",
)
def gx_marts(context: dg.AssetCheckExecutionContext, ktp: KtpSettings) -> Iterator[dg.AssetCheckResult]:
    outcome = run_suite(ktp.settings, "marts", asset="marts", run_id=context.run.run_id)
    yield from _mart_results([outcome], "marts")


@dg.multi_asset_check(
    name="gx_warnings",
    specs=_per_mart(
        "warnings",
        "GX suite expectations/warnings.json (reported, never blocking), the expectations that read this "
        "mart: outlier changes per district since the previous snapshot, registry population against "
        "Dukcapil's published figures per regency.",
        blocking=False,
    ),
    pool=WAREHOUSE_POOL,
    description="GX suite expectations/warnings.json, per snapshot, reported on the marts it reads.",
)
def gx_warnings(context: dg.AssetCheckExecutionContext, ktp: KtpSettings) -> Iterator[dg.AssetCheckResult]:
    settings = ktp.settings
    with connect(settings, read_only=True) as conn:
        snapshots = [
            r[0]
            for r in conn.execute(
                "select distinct snapshot_date from marts.coverage_district order by 1"
            ).fetchall()
        ]
    # The suite compares one snapshot with the one before it: run it for each, in one go.
    outcomes = run_suites(
        settings, "warnings", [(s, None) for s in snapshots], asset="marts", run_id=context.run.run_id
    )
    yield from _mart_results(outcomes, "warnings", blocking=False)
