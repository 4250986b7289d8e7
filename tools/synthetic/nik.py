"""NIK and KK numbers built by the Dukcapil rules.

NIK = PPKKCC (province, regency, district of first issue) + DDMMYY (birth date, day + 40 for women)
+ a 4-digit serial that makes it unique. KK (family card) numbers share the layout with the card's issue
date instead of a birth date.
"""

from __future__ import annotations

import numpy as np

from tools.synthetic.calendar import ymd

# Regency codes of today's Kaltara when it was still part of Kalimantan Timur (64), before 2012.
KALTIM_REGENCY = {"6501": 7, "6502": 6, "6503": 8, "6504": 10, "6571": 73}
# Where Kaltara's migrants come from (province code, weight): Sulawesi, Java, Nusa Tenggara, Kaltim.
MIGRANT_PROVINCES = np.array([73, 35, 53, 72, 33, 74, 52, 71, 64, 32])
MIGRANT_WEIGHTS = np.array([0.30, 0.14, 0.14, 0.08, 0.08, 0.07, 0.06, 0.04, 0.05, 0.04])


def issue_regions(
    rng: np.random.Generator,
    regency: np.ndarray,
    district_no: np.ndarray,
    issued_64: np.ndarray,
    migrant: np.ndarray,
) -> np.ndarray:
    """PPKKCC as an int: Kaltara's, Kaltim's old codes for early NIKs, or migrants' home region."""
    n = len(regency)
    kab = regency.astype("U4").astype(np.int64) % 100
    old_kab = np.vectorize(KALTIM_REGENCY.get, otypes=[np.int64])(regency) if n else kab
    region = 65_00_00 + kab * 100 + district_no
    region = np.where(issued_64, 64_00_00 + old_kab * 100 + district_no, region)
    prov = rng.choice(MIGRANT_PROVINCES, size=n, p=MIGRANT_WEIGHTS / MIGRANT_WEIGHTS.sum())
    home = prov * 10_000 + rng.integers(1, 21, n) * 100 + rng.integers(1, 21, n)
    return np.where(migrant, home, region)


def _serials(prefix: np.ndarray) -> np.ndarray:
    """1, 2, ... within each equal prefix, in input order."""
    order = np.argsort(prefix, kind="stable")
    sorted_prefix = prefix[order]
    starts = np.r_[True, sorted_prefix[1:] != sorted_prefix[:-1]]
    group_start = np.maximum.accumulate(np.where(starts, np.arange(len(prefix)), 0))
    serial = np.empty(len(prefix), dtype=np.int64)
    serial[order] = np.arange(len(prefix)) - group_start + 1
    if len(serial) and serial.max() > 9999:
        raise ValueError("more than 9999 NIKs share a region and date; scale too large for the NIK layout")
    return serial


def _ddmmyy(days: np.ndarray, female: np.ndarray | None = None) -> np.ndarray:
    y, m, d = ymd(days)
    if female is not None:
        d = d + 40 * female
    return d * 10_000 + m * 100 + y % 100


def assign_niks(region: np.ndarray, nik_birth: np.ndarray, nik_female: np.ndarray) -> np.ndarray:
    prefix = region * 1_000_000 + _ddmmyy(nik_birth, nik_female)
    return (prefix * 10_000 + _serials(prefix)).astype("U16")


def households(rng: np.random.Generator, village: np.ndarray) -> np.ndarray:
    """Household id per person: people of one village grouped ~3.6 to a family card."""
    order = np.lexsort((rng.random(len(village)), village))
    v_sorted = village[order]
    start = (rng.random(len(village)) < 1 / 3.6) | np.r_[True, v_sorted[1:] != v_sorted[:-1]]
    hh = np.empty(len(village), dtype=np.int64)
    hh[order] = np.cumsum(start) - 1
    return hh


def assign_kks(
    regency: np.ndarray, district_no: np.ndarray, household: np.ndarray, issued: np.ndarray
) -> np.ndarray:
    first_member = np.full(household.max() + 1, -1, dtype=np.int64)
    first_member[household[::-1]] = np.arange(len(household))[::-1]
    kab = regency[first_member].astype("U4").astype(np.int64) % 100
    region = 65_00_00 + kab * 100 + district_no[first_member]
    prefix = region * 1_000_000 + _ddmmyy(issued)
    kk = prefix * 10_000 + _serials(prefix)
    return kk.astype("U16")[household]
