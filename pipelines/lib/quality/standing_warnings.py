"""The warnings the current marts stand with, read back from the validation history.

A run that finds nothing changed since the current publication starts neither Dagster nor GX, so it has
no check results of its own; its summary must still say what the publication's state is. The warnings
suite's latest validation of each snapshot in the marts is that state: nothing it reads has changed
since (the nothing-changed check makes sure of that). Said the way a full run says them
(pipelines/cli/run.py, from the asset check's `failed_scopes`), so both runs print the same lines.
"""

from __future__ import annotations

import json

import duckdb

from pipelines.lib.publish.marts import PUBLISHED_MARTS
from pipelines.lib.quality.parameters import suite_parameters
from pipelines.lib.quality.plain_words import said
from pipelines.lib.quality.suites import load_suite_spec, tables_read

SUITE = "warnings"

_LATEST = """
with latest as (
    select snapshot_date, max(validated_at) as validated_at
    from audit.validation_history
    where suite = ? and snapshot_date in (select distinct snapshot_date from marts.coverage_district)
    group by 1
)
select h.snapshot_date::varchar, h.expectation, h.observed_value, h.error
from audit.validation_history h join latest using (snapshot_date, validated_at)
where h.suite = ? and h.severity = 'warning' and not h.success
order by 1
"""


def standing_warnings(conn: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(what, message) of every failed warning of the latest validation of each snapshot."""
    spec = load_suite_spec(SUITE)
    order = {e["meta"]["rule"]: i for i, e in enumerate(spec.expectations)}
    reads = tables_read(spec, "marts")
    limits = suite_parameters()  # the limits now, which the nothing-changed check says were the run's
    by_snapshot: dict[str, list[tuple[str, object]]] = {}
    for snapshot, rule, observed, error in conn.execute(_LATEST, [SUITE, SUITE]).fetchall():
        value = error or (json.loads(observed) if observed is not None else None)
        by_snapshot.setdefault(snapshot, []).append((rule, value))
    # As a full run reports them (pipelines/defs/quality/checks.py): the suite's check on each mart its
    # expectations read, in publication order, then snapshot by snapshot.
    lines = []
    for mart in PUBLISHED_MARTS:
        for snapshot, failed in sorted(by_snapshot.items()):
            mine = [f for f in failed if mart in reads.get(f[0], ())]
            mine.sort(key=lambda f: order.get(f[0], 0))
            if mine:
                said_ = ", ".join(said(rule, value, limits=limits) for rule, value in mine)
                lines.append((f"marts/{mart}:gx_{SUITE} [{snapshot}]", "failed: " + said_))
    return lines
