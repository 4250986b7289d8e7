"""Thresholds and reference lists the suites are parameterised with.

Suite files name parameters, never values: `{"$PARAMETER": "max_reject_rate"}` in an expectation's
kwargs (GX's suite parameters) or `:max_reject_rate` inside SQL (filled in by `sql_params.render`).
Every value comes from here, so one environment variable changes a limit everywhere.
"""

from __future__ import annotations

import os
from typing import Any

from pipelines.ingest.contract import REGENCIES, REQUIRED_COLUMNS, dotted_regency

DEFAULT_MAX_REJECT_RATE = 0.05
DEFAULT_OUTLIER_Z = 3.5
DEFAULT_POPULATION_TOLERANCE = 0.10


def _env_float(var: str, default: float) -> float:
    raw = os.environ.get(var)
    return float(raw) if raw not in (None, "") else default


def suite_parameters(settings: Any = None, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Values for every parameter a suite file may name.

    `settings` (pipelines.settings.Settings) wins over the environment for the limits it carries;
    `overrides` wins over both (tests, or a one-off run with a different limit).
    """
    params: dict[str, Any] = {
        "max_reject_rate": getattr(
            settings, "max_reject_rate", _env_float("KTP_MAX_REJECT_RATE", DEFAULT_MAX_REJECT_RATE)
        ),
        # Modified z-score (Iglewicz & Hoaglin) above which a district's change is reported.
        "outlier_z": _env_float("KTP_OUTLIER_Z", DEFAULT_OUTLIER_Z),
        # Largest accepted relative gap between the registry and Dukcapil's published population.
        "population_tolerance": _env_float("KTP_POPULATION_TOLERANCE", DEFAULT_POPULATION_TOLERANCE),
        "required_columns": list(REQUIRED_COLUMNS),
        "regency_codes": [dotted_regency(code) for code in REGENCIES],
    }
    params.update(overrides or {})
    return params
