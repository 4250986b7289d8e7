"""Numbers and dates as an Indonesian reader writes them: 530.898 and 99,43 %, 30 September 2026.

The charts use the same conventions through D3's locale objects (d3-format ships no id-ID locale).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

BULAN = [
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
]  # fmt: skip
HARI = ["Minggu", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu"]

D3_FORMAT_LOCALE = {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["Rp", ""]}
D3_TIME_LOCALE = {
    "dateTime": "%A, %e %B %Y pukul %H.%M",
    "date": "%d/%m/%Y",
    "time": "%H.%M.%S",
    "periods": ["", ""],
    "days": HARI,
    "shortDays": [d[:3] for d in HARI],
    "months": BULAN,
    "shortMonths": [m[:3] if m != "Agustus" else "Agu" for m in BULAN],
}


def angka(value: int | None) -> str:
    """A whole number with '.' between thousands; a missing value as an en dash."""
    if value is None:
        return "–"
    return f"{int(value):,}".replace(",", ".")


def desimal(value: float | Decimal | None, places: int = 2) -> str:
    """A decimal with ',' before the fraction, halves away from zero (as the marts round)."""
    if value is None:
        return "–"
    quantum = Decimal(1).scaleb(-places)
    rounded = Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    whole, _, fraction = f"{abs(rounded):,.{places}f}".partition(".")
    text = whole.replace(",", ".") + ("," + fraction if fraction else "")
    return ("-" if rounded < 0 else "") + text


def persen(value: float | Decimal | None, places: int = 2) -> str:
    return "–" if value is None else f"{desimal(value, places)} %"


def perubahan(value: float | Decimal | int | None, places: int = 2, unit: str = "") -> str:
    """A change with its sign always shown: +0,12, -3, ±0."""
    if value is None:
        return "–"
    magnitude = desimal(abs(value), places) if places else angka(abs(int(value)))
    if magnitude.strip("0,.") == "":
        return "±" + magnitude + unit
    return ("+" if value > 0 else "-") + magnitude + unit


def tanggal(value: dt.date | None) -> str:
    if value is None:
        return "–"
    return f"{value.day} {BULAN[value.month - 1]} {value.year}"


def bulan(year_month: str) -> str:
    """'2026-10' as 'Oktober 2026'."""
    year, month = year_month.split("-")
    return f"{BULAN[int(month) - 1]} {year}"
