"""The report page: the figures as Indonesian text and tables, the charts embedded with Vega inlined.

One HTML file that opens from disk with no request leaving the machine: the Vega, Vega-Lite and
Vega-Embed bundle comes from the vl-convert-python package (the same versions draw the PNGs), each
chart's spec is a JSON block of the page, and nothing names a remote address.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from pipelines.lib.publish.report.figures import Figures, Row
from pipelines.lib.publish.report.numbers import (
    D3_FORMAT_LOCALE,
    D3_TIME_LOCALE,
    angka,
    bulan,
    persen,
    perubahan,
    tanggal,
)
from pipelines.lib.publish.report.terms import Zones, flag_label, reason_label
from pipelines.lib.publish.report.vega_bundle import inlined_vega_bundle

TEMPLATES = Path(__file__).parent / "templates"
_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]))


def _json_for_script(value: Any) -> str:
    # Inside <script>, "</" would end the element early.
    return json.dumps(value, ensure_ascii=False).replace("</", "<\\/")


def _area(row: Row) -> dict[str, Any]:
    wajib, rekam = row["wajib_ktp"], row["sudah_rekam"]
    return {
        "code": row["area_code"],
        "name": row["area_name"],
        "wajib_ktp": angka(wajib),
        "sudah_rekam": angka(rekam),
        "belum_rekam": angka(row["belum_rekam"]),
        "sudah_cetak": angka(row["sudah_cetak"]),
        "coverage": persen(row["coverage_pct"]),
        "headline": f"{angka(rekam)} dari {angka(wajib)} wajib KTP, {persen(row['coverage_pct'])}",
        "pemula": f"{angka(row['pemula_rekam'])} dari {angka(row['pemula_wajib'])}",
        "pemula_coverage": persen(row["pemula_coverage_pct"]),
        "zone": row["zone"] or "tanpa data",
        "change_pts": perubahan(row["coverage_change_pts"], unit=" poin"),
        "belum_change": perubahan(row["belum_rekam_change"], places=0),
        "projected": tanggal(row["projected_zero_date"])
        if row["projected_zero_date"]
        else ("sudah tuntas" if row["belum_rekam"] == 0 else "tidak menurun"),
        "target": tanggal(row["target_date"]),
        "on_track": "ya" if row["on_track"] else "tidak",
    }


def render_page(
    figures: Figures,
    charts: dict[str, dict[str, Any]],
    zones: Zones,
    *,
    checks: dict[str, Any],
) -> str:
    province = _area(figures.province)
    context = {
        "snapshot": tanggal(figures.snapshot),
        "previous": tanggal(figures.previous) if figures.previous else None,
        "province": province,
        "regencies": [_area(r) for r in figures.regencies],
        "zones": {
            "kuning": persen(zones.kuning_min_pct, 0),
            "hijau": persen(zones.hijau_min_pct, 0),
        },
        "pemula": {
            "months": [
                {
                    "month": bulan(p["month_turning_17"]),
                    "persons": angka(p["persons"]),
                    "recorded_early": angka(p["recorded_early"]),
                }
                for p in figures.pemula
            ],
            "persons": angka(sum(p["persons"] for p in figures.pemula)),
            "recorded_early": angka(sum(p["recorded_early"] for p in figures.pemula)),
        },
        "outreach": [
            {
                **o,
                **{
                    k: angka(o[k])
                    for k in (
                        "belum_rekam",
                        "belum_rekam_pemula",
                        "deactivation_risk",
                        "upcoming_pemula_unrecorded",
                    )
                },
            }
            for o in figures.outreach
        ],
        "files": [
            {
                **f,
                **{
                    k: angka(f[k])
                    for k in ("rows_read", "rows_loaded", "rows_rejected", "duplicates_superseded")
                },
            }
            for f in figures.files
        ],
        "files_total": {
            k: angka(sum(f[k] for f in figures.files))
            for k in ("rows_read", "rows_loaded", "rows_rejected", "duplicates_superseded")
        },
        "rejects": [
            {"code": r["reason"], "label": reason_label(r["reason"]), "rows": angka(r["rows"])}
            for r in figures.rejects
        ],  # fmt: skip
        "flags": [
            {"code": r["flag"], "label": flag_label(r["flag"]), "rows": angka(r["rows"])}
            for r in figures.flags
        ],  # fmt: skip
        "checks": checks,
        "charts": [{"name": name, "spec": _json_for_script(spec)} for name, spec in charts.items()],
        "chart_names": list(charts),
        "vega_bundle": inlined_vega_bundle(),
        "embed_options": _json_for_script(
            {
                "renderer": "svg",
                "actions": False,
                "formatLocale": D3_FORMAT_LOCALE,
                "timeFormatLocale": D3_TIME_LOCALE,
            }
        ),
    }
    return _env.get_template("index.html.j2").render(**context)
