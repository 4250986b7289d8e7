"""Row order of the published files: each mart sorted by its key, so two runs on the same data give
byte-identical CSVs and readers can diff releases.

Keys are the marts' contract (see the dbt models); a mart not listed here is sorted by all its columns
left to right, which is still deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipelines.lib.sql import sql_ident

MART_KEYS: dict[str, tuple[str, ...]] = {
    "coverage_province": ("snapshot_date", "area_code"),
    "coverage_regency": ("snapshot_date", "area_code"),
    "coverage_district": ("snapshot_date", "area_code"),
    "coverage_village": ("snapshot_date", "area_code"),
    "coverage_age_cohort": ("snapshot_date", "regency_code", "age_cohort", "sex"),
    "pemula_outlook": ("snapshot_date", "regency_code", "district_code", "month_turning_17"),
    "outreach_priority": ("snapshot_date", "priority_rank"),
    "coverage_trend": ("snapshot_date", "area_code"),
    "ingest_summary": ("snapshot_date", "regency_code"),
    "reject_reasons": ("snapshot_date", "regency_code", "reason"),
    "quality_flags": ("snapshot_date", "regency_code", "flag"),
}


def order_by_columns(mart: str, columns: Sequence[str]) -> list[str]:
    """Key columns first, then every other column as a tie-breaker (a key may be violated upstream)."""
    present = set(columns)
    key = [c for c in MART_KEYS.get(mart, ()) if c in present]
    return key + [c for c in columns if c not in key]


def order_by_clause(mart: str, columns: Sequence[str]) -> str:
    cols = order_by_columns(mart, columns)
    return "order by " + ", ".join(f"{sql_ident(c)} nulls last" for c in cols) if cols else ""
