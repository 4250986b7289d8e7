"""write_report: the coverage report of a staged release, in <release>/report/ (page and PNGs)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import vl_convert

from pipelines.lib.publish.report.charts import build_charts
from pipelines.lib.publish.report.figures import read_figures
from pipelines.lib.publish.report.numbers import D3_FORMAT_LOCALE, D3_TIME_LOCALE
from pipelines.lib.publish.report.page import render_page
from pipelines.lib.publish.report.terms import Zones

REPORT_DIR = "report"
PNG_SCALE = 2  # sharp enough to print a chart at A4 width


def write_report(
    release: Path,
    *,
    zones: Zones,
    validation: Mapping[str, Any],
) -> list[Path]:
    """Every file written, under `release`/report/. Reads only the release's own Parquet files."""
    figures = read_figures(release)
    charts = build_charts(figures, zones)
    out = Path(release) / REPORT_DIR
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, spec in charts.items():
        png = out / f"{name}.png"
        png.write_bytes(
            vl_convert.vegalite_to_png(
                spec, scale=PNG_SCALE, format_locale=D3_FORMAT_LOCALE, time_format_locale=D3_TIME_LOCALE
            )
        )
        written.append(png)
    page = out / "index.html"
    page.write_text(
        render_page(
            figures,
            charts,
            zones,
            checks=_checks(validation),
        ),
        encoding="utf-8",
    )
    written.append(page)
    return written


def _checks(validation: Mapping[str, Any]) -> dict[str, Any]:
    report = validation.get("report")
    return {
        "passed": validation.get("success") is True,
        "validations": len(validation.get("checks") or []),
        # Absolute: the page is opened through the publication's symlink as often as from its release.
        "data_docs": Path(str(report)).resolve().as_uri() if report else None,
    }
