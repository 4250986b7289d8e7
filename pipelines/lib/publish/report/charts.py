"""The report's charts as Vega-Lite specifications (built with Vega-Altair), data inline.

Each spec carries its own data, so the page, the PNG beside it and the tests read the same values.
Numbers go into the specs as numbers; the Indonesian formatting is the locale the page and the PNG
renderer are given (numbers.D3_FORMAT_LOCALE).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import altair as alt

from pipelines.lib.publish.report.figures import Figures
from pipelines.lib.publish.report.numbers import BULAN, tanggal
from pipelines.lib.publish.report.terms import (
    NO_DATA_COLOUR,
    SEX,
    ZONE_COLOURS,
    Zones,
    flag_label,
    reason_label,
)
from pipelines.lib.settings import REPO_ROOT

DISTRICT_BOUNDARIES = REPO_ROOT / "docs" / "reference" / "kaltara_districts.geojson"
ZONE_ORDER = ["merah", "kuning", "hijau", "tanpa data"]
FONT = "DejaVu Sans, Arial, sans-serif"
# Enough for a district's outline at the scale of a province map; the shipped file has 15 digits.
_COORDINATE_DIGITS = 4


def build_charts(figures: Figures, zones: Zones) -> dict[str, dict[str, Any]]:
    """Name -> Vega-Lite spec; the names are the PNG files' and the page's element ids."""
    charts = {
        "peta_kecamatan": district_map(figures),
        "cakupan_kabupaten": regency_coverage(figures, zones),
        "tren_belum_rekam": trend(figures),
        "piramida_belum_rekam": pyramid(figures),
        "pemula_per_bulan": pemula_outlook(figures),
        "penolakan_per_alasan": rejects(figures),
        "tanda_kualitas": flags(figures),
    }
    return {name: _finish(chart) for name, chart in charts.items()}


def _finish(chart: alt.TopLevelMixin) -> dict[str, Any]:
    spec = chart.configure(font=FONT).configure_view(stroke=None).to_dict()
    # The schema URL is only a version label for vega-embed; nothing should name a remote address.
    spec.pop("$schema", None)
    return json.loads(json.dumps(spec, default=_json_value))


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"not JSON: {value!r}")


def _num(value: Decimal | float | int | None) -> float | None:
    return None if value is None else float(value)


def _zone_scale() -> alt.Scale:
    return alt.Scale(
        domain=ZONE_ORDER,
        range=[ZONE_COLOURS["merah"], ZONE_COLOURS["kuning"], ZONE_COLOURS["hijau"], NO_DATA_COLOUR],
    )


def _rounded(geometry: dict[str, Any]) -> dict[str, Any]:
    def walk(node: Any) -> Any:
        if isinstance(node, float):
            return round(node, _COORDINATE_DIGITS)
        return [walk(n) for n in node]

    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


def district_map(figures: Figures) -> alt.Chart:
    boundaries = json.loads(DISTRICT_BOUNDARIES.read_text(encoding="utf-8"))
    by_code = {d["area_code"]: d for d in figures.districts}
    features = []
    for feature in boundaries["features"]:
        code = feature["properties"]["code"]
        d = by_code.get(code, {})
        features.append(
            {
                "type": "Feature",
                "geometry": _rounded(feature["geometry"]),
                "properties": {
                    "area_code": code,
                    "area_name": d.get("area_name", feature["properties"]["name"]),
                    "regency_name": d.get("regency_name"),
                    "wajib_ktp": d.get("wajib_ktp"),
                    "sudah_rekam": d.get("sudah_rekam"),
                    "belum_rekam": d.get("belum_rekam"),
                    "coverage_pct": _num(d.get("coverage_pct")),
                    "pemula_coverage_pct": _num(d.get("pemula_coverage_pct")),
                    "zone": d.get("zone") or "tanpa data",
                },
            }
        )
    return (
        alt.Chart(alt.Data(values=features), title="Cakupan perekaman per kecamatan")
        .mark_geoshape(stroke="white", strokeWidth=0.6)
        .encode(
            color=alt.Color("properties.zone:N", title="Zona", scale=_zone_scale()),
            tooltip=[
                alt.Tooltip("properties.area_name:N", title="Kecamatan"),
                alt.Tooltip("properties.regency_name:N", title="Kabupaten/kota"),
                alt.Tooltip("properties.coverage_pct:Q", title="Cakupan (%)", format=",.2f"),
                alt.Tooltip("properties.wajib_ktp:Q", title="Wajib KTP", format=",d"),
                alt.Tooltip("properties.sudah_rekam:Q", title="Sudah rekam", format=",d"),
                alt.Tooltip("properties.belum_rekam:Q", title="Belum rekam", format=",d"),
                alt.Tooltip("properties.pemula_coverage_pct:Q", title="Cakupan pemula (%)", format=",.2f"),
                alt.Tooltip("properties.zone:N", title="Zona"),
            ],
        )
        .project(type="mercator")
        .properties(width=620, height=520)
    )


def regency_coverage(figures: Figures, zones: Zones) -> alt.LayerChart:
    rows = [
        {
            "area_code": r["area_code"],
            "area_name": r["area_name"],
            "coverage_pct": _num(r["coverage_pct"]),
            "pemula_coverage_pct": _num(r["pemula_coverage_pct"]),
            "zone": r["zone"] or "tanpa data",
        }
        for r in figures.regencies
    ]
    order = [r["area_name"] for r in rows]
    base = alt.Chart(alt.Data(values=rows))
    y = alt.Y("area_name:N", title=None, sort=order)
    x_scale = alt.Scale(domain=[0, 100])
    bars = base.mark_bar(height=22).encode(
        x=alt.X("coverage_pct:Q", title="Cakupan perekaman (%)", scale=x_scale),
        y=y,
        color=alt.Color("zone:N", title="Zona", scale=_zone_scale(), legend=alt.Legend(orient="bottom")),
        tooltip=[
            alt.Tooltip("area_name:N", title="Kabupaten/kota"),
            alt.Tooltip("coverage_pct:Q", title="Cakupan (%)", format=",.2f"),
            alt.Tooltip("pemula_coverage_pct:Q", title="Cakupan pemula (%)", format=",.2f"),
        ],
    )
    pemula = base.mark_tick(color="#222", thickness=3, size=26).encode(
        x=alt.X("pemula_coverage_pct:Q", scale=x_scale), y=y
    )
    labels = base.mark_text(align="left", dx=4, fontSize=11).encode(
        x=alt.X("coverage_pct:Q", scale=x_scale), y=y, text=alt.Text("coverage_pct:Q", format=",.2f")
    )
    thresholds = alt.Chart(
        alt.Data(
            values=[
                {"label": f"{zones.kuning_min_pct:g} %".replace(".", ","), "pct": zones.kuning_min_pct},
                {"label": f"{zones.hijau_min_pct:g} %".replace(".", ","), "pct": zones.hijau_min_pct},
            ]
        )
    )
    rules = thresholds.mark_rule(strokeDash=[4, 3], color="#555").encode(x="pct:Q")
    rule_labels = thresholds.mark_text(align="center", dy=-7, fontSize=10, color="#555").encode(
        x="pct:Q", y=alt.value(0), text="label:N"
    )
    return alt.layer(bars, labels, pemula, rules, rule_labels).properties(
        width=560,
        height=alt.Step(34),
        title=alt.Title(
            "Cakupan per kabupaten/kota dan batas zona",
            subtitle=[
                "batang: semua wajib KTP; garis hitam: pemula (usia 17)",
                f"garis putus-putus: batas zona kuning ({zones.kuning_min_pct:g} %) dan hijau "
                f"({zones.hijau_min_pct:g} %)".replace(".", ","),
            ],
        ),
    )


def trend(figures: Figures) -> alt.LayerChart:
    regencies = [t for t in figures.trend if t["area_code"] != "65" and "." in t["area_code"]]
    observed = [
        {
            "area_name": t["area_name"],
            "snapshot_date": t["snapshot_date"].isoformat(),
            "belum_rekam": t["belum_rekam"],
            "kind": "tercatat",
        }
        for t in regencies
    ]
    latest = [t for t in regencies if t["snapshot_date"] == figures.snapshot]
    projected = []
    for t in latest:
        if t["projected_zero_date"] is not None:
            projected += [
                {"area_name": t["area_name"], "snapshot_date": t["snapshot_date"].isoformat(),
                 "belum_rekam": t["belum_rekam"], "kind": "perkiraan"},
                {"area_name": t["area_name"], "snapshot_date": t["projected_zero_date"].isoformat(),
                 "belum_rekam": 0, "kind": "perkiraan"},
            ]  # fmt: skip
    target_day = latest[0]["target_date"] if latest else figures.snapshot
    target = target_day.isoformat()
    x = alt.X("snapshot_date:T", title=None, axis=alt.Axis(format="%b %Y"))
    y = alt.Y("belum_rekam:Q", title="Belum rekam (orang)")
    colour = alt.Color("area_name:N", title="Kabupaten/kota", legend=alt.Legend(orient="bottom", columns=3))
    lines = (
        alt.Chart(alt.Data(values=observed))
        .mark_line(point=True)
        .encode(
            x=x,
            y=y,
            color=colour,
            tooltip=[
                alt.Tooltip("area_name:N", title="Kabupaten/kota"),
                alt.Tooltip("snapshot_date:T", title="Tanggal", format="%e %B %Y"),
                alt.Tooltip("belum_rekam:Q", title="Belum rekam", format=",d"),
            ],
        )
    )
    layers = [lines]
    if projected:
        layers.append(
            alt.Chart(alt.Data(values=projected))
            .mark_line(strokeDash=[5, 4])
            .encode(x=x, y=y, color=colour, detail="area_name:N")
        )
    goal = alt.Chart(alt.Data(values=[{"target_date": target, "label": f"target {tanggal(target_day)}"}]))
    layers.append(goal.mark_rule(color="#b00", strokeWidth=1.5).encode(x="target_date:T"))
    layers.append(
        goal.mark_text(align="right", dx=-4, dy=8, color="#b00", fontSize=11).encode(
            x="target_date:T", y=alt.value(0), text="label:N"
        )
    )
    return alt.layer(*layers).properties(
        width=560,
        height=280,
        title=alt.Title(
            "Belum rekam per kabupaten/kota menuju tanggal target",
            subtitle="garis putus-putus: perkiraan tuntas pada laju terakhir",
        ),
    )


def pyramid(figures: Figures) -> alt.Chart:
    cohorts = sorted({c["age_cohort"] for c in figures.cohorts}, key=cohort_order)
    rows = [
        {
            "age_cohort": c["age_cohort"],
            "sex": SEX.get(c["sex"], c["sex"]),
            "belum_rekam": c["belum_rekam"],
            # Men to the left of the axis, women to the right.
            "side": -c["belum_rekam"] if c["sex"] == "L" else c["belum_rekam"],
        }
        for c in figures.cohorts
    ]
    return (
        alt.Chart(alt.Data(values=rows), title="Belum rekam menurut kelompok umur dan jenis kelamin")
        .mark_bar()
        .encode(
            y=alt.Y("age_cohort:N", title="Kelompok umur", sort=list(reversed(cohorts))),
            x=alt.X(
                "side:Q",
                title="Belum rekam (orang)",
                axis=alt.Axis(labelExpr="format(abs(datum.value), ',d')"),
            ),
            color=alt.Color(
                "sex:N",
                title="Jenis kelamin",
                scale=alt.Scale(range=["#3b75af", "#c4457a"]),
                legend=alt.Legend(orient="top"),
            ),
            tooltip=[
                alt.Tooltip("age_cohort:N", title="Kelompok umur"),
                alt.Tooltip("sex:N", title="Jenis kelamin"),
                alt.Tooltip("belum_rekam:Q", title="Belum rekam", format=",d"),
            ],
        )
        .properties(width=560, height=alt.Step(18))
    )


def cohort_order(cohort: str) -> int:
    """'<17' first, then by the cohort's lowest age: '17', '18-19', '20-24', … '75+'."""
    return -1 if cohort.startswith("<") else int(cohort.rstrip("+").split("-")[0])


