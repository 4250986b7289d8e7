"""The publish gate: were the files and snapshots that feed the marts checked after their last change,
and did they pass?

The per-file and per-snapshot checks validate, in one go per run, every file and snapshot that changed
since its last validation (`files_to_validate`, `snapshots_to_validate`), and every one whose last
validation was made by other rules: another suite file or other limits (`current_rules`), so that a
limit tightened is applied to the files already loaded, and one loosened clears their old failures. The
run that publishes looks back over all of them: it publishes only if every file currently loaded was
validated, by the current rules, after it was judged and passed, every snapshot likewise after it was
last deduplicated, and no file was refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

import duckdb

from pipelines.lib.quality.parameters import suite_parameters
from pipelines.lib.quality.suites import rules_fingerprint
from pipelines.lib.settings import Settings

GATED_SUITES = ("ingested_file", "snapshot")

# The latest validation of each file and snapshot: one row per (suite, snapshot, regency).
LATEST_VALIDATIONS = """
with runs as (
    select suite, snapshot_date, regency_code, run_id, max(validated_at) as validated_at,
           bool_and(success) filter (where severity = 'blocking') as passed,
           list(expectation order by expectation)
               filter (where severity = 'blocking' and not success) as failed,
           any_value(rules_fingerprint) as rules_fingerprint
    from audit.validation_history
    where suite in ('ingested_file', 'snapshot')
    group by all
)
select * from runs
qualify row_number() over (partition by suite, snapshot_date, regency_code order by validated_at desc) = 1
"""

# What changed since its last validation: (snapshot, regency) files and snapshots, with when.
_FILES = "select snapshot_date, regency_code, source_file, loaded_at from ingest.files order by 1, 2"
_SNAPSHOTS = "select snapshot_date, max(resolved_at) from ingest.files group by 1 order by 1"


@dataclass
class GateVerdict:
    problems: list[str] = field(default_factory=list)
    validations: list[dict] = field(default_factory=list)

    @property
    def open(self) -> bool:
        return not self.problems


def _tables(conn: duckdb.DuckDBPyConnection) -> set[str]:
    # Views too: on Spark the warehouse file reads the tables through views (engines/spark_mirror.py).
    sql = "select table_schema || '.' || table_name from information_schema.tables"
    return {r[0] for r in conn.execute(sql).fetchall()}


def _latest(conn: duckdb.DuckDBPyConnection) -> dict[tuple, tuple]:
    if "audit.validation_history" not in _tables(conn):
        return {}
    # suite, snapshot, regency -> (suite, snapshot, regency, run, at, passed, failed)
    return {(r[0], r[1], r[2]): r for r in conn.execute(LATEST_VALIDATIONS).fetchall()}


def current_rules(settings: Settings) -> dict[str, str]:
    """The rules each gated suite judges by now, as the runner fingerprints them."""
    limits = suite_parameters(settings)
    return {suite: rules_fingerprint(suite, limits) for suite in GATED_SUITES}


def _stale(latest: dict, key: tuple, since, rules: Mapping[str, str]) -> bool:
    v = latest.get(key)
    # no time of change (a file with no judged rows) is never taken as validated
    return v is None or since is None or v[4] < since or v[7] != rules[key[0]]


def files_to_validate(conn: duckdb.DuckDBPyConnection, rules: Mapping[str, str]) -> list[tuple[date, str]]:
    latest = _latest(conn)
    return [
        (s, r)
        for s, r, _, at in conn.execute(_FILES).fetchall()
        if _stale(latest, ("ingested_file", s, r), at, rules)
    ]


def snapshots_to_validate(conn: duckdb.DuckDBPyConnection, rules: Mapping[str, str]) -> list[date]:
    latest = _latest(conn)
    return [
        s for s, at in conn.execute(_SNAPSHOTS).fetchall() if _stale(latest, ("snapshot", s, None), at, rules)
    ]


def evaluate(conn: duckdb.DuckDBPyConnection, rules: Mapping[str, str]) -> GateVerdict:
    verdict = GateVerdict()
    if not {"ingest.files", "ingest.file_errors"} <= _tables(conn):
        verdict.problems.append("the extracts were not judged (dbt did not build ingest.files)")
        return verdict
    latest = _latest(conn)
    files = conn.execute(_FILES).fetchall()
    if not files:
        verdict.problems.append("no extract is loaded")
    for snapshot, regency, source_file, loaded_at in files:
        v = latest.get(("ingested_file", snapshot, regency))
        if _stale(latest, ("ingested_file", snapshot, regency), loaded_at, rules):
            verdict.problems.append(f"{source_file}: not validated by the current rules since it was loaded")
        elif not v[5]:
            verdict.problems.append(f"{source_file}: failed {', '.join(v[6] or [])} (run {v[3]})")
    for snapshot, resolved_at in conn.execute(_SNAPSHOTS).fetchall():
        v = latest.get(("snapshot", snapshot, None))
        if _stale(latest, ("snapshot", snapshot, None), resolved_at, rules):
            verdict.problems.append(
                f"snapshot {snapshot}: not validated by the current rules since its files last changed"
            )
        elif not v[5]:
            verdict.problems.append(f"snapshot {snapshot}: failed {', '.join(v[6] or [])} (run {v[3]})")
    for source_file, error in conn.execute(
        "select source_file, error from ingest.file_errors order by 1"
    ).fetchall():
        verdict.problems.append(f"{source_file}: refused ({error})")
    verdict.validations = [
        {
            "suite": r[0],
            "snapshot_date": r[1].isoformat() if r[1] else None,
            "regency_code": r[2],
            "run_id": r[3],
            "validated_at": r[4].isoformat(timespec="seconds") + "Z",
            "passed": bool(r[5]),
        }
        for r in sorted(latest.values(), key=lambda r: (r[0], str(r[1]), r[2] or ""))
    ]
    return verdict
