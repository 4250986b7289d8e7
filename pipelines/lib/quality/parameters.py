"""Thresholds and reference lists the suites are parameterised with.

Suite files name parameters, never values: `{"$PARAMETER": "max_reject_rate"}` in an expectation's
kwargs (GX's suite parameters) or `:max_reject_rate` inside SQL (filled in by `sql_params.render`).
Every value comes from here, so one environment variable changes a limit everywhere.
"""

from __future__ import annotations

from typing import Any

from pipelines.lib.ingest.contract import REGENCIES, REQUIRED_COLUMNS, dotted_regency
from pipelines.lib.settings import Settings


def suite_parameters(settings: Any = None, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Values for every parameter a suite file may name.

    The limits are `settings`' (pipelines.lib.settings.Settings), or the environment's read by Settings when
    `settings` carries only paths; `overrides` wins over both (tests, or a one-off run with a different
    limit).
    """
    # The limits as Settings parsed and checked them; a caller with only the paths (the quality CLI, tests)
    # gets them from the environment the same way.
    limits = settings if isinstance(settings, Settings) else Settings.from_env()
    params: dict[str, Any] = {
        "max_reject_rate": limits.max_reject_rate,
        "outlier_z": limits.outlier_z,
        "population_tolerance": limits.population_tolerance,
        "required_columns": list(REQUIRED_COLUMNS),
        "regency_codes": [dotted_regency(code) for code in REGENCIES],
    }
    params.update(overrides or {})
    return params
