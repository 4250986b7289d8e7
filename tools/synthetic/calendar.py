"""Dates as int day numbers (days since 1970-01-01), which keeps the whole generator vectorised."""

from __future__ import annotations

import datetime as dt

import numpy as np

NEVER = np.int64(10**6)  # a day number far after any snapshot (year 4707)
DAYS_PER_YEAR = 365.2425


def day_number(d: dt.date | str) -> int:
    return int(np.datetime64(str(d), "D").astype(np.int64))


def ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Calendar year, month and day of day numbers."""
    d = np.asarray(days, dtype="int64").astype("datetime64[D]")
    years = d.astype("datetime64[Y]")
    months = d.astype("datetime64[M]")
    return (
        years.astype(np.int64) + 1970,
        (months - years.astype("datetime64[M]")).astype(np.int64) + 1,
        (d - months.astype("datetime64[D]")).astype(np.int64) + 1,
    )


def add_years(days: np.ndarray, years: int) -> np.ndarray:
    """Same calendar day `years` later (29 February -> 1 March), as the law counts birthdays."""
    y, m, d = ymd(days)
    month_start = (y + years - 1970) * 12 + (m - 1)
    start = month_start.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    return start + d - 1


def completed_years(birth: np.ndarray, on: int) -> np.ndarray:
    by, bm, bd = ymd(birth)
    oy, om, od = ymd(np.array([on]))
    had_birthday = (bm < om[0]) | ((bm == om[0]) & (bd <= od[0]))
    return oy[0] - by - (~had_birthday)
