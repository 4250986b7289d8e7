"""Indonesian number and date writing on the coverage report (pipelines/lib/publish/report/numbers.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from pipelines.lib.publish.report.numbers import angka, bulan, desimal, persen, perubahan, tanggal


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (999, "999"),
        (1000, "1.000"),
        (530898, "530.898"),
        (282477584, "282.477.584"),
        (-1234, "-1.234"),
    ],
)
def test_thousands_are_separated_by_dots(value, text):
    assert angka(value) == text


def test_decimals_take_a_comma_and_round_halves_away_from_zero_as_the_marts_do():
    assert persen(Decimal("99.43")) == "99,43 %"
    assert desimal(99.425) == "99,43" and desimal(-0.125) == "-0,13"
    assert desimal(1234567.5, 1) == "1.234.567,5"
    assert persen(None) == "–" and angka(None) == "–"


def test_changes_always_show_their_sign():
    assert perubahan(Decimal("0.12"), unit=" poin") == "+0,12 poin"
    assert perubahan(Decimal("-0.25"), unit=" poin") == "-0,25 poin"
    assert perubahan(Decimal("0.00"), unit=" poin") == "±0,00 poin"
    assert perubahan(-0.001) == "±0,00"  # rounds to nothing: no sign to show
    assert perubahan(1234, places=0) == "+1.234" and perubahan(-3, places=0) == "-3"
    assert perubahan(0, places=0) == "±0" and perubahan(None) == "–"


def test_dates_and_months_in_bahasa_indonesia():
    assert tanggal(dt.date(2026, 9, 30)) == "30 September 2026"
    assert tanggal(dt.date(2027, 8, 1)) == "1 Agustus 2027"
    assert bulan("2026-10") == "Oktober 2026"
