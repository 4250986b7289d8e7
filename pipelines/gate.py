"""The publish gate across runs: were the files and snapshots that feed the marts checked, and did they pass?

Blocking checks stop their own run, but a file's checks run in that file's run: the run that builds
and publishes the marts must look back. It publishes only if every file currently loaded was
validated after it was loaded and passed, every snapshot likewise, and no file was refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from pipelines.quality.history import DDL as HISTORY_DDL
from pipelines.warehouse import ensure_schema

# The latest validation of each file and snapshot: one row per (suite, snapshot, regency).
LATEST_VALIDATIONS = """
with runs as (
    select suite, snapshot_date, regency_code, run_id, max(validated_at) as validated_at,
           bool_and(success) filter (where severity = 'blocking') as passed,
           list(expectation order by expectation)
               filter (where severity = 'blocking' and not success) as failed
    from audit.validation_history
    where suite in ('ingested_file', 'snapshot')
    group by all
)
select * from runs
qualify row_number() over (partition by suite, snapshot_date, regency_code order by validated_at desc) = 1
"""


@dataclass
class GateVerdict:
    problems: list[str] = field(default_factory=list)
    validations: list[dict] = field(default_factory=list)

    @property
    def open(self) -> bool:
        return not self.problems


def evaluate(conn: duckdb.DuckDBPyConnection) -> GateVerdict:
    ensure_schema(conn)
    conn.execute(HISTORY_DDL)
    verdict = GateVerdict()
    latest = {
        (r[0], r[1], r[2]): r
        for r in conn.execute(
            LATEST_VALIDATIONS
        ).fetchall()  # suite, snapshot, regency, run, at, passed, failed
    }
    files = conn.execute(
        "select snapshot_date, regency_code, source_file, loaded_at from ingest.files order by 1, 2"
    ).fetchall()
    if not files:
        verdict.problems.append("no extract is loaded")
    for snapshot, regency, source_file, loaded_at in files:
        v = latest.get(("ingested_file", snapshot, regency))
        if v is None or v[4] < loaded_at:
            verdict.problems.append(f"{source_file}: not validated since it was loaded")
        elif not v[5]:
            verdict.problems.append(f"{source_file}: failed {', '.join(v[6] or [])} (run {v[3]})")
    for snapshot in sorted({f[0] for f in files}):
        newest_load = max(f[3] for f in files if f[0] == snapshot)
        v = latest.get(("snapshot", snapshot, None))
        if v is None or v[4] < newest_load:
            verdict.problems.append(f"snapshot {snapshot}: not validated since its last file was loaded")
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
