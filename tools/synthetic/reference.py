"""Reference data the generator draws from: real Kaltara area codes, Dukcapil populations, province codes.

Read from the dbt seeds so the synthetic extracts and the warehouse use one list of areas.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

import numpy as np

from pipelines.lib.ingest.contract import REGENCIES
from pipelines.lib.settings import SEEDS_DIR


@dataclass(frozen=True)
class Villages:
    """All villages of Kaltara, one entry per village, in seed order."""

    code: np.ndarray  # '65.01.01.1001'
    name: np.ndarray
    regency4: np.ndarray  # '6501'
    district_no: np.ndarray  # int, 1..n within the regency
    district_name: np.ndarray
    village_no: np.ndarray  # int, the 4-digit village part (1001, 2003)
    is_kelurahan: np.ndarray  # bool


def _read(name: str) -> list[dict[str, str]]:
    with open(SEEDS_DIR / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@cache
def villages() -> Villages:
    rows = _read("kemendagri_wilayah.csv")
    district_names = {r["code"]: r["name"] for r in rows if r["level"] == "district"}
    vs = [r for r in rows if r["level"] == "village"]
    return Villages(
        code=np.array([r["code"] for r in vs]),
        name=np.array([r["name"] for r in vs]),
        regency4=np.array([r["code_nodot"][:4] for r in vs]),
        district_no=np.array([int(r["code"].split(".")[2]) for r in vs]),
        district_name=np.array([district_names[r["parent_code"]] for r in vs]),
        village_no=np.array([int(r["code"].split(".")[3]) for r in vs]),
        is_kelurahan=np.array([r["type"] == "kelurahan" for r in vs]),
    )


@cache
def district_counts() -> dict[str, int]:
    """Number of districts per regency ('6501' -> 10)."""
    rows = _read("kemendagri_wilayah.csv")
    out = dict.fromkeys(REGENCIES, 0)
    for r in rows:
        if r["level"] == "district":
            out[r["code_nodot"][:4]] += 1
    return out


@cache
def regency_population() -> dict[str, int]:
    """Dukcapil semester II 2024 population by regency, keyed '6501'."""
    return {
        r["kemendagri_code"].replace(".", ""): int(r["dukcapil_s2_2024_total"])
        for r in _read("dukcapil_population.csv")
        if r["kemendagri_code"] != "65"
    }


@cache
def male_share() -> float:
    row = next(r for r in _read("dukcapil_population.csv") if r["kemendagri_code"] == "65")
    return int(row["dukcapil_s2_2024_male"]) / int(row["dukcapil_s2_2024_total"])


@cache
def province_codes() -> frozenset[str]:
    return frozenset(r["code"] for r in _read("indonesia_provinces.csv"))