def pemula_outlook(figures: Figures) -> alt.Chart:
    rows = []
    for p in figures.pemula:
        year, month = p["month_turning_17"].split("-")
        label = f"{BULAN[int(month) - 1][:3]} {year}"
        rows += [
            {"month": p["month_turning_17"], "label": label, "status": "sudah rekam lebih awal",
             "persons": p["recorded_early"]},
            {"month": p["month_turning_17"], "label": label, "status": "belum rekam",
             "persons": p["persons"] - p["recorded_early"]},
        ]  # fmt: skip
    labels = list(dict.fromkeys(r["label"] for r in rows))
    return (
        alt.Chart(
            alt.Data(values=rows),
            title=alt.Title(
                "Pemula 12 bulan ke depan: yang berulang tahun ke-17 per bulan",
                subtitle="sebagian sudah merekam lebih awal (usia 16)",
            ),
        )
        .mark_bar()
        .encode(
            x=alt.X("label:N", title=None, sort=labels, axis=alt.Axis(labelAngle=-40)),
            y=alt.Y("sum(persons):Q", title="Orang"),
            color=alt.Color(
                "status:N",
                title=None,
                scale=alt.Scale(
                    domain=["sudah rekam lebih awal", "belum rekam"], range=["#2e9e4f", "#bdbdbd"]
                ),
            ),
            order=alt.Order("status:N", sort="descending"),
            tooltip=[
                alt.Tooltip("label:N", title="Bulan"),
                alt.Tooltip("status:N", title="Status"),
                alt.Tooltip("persons:Q", title="Orang", format=",d"),
            ],
        )
        .properties(width=560, height=240)
    )


def _counts(rows: list[dict[str, Any]], key: str, label, title: str, colour: str) -> alt.Chart:
    values = [{"code": r[key], "label": label(r[key]), "rows": r["rows"]} for r in rows]
    return (
        alt.Chart(alt.Data(values=values), title=title)
        .mark_bar(color=colour)
        .encode(
            y=alt.Y("label:N", title=None, sort="-x", axis=alt.Axis(labelLimit=280)),
            x=alt.X("rows:Q", title="Baris"),
            tooltip=[
                alt.Tooltip("label:N", title="Keterangan"),
                alt.Tooltip("code:N", title="Kode"),
                alt.Tooltip("rows:Q", title="Baris", format=",d"),
            ],
        )
        .properties(width=260, height=alt.Step(20))
    )


def rejects(figures: Figures) -> alt.Chart:
    return _counts(figures.rejects, "reason", reason_label, "Baris ditolak menurut alasan", "#a63603")


def flags(figures: Figures) -> alt.Chart:
    return _counts(figures.flags, "flag", flag_label, "Baris diterima dengan tanda", "#6a51a3")
