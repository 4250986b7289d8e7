"""A failed expectation said as a person would say it, not as GX's result dict.

"reject_rate_within_limit: reject rate 20.9 % > 5 % (6503 Nunukan, 2026-09-30: 19,033 of 91,212 rows)"
rather than "reject_rate_within_limit (observed {'unexpected_count': 1, ...})". The rules the gate
blocks on get their own words; any other rule keeps its observed value as it was, so that a new rule
is still reported before it has words of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipelines.lib.ingest.contract import REGENCIES


def _regency(code: str | None) -> str:
    digits = (code or "").replace(".", "")
    name = REGENCIES.get(digits)
    return f"{digits} {name}" if name else digits


def _percent(share: float) -> str:
    return f"{100 * share:.1f}".rstrip("0").rstrip(".") + " %"


def said(
    rule: str, observed: Any, *, limits: Mapping[str, Any], file: Mapping[str, Any] | None = None
) -> str:
    """`rule` and what it found. `file` (snapshot_date, regency_code, rows_read, rows_rejected) is the
    file a file-scoped rule judged, for the figures behind a rate."""
    if isinstance(observed, str):  # the check could not be evaluated: its error, as it was
        return f"{rule} (error: {observed})"
    if rule == "reject_rate_within_limit" and file and file.get("rows_read"):
        read, rejected = int(file["rows_read"]), int(file["rows_rejected"] or 0)
        return (
            f"{rule}: reject rate {_percent(rejected / read)} > {_percent(float(limits['max_reject_rate']))} "
            f"({_regency(file['regency_code'])}, {file['snapshot_date']}: {rejected:,} of {read:,} rows)"
        )
    if rule == "all_regencies_present" and isinstance(observed, Mapping):
        missing = observed.get("partial_missing_list") or []
        if missing:
            return f"{rule}: no file for {', '.join(_regency(c) for c in missing)}"
    if rule == "required_columns_present" and isinstance(observed, int):
        return f"{rule}: {observed} required column(s) missing from the header"
    if rule == "file_loaded":
        return f"{rule}: the file's rows were not loaded"
    if rule == "one_person_per_nik" and isinstance(observed, int):
        return f"{rule}: {observed:,} NIK(s) held by more than one person"
    if isinstance(observed, int) and rule in _COUNTED:
        return f"{rule}: {_COUNTED[rule].format(n=observed, **_limits_said(limits))}"
    return f"{rule} (observed {observed})"


# The warnings suite's rules count what they found (rows of their unexpected_rows_query).
_COUNTED = {
    "district_wajib_ktp_change_outlier": "{n} district(s) whose wajib KTP changed unlike the others "
    "since the previous snapshot (|modified z| > {outlier_z})",
    "district_coverage_change_outlier": "{n} district(s) whose coverage changed unlike the others since "
    "the previous snapshot (|modified z| > {outlier_z})",
    "population_near_dukcapil": "{n} regency figure(s) more than {population_tolerance} from Dukcapil's "
    "published population",
}


def _limits_said(limits: Mapping[str, Any]) -> dict[str, str]:
    z, tolerance = limits.get("outlier_z"), limits.get("population_tolerance")
    return {
        "outlier_z": f"{z:g}" if isinstance(z, int | float) else "KTP_OUTLIER_Z",
        "population_tolerance": _percent(tolerance)
        if isinstance(tolerance, int | float)
        else "KTP_POPULATION_TOLERANCE",
    }
