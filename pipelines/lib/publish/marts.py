"""The published marts and the order of everything in a release: the marts in the order a run publishes
them (PUBLISHED_MARTS: the Dagster assets, the workbook's sheets, the data package's resources), each
mart's rows sorted by its key, so two runs on the same data give byte-identical files and readers can
diff releases.

A mart's key is declared once, in its dbt YAML (mart_docs.py reads it); a mart without one is sorted by
all its columns left to right, which is still deterministic. The order of the marts is not dbt's to say
(dbt knows no order among models that do not depend on each other), so it is here; every model of
dbt_project/models/marts/ must be in it (tests/test_publish.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from pipelines.lib.publish.mart_docs import mart_doc
from pipelines.lib.sql import sql_ident

PUBLISHED_MARTS: tuple[str, ...] = (
    "coverage_province",
    "coverage_regency",
    "coverage_district",
    "coverage_village",
    "coverage_age_cohort",
    "pemula_outlook",
    "outreach_priority",
    "coverage_trend",
    "ingest_summary",
    "reject_reasons",
    "quality_flags",
)


def mart_key(mart: str) -> tuple[str, ...]:
    return mart_doc(mart).key


def order_by_columns(mart: str, columns: Sequence[str]) -> list[str]:
    """Key columns first, then every other column as a tie-breaker (a key may be violated upstream)."""
    present = set(columns)
    key = [c for c in mart_key(mart) if c in present]
    return key + [c for c in columns if c not in key]


def order_by_clause(mart: str, columns: Sequence[str]) -> str:
    cols = order_by_columns(mart, columns)
    return "order by " + ", ".join(f"{sql_ident(c)} nulls last" for c in cols) if cols else ""
