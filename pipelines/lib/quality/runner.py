"""Run a suite against the warehouse: `run_suites(settings, "ingested_file", scopes, asset=..., ...)`.

Each scope is one batch (the suite's `meta.batch` SQL) validated with every expectation of the suite file,
pushed down into DuckDB (GX compiles each expectation to SQL; no rows are fetched except the few
offending ones it samples), then closes every DuckDB connection it opened, appends one row per
expectation to audit.validation_history and renders the result's Data Docs page plus the index.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import time
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

from pipelines.lib.quality import context as gx_ctx
from pipelines.lib.quality import docs_assets, history
from pipelines.lib.quality.parameters import suite_parameters
from pipelines.lib.quality.quiet import without_batch_hint
from pipelines.lib.quality.suites import (
    SEVERITIES,
    expectation_configs,
    load_suite_spec,
    render_batch_query,
    rules_fingerprint,
)
from pipelines.lib.settings import EXPECTATIONS_DIR

if TYPE_CHECKING:
    from pipelines.lib.settings import Settings

log = logging.getLogger(__name__)

_REGENCY_CODE = re.compile(r"^\d{2}\.\d{2}$")
# One validation at a time per process: the GX context, its datasource and the DuckDB connection it
# holds are shared, and closing the connection after one run must not cut off another.
_gx_lock = threading.Lock()


@dataclass(frozen=True)
class ExpectationOutcome:
    rule: str
    expectation_type: str
    severity: str  # 'blocking' | 'warning'
    success: bool
    observed_value: Any
    error: str | None = None
    description: str = ""


@dataclass(frozen=True)
class SuiteOutcome:
    suite: str
    asset: str
    run_id: str
    snapshot_date: dt.date | None
    regency_code: str | None
    validated_at: dt.datetime
    duration_s: float
    expectations: tuple[ExpectationOutcome, ...]
    docs_page: Path | None
    docs_index: Path | None
    parameters: dict[str, Any] = field(default_factory=dict)
    rules_fingerprint: str = ""  # suites.rules_fingerprint: the suite file and limits it was judged by

    @property
    def success(self) -> bool:
        """True when no blocking expectation failed; warnings never fail a suite."""
        return all(e.success for e in self.expectations if e.severity == "blocking")

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [e for e in self.expectations if e.severity == "blocking" and not e.success]

    @property
    def warnings(self) -> list[ExpectationOutcome]:
        return [e for e in self.expectations if e.severity == "warning" and not e.success]

    def only(self, rules: Collection[str]) -> SuiteOutcome:
        """The same validation, reduced to the expectations named: what one of the tables it read gets."""
        return replace(self, expectations=tuple(e for e in self.expectations if e.rule in rules))

    def outcome(self, rule: str) -> ExpectationOutcome:
        return next(e for e in self.expectations if e.rule == rule)

    def summary(self) -> str:
        scope = " ".join(str(v) for v in (self.snapshot_date, self.regency_code) if v)
        head = f"{self.suite} {scope}".strip() + (" passed" if self.success else " FAILED")
        lines = [f"{head} ({len(self.expectations)} checks, {self.duration_s:.2f} s)"]
        for e in self.failed + self.warnings:
            kind = "FAIL" if e.severity == "blocking" else "WARN"
            detail = f"error: {e.error.strip().splitlines()[0][:200]}" if e.error else e.observed_value
            lines.append(f"  {kind} {e.rule}: {detail}")
        return "\n".join(lines)


def run_suite(
    settings: Settings,
    suite_name: str,
    *,
    asset: str,
    snapshot_date: dt.date | str | None = None,
    regency_code: str | None = None,
    run_id: str,
    parameters: dict[str, Any] | None = None,
    expectations_dir: Path = EXPECTATIONS_DIR,
) -> SuiteOutcome:
    """Validate `suite_name` for one scope; see the module doc. `parameters` overrides limits."""
    (outcome,) = run_suites(
        settings,
        suite_name,
        [(snapshot_date, regency_code)],
        asset=asset,
        run_id=run_id,
        parameters=parameters,
        expectations_dir=expectations_dir,
    )
    return outcome


def run_suites(
    settings: Settings,
    suite_name: str,
    scopes: list[tuple[dt.date | str | None, str | None]],
    *,
    asset: str,
    run_id: str,
    parameters: dict[str, Any] | None = None,
    expectations_dir: Path = EXPECTATIONS_DIR,
) -> list[SuiteOutcome]:
    """Validate `suite_name` for every (snapshot_date, regency_code) scope in one go.

    One GX context, one connection to the warehouse and one Data Docs update for all scopes, however
    many files or snapshots changed; each scope still gets its own validation result, Data Docs page
    and rows in the validation history.
    """
    spec = load_suite_spec(suite_name, expectations_dir)
    resolved = [_scope(spec.scope, snapshot, regency) for snapshot, regency in scopes]
    if not resolved:
        return []
    limits = suite_parameters(settings, parameters)
    fingerprint = rules_fingerprint(suite_name, limits, expectations_dir)
    outcomes: list[SuiteOutcome] = []
    with _gx_lock:
        context = gx_ctx.gx_context(settings.reports_dir)
        datasource = gx_ctx.warehouse_datasource(context, settings.warehouse, _duckdb_settings(settings))
        results = []
        try:
            from great_expectations.core.run_identifier import RunIdentifier

            with without_batch_hint():
                for scope in resolved:
                    values = {**limits, **scope}
                    name = "_".join([suite_name, *(str(v) for v in scope.values() if v is not None)])
                    started = time.perf_counter()
                    validated_at = dt.datetime.now(dt.UTC)
                    checkpoint = _checkpoint(context, datasource, spec, values, name)
                    result = checkpoint.run(
                        expectation_parameters=_json_safe(values),
                        run_id=RunIdentifier(run_name=run_id, run_time=validated_at),
                    )
                    results.append((scope, values, validated_at, time.perf_counter() - started, result))
        finally:
            from pipelines.lib.quality import gx_duckdb  # not at the top, as in gx_ctx.warehouse_datasource

            # Before anything else touches the file: DuckDB holds its lock while any connection is open.
            gx_duckdb.release(datasource)
        # The pages of every result of this call, the suite's own page (which each result links to) and
        # the index, once (GX's UpdateDataDocsAction, batched); then every page made to work offline.
        from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

        identifiers = [rid for *_, result in results for rid in result.run_results]
        identifiers.append(ExpectationSuiteIdentifier(name=spec.name))
        with without_batch_hint():
            context.build_data_docs(site_names=[gx_ctx.SITE], resource_identifiers=identifiers)
        docs_assets.localise_site(gx_ctx.data_docs_dir(settings.reports_dir))
        for scope, values, validated_at, duration, result in results:
            ((result_id, validation),) = result.run_results.items()
            outcomes.append(
                SuiteOutcome(
                    suite=suite_name,
                    asset=asset,
                    run_id=run_id,
                    snapshot_date=scope.get("snapshot_date"),
                    regency_code=scope.get("regency_code"),
                    validated_at=validated_at,
                    duration_s=duration,
                    expectations=tuple(_expectation_outcome(r) for r in validation.results),
                    docs_page=_docs_path(context, result_id),
                    docs_index=gx_ctx.data_docs_dir(settings.reports_dir) / "index.html",
                    parameters={k: values[k] for k in sorted(values)},
                    rules_fingerprint=fingerprint,
                )
            )
    history.append_all(settings.warehouse, outcomes)
    for outcome in outcomes:
        log.info("%s", outcome.summary())
    return outcomes


def _scope(required: tuple[str, ...], snapshot_date: Any, regency_code: str | None) -> dict[str, Any]:
    if isinstance(snapshot_date, str):
        snapshot_date = dt.date.fromisoformat(snapshot_date)
    if snapshot_date is not None and (
        not isinstance(snapshot_date, dt.date) or isinstance(snapshot_date, dt.datetime)
    ):
        raise TypeError(f"snapshot_date must be a date, got {snapshot_date!r}")
    if regency_code is not None and not _REGENCY_CODE.match(regency_code):
        raise ValueError(f"regency_code must be dotted like '65.01', got {regency_code!r}")
    scope = {"snapshot_date": snapshot_date, "regency_code": regency_code}
    missing = [name for name in required if scope[name] is None]
    if missing:
        raise ValueError(f"this suite runs per {', '.join(required)}; missing {', '.join(missing)}")
    return scope


def _duckdb_settings(settings: Any) -> dict[str, str]:
    knobs = {}
    if getattr(settings, "duckdb_memory_limit", None):
        knobs["memory_limit"] = str(settings.duckdb_memory_limit)
    if getattr(settings, "duckdb_threads", 0):
        knobs["threads"] = str(settings.duckdb_threads)
    return knobs


def _checkpoint(context: Any, datasource: Any, spec: Any, values: dict[str, Any], name: str) -> Any:
    import great_expectations as gx
    from great_expectations.checkpoint import Checkpoint

    if name in {a.name for a in datasource.assets}:
        datasource.delete_asset(name)
    query_asset = datasource.add_query_asset(name=name, query=render_batch_query(spec, values))
    batch = query_asset.add_batch_definition_whole_table("whole")
    suite = context.suites.add_or_update(
        gx.ExpectationSuite(
            name=spec.name,
            expectations=expectation_configs(spec, values),
            meta={"description": spec.description, "source": spec.path.name},
        )
    )
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=name, data=batch, suite=suite)
    )
    return context.checkpoints.add_or_update(
        Checkpoint(
            name=name,
            validation_definitions=[definition],
            actions=[],
            result_format="SUMMARY",
        )
    )


def _json_safe(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in values.items()}


def _expectation_outcome(result: Any) -> ExpectationOutcome:
    config = result.expectation_config
    details = result.result or {}
    observed = details.get("observed_value")
    if observed is None:
        # Column-map and set expectations report counts and samples instead of one observed value.
        observed = {k: v for k, v in details.items() if k != "observed_value" and k != "details"} or None
    return ExpectationOutcome(
        rule=(config.meta or {}).get("rule", config.type),
        expectation_type=config.type,
        severity=SEVERITIES.get(str(getattr(config.severity, "value", config.severity)), "blocking"),
        success=bool(result.success),
        observed_value=observed,
        error=_error(result.exception_info),
        description=config.description or "",
    )


def _error(info: Any) -> str | None:
    """GX reports an exception either flat or keyed by metric; either way, the first message."""
    if not info:
        return None
    candidates = [info] if "raised_exception" in info else list(info.values())
    for item in candidates:
        if isinstance(item, dict) and item.get("raised_exception"):
            return str(item.get("exception_message") or "exception while computing metrics")
    return None


def _docs_path(context: Any, result_id: Any) -> Path | None:
    urls = context.get_docs_sites_urls(resource_identifier=result_id, site_name=gx_ctx.SITE)
    if not urls or not urls[0].get("site_url"):
        return None
    return Path(unquote(urlparse(urls[0]["site_url"]).path))
