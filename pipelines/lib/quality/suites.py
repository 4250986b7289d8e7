"""Suite files (expectations/<suite>.json): loading, checking, and turning them into GX suites.

A suite file is a GX expectation-suite document (name, meta, expectations with type/kwargs/meta/
severity/description) with three additions in `meta`, read by the runner:
  * `batch`: the SQL selecting the rows the column expectations look at (one batch per suite run);
  * `scope`: which of `snapshot_date` / `regency_code` a run must be given;
  * per expectation `meta.rule`: a short stable name, used in outcomes and the validation history.
`severity` is GX's own field: "critical" expectations block publishing, "warning" ones are reported.
SQL (meta.batch, unexpected_rows_query) may be written as a list of lines for review; `:name` in it is a
parameter (see parameters.py), and it must not use `{`/`}` (GX formats the query with str.format).
Cross-table SQL names its tables (`ingest.files`, `marts.coverage_village`) rather than `{batch}`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.lib.fingerprint import fingerprint
from pipelines.lib.quality.sql_params import render
from pipelines.lib.settings import EXPECTATIONS_DIR

SCOPES = ("snapshot_date", "regency_code")
SEVERITIES = {"critical": "blocking", "warning": "warning"}
# Kwargs holding SQL: `:name` placeholders in them are filled in per run (see sql_params).
SQL_KWARGS = ("unexpected_rows_query",)


class SuiteFileError(ValueError):
    pass


@dataclass(frozen=True)
class SuiteSpec:
    name: str
    path: Path
    description: str
    scope: tuple[str, ...]
    batch_query: str
    expectations: tuple[dict[str, Any], ...]


def tables_read(spec: SuiteSpec, schema: str) -> dict[str, frozenset[str]]:
    """rule -> the tables of `schema` the expectation reads: those its own SQL names, else (a column
    expectation) those of the suite's batch. What a check on each table reports (defs/quality/checks.py)."""
    named = re.compile(rf"\b{re.escape(schema)}\.(\w+)")
    batch = frozenset(named.findall(spec.batch_query))
    reads = {}
    for exp in spec.expectations:
        own = {t for key in SQL_KWARGS for t in named.findall(_sql(exp.get("kwargs", {}).get(key)) or "")}
        reads[exp["meta"]["rule"]] = frozenset(own) or batch
    return reads


def _sql(value: Any) -> Any:
    return "\n".join(value) if isinstance(value, list) else value


def suite_path(name: str, directory: Path = EXPECTATIONS_DIR) -> Path:
    return directory / f"{name}.json"


def rules_fingerprint(name: str, limits: Mapping[str, Any], directory: Path = EXPECTATIONS_DIR) -> str:
    """What a validation of `name` judged by: the suite file and the limits filled into it. A validation
    made by other rules (a suite edited, KTP_MAX_REJECT_RATE changed) no longer counts for the gate."""
    return fingerprint([suite_path(name, directory)], values=dict(limits), length=16)


def available_suites(directory: Path = EXPECTATIONS_DIR) -> list[str]:
    return sorted(p.stem for p in directory.glob("*.json"))


def load_suite_spec(name: str, directory: Path = EXPECTATIONS_DIR) -> SuiteSpec:
    path = suite_path(name, directory)
    if not path.is_file():
        raise SuiteFileError(f"no suite file {path} (suites: {available_suites(directory)})")
    doc = json.loads(path.read_text(encoding="utf-8"))
    meta = doc.get("meta") or {}
    problems: list[str] = []
    if doc.get("name") != name:
        problems.append(f"name is {doc.get('name')!r}, file says {name!r}")
    scope = tuple(meta.get("scope") or ())
    if not set(scope) <= set(SCOPES):
        problems.append(f"meta.scope {scope} not within {SCOPES}")
    if not isinstance(_sql(meta.get("batch")), str):
        problems.append("meta.batch (the batch SQL) is missing")
    rules: set[str] = set()
    for i, exp in enumerate(doc.get("expectations") or []):
        rule = (exp.get("meta") or {}).get("rule")
        if not rule or rule in rules:
            problems.append(f"expectation {i}: meta.rule missing or repeated ({rule!r})")
        rules.add(rule)
        if exp.get("severity") not in SEVERITIES:
            problems.append(f"expectation {i} ({rule}): severity must be one of {sorted(SEVERITIES)}")
        if not exp.get("type") or not isinstance(exp.get("kwargs"), dict):
            problems.append(f"expectation {i} ({rule}): type and kwargs are required")
    if not rules:
        problems.append("no expectations")
    if problems:
        raise SuiteFileError(f"{path}: " + "; ".join(problems))
    return SuiteSpec(
        name=name,
        path=path,
        description=meta.get("description", ""),
        scope=scope,
        batch_query=_sql(meta["batch"]),
        expectations=tuple(doc["expectations"]),
    )


def render_batch_query(spec: SuiteSpec, values: dict[str, Any]) -> str:
    return render(spec.batch_query, values)


def expectation_configs(spec: SuiteSpec, values: dict[str, Any]) -> list[dict[str, Any]]:
    """The suite's expectations with their SQL placeholders filled in, ready for GX."""
    configs = []
    for exp in spec.expectations:
        kwargs = dict(exp["kwargs"])
        for key in SQL_KWARGS:
            if key in kwargs:
                kwargs[key] = render(_sql(kwargs[key]), values)
        config = {"type": exp["type"], "kwargs": kwargs, "meta": dict(exp.get("meta") or {})}
        config["severity"] = exp["severity"]
        if exp.get("description"):
            config["description"] = exp["description"]
        configs.append(config)
    return configs
