"""The validation history in the warehouse: one row per expectation per suite run, append-only.

Kept next to the data it judges so a question like "since when does Nunukan fail the reject-rate
check" is one query; the full results (samples of offending rows) are in the Data Docs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines.lib.warehouse import connect

if TYPE_CHECKING:
    from pipelines.lib.quality.runner import SuiteOutcome

TABLE = "audit.validation_history"

DDL = f"""
create schema if not exists audit;
create table if not exists {TABLE} (
    run_id         varchar   not null,
    validated_at   timestamp not null,  -- UTC
    suite          varchar   not null,
    asset          varchar   not null,
    snapshot_date  date,
    regency_code   varchar,
    expectation    varchar   not null,  -- the rule name of the suite file
    expectation_type varchar not null,  -- the GX expectation
    severity       varchar   not null,  -- 'blocking' | 'warning'
    success        boolean   not null,
    observed_value varchar,             -- JSON
    error          varchar,             -- set when the check could not be evaluated
    duration_s     double    not null,  -- of the whole suite run
    docs_page      varchar,
    rules_fingerprint varchar           -- the suite file and limits judged by (suites.rules_fingerprint)
);
-- a warehouse from before the column: its validations have none, so the gate has them made again
alter table {TABLE} add column if not exists rules_fingerprint varchar;
"""


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, default=str, sort_keys=True)


def append_all(warehouse: Path, outcomes: list[SuiteOutcome]) -> int:
    rows = [
        (
            outcome.run_id,
            outcome.validated_at.replace(tzinfo=None),
            outcome.suite,
            outcome.asset,
            outcome.snapshot_date,
            outcome.regency_code,
            e.rule,
            e.expectation_type,
            e.severity,
            e.success,
            _json(e.observed_value),
            e.error,
            outcome.duration_s,
            str(outcome.docs_page) if outcome.docs_page else None,
            outcome.rules_fingerprint or None,
        )
        for outcome in outcomes
        for e in outcome.expectations
    ]
    if not rows:
        return 0
    with connect(warehouse) as con:
        con.execute(DDL)
        con.executemany(f"insert into {TABLE} values ({', '.join('?' * 15)})", rows)
    return len(rows)
