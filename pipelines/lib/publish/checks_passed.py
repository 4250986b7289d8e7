"""The blocking checks a publication passed, as manifest.json lists them.

Three sources, because the checks live in three places:
- the GX file and snapshot suites: the publish gate's latest validation of every file and snapshot
  (audit.validation_history), which may come from an earlier run when a file did not change since;
- the GX marts suite and every dbt data test: this Dagster run's asset check evaluations (both run on
  every build, before the publication, which they block when they fail);
- the PII scan: added by the publisher itself (pipelines/lib/publish/publisher.py), which runs it.
"""

from __future__ import annotations

import dagster as dg

# Recorded per file and snapshot from the validation history instead (the gate's list).
_FROM_HISTORY = {"gx_ingested_file", "gx_snapshot"}


def gate_checks(validations: list[dict]) -> list[dict]:
    return [{"check": "gx_suite", "blocking": True, **v} for v in validations]


def run_checks(instance: dg.DagsterInstance, run_id: str) -> list[dict]:
    """Every blocking check evaluated so far in the run but the file and snapshot suites, sorted."""
    records = instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION, limit=100_000
    ).records
    checks = []
    for record in records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        key = evaluation.asset_check_key
        if key.name in _FROM_HISTORY or not evaluation.blocking:
            continue
        entry = {
            "check": "gx_suite" if key.name.startswith("gx_") else "dbt_test",
            "blocking": True,
            "asset": key.asset_key.to_user_string(),
            "name": key.name,
            "passed": bool(evaluation.passed),
        }
        suite = evaluation.metadata.get("suite")
        if suite is not None:
            entry["suite"] = suite.value
            entry["expectations"] = evaluation.metadata["expectations"].value
        checks.append(entry)
    return sorted(checks, key=lambda c: (c["check"], c["asset"], c["name"]))
