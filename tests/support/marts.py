"""Synthetic warehouse for the dbt marts tests, and the marts recomputed in plain Python.

The generator writes ingest.* rows the way ingestion would (one row per extract row, losers of a NIK marked
superseded); the `expected_*` functions derive every mart from the same generated rows without SQL, so the
tests compare two independent implementations of the definitions in the issue.
"""

from __future__ import annotations

import csv
import hashlib
import math
import os
import subprocess
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from pipelines.ingest.contract import QUALITY_FLAGS, REGENCIES, REJECT_REASONS, dotted_regency
from pipelines.settings import DBT_PROJECT_DIR, REPO_ROOT, SEEDS_DIR

SCHEMA_SQL = REPO_ROOT / "pipelines" / "ingest" / "schema.sql"
# Two snapshots a day apart straddle 29 February in a non-leap year.
SNAPSHOTS = [date(2024, 9, 30), date(2025, 2, 28), date(2025, 3, 1)]
EMPTY_REGENCY = "65.04"  # nobody lives there in the first snapshot: zero-fill and NULL coverage
RECORDED = ["SUDAH REKAM", "PRINT READY RECORD", "DUPLICATE RECORD", "SENT FOR CARD PRINTING"]
PRINTED = ["CARD PRINTED", "CARD SHIPPED", "CARD ISSUED"]
MARRIED = ["KAWIN", "CERAI HIDUP", "CERAI MATI"]
COVERAGE_COLUMNS = [
    "snapshot_date", "area_code", "area_name", "parent_code", "population", "wajib_ktp", "sudah_rekam",
    "belum_rekam", "sudah_cetak", "coverage_pct", "pemula_wajib", "pemula_rekam", "pemula_coverage_pct",
    "zone",
]  # fmt: skip
COHORTS = ["<17", "17", "18-19"] + [f"{a}-{a + 4}" for a in range(20, 75, 5)] + ["75+"]


# ---------------------------------------------------------------------------------------------------------
# Reference areas


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    level: str
    parent_code: str | None


def load_areas() -> list[Area]:
    with open(SEEDS_DIR / "kemendagri_wilayah.csv", newline="", encoding="utf-8") as f:
        return [Area(r["code"], r["name"], r["level"], r["parent_code"] or None) for r in csv.DictReader(f)]


def load_bps_codes() -> dict[str, str]:
    with open(SEEDS_DIR / "bps_kemendagri_crosswalk.csv", newline="", encoding="utf-8") as f:
        return {
            r["kemendagri_code"]: r["bps_code_2018"] for r in csv.DictReader(f) if r["level"] == "regency"
        }


# ---------------------------------------------------------------------------------------------------------
# Generated population


@dataclass
class Person:
    """One person as the regencies list them; `status` holds the KTP-el status per snapshot (absent = not
    listed in that snapshot)."""

    nik: str
    sex: str
    birth_date: date
    marital_status: str
    village_code: str
    status: dict[date, str]
    citizenship: str = "WNI"
    # A second listing of the same NIK by another regency, which ingestion marked superseded.
    loser_village_code: str | None = None


@dataclass
class Generated:
    persons: list[Person]
    files: pd.DataFrame
    reject_counts: pd.DataFrame
    flag_counts: pd.DataFrame
    persons_rows: pd.DataFrame = field(repr=False)


def _codes(village_code: str) -> tuple[str, str, str, str]:
    parts = village_code.split(".")
    return parts[0], ".".join(parts[:2]), ".".join(parts[:3]), village_code


def _status_path(rng: np.random.Generator, p_recorded: float) -> dict[date, str]:
    """Statuses only move forward over the snapshots: recorded stays recorded."""
    out: dict[date, str] = {}
    recorded = rng.random() < p_recorded
    for snap in SNAPSHOTS:
        if not recorded and rng.random() < 0.25:
            recorded = True
        if recorded:
            out[snap] = str(rng.choice(RECORDED + PRINTED))
        else:
            out[snap] = "BELUM REKAM"
    return out


def generate_population(seed: int = 20250301, n_random: int = 1400) -> list[Person]:
    rng = np.random.default_rng(seed)
    areas = load_areas()
    villages_by_regency: dict[str, list[str]] = defaultdict(list)
    for a in areas:
        if a.level == "village":
            villages_by_regency[a.code[:5]].append(a.code)
    # A dozen inhabited villages per regency leaves most villages empty, to exercise the zero-fill.
    inhabited = {
        reg: sorted(rng.choice(codes, size=12, replace=False).tolist())
        for reg, codes in sorted(villages_by_regency.items())
        if reg != EMPTY_REGENCY
    }
    inhabited_all = [v for vs in inhabited.values() for v in vs]
    last = SNAPSHOTS[-1]
    persons: list[Person] = []
    serial = iter(range(1, 10**6))

    def nik(village: str) -> str:
        return village.replace(".", "")[:6] + f"{next(serial):010d}"

    for _ in range(n_random):
        village = str(rng.choice(inhabited_all))
        # A third of the population sits around the pemula ages so those counts are not tiny.
        age_days = (
            int(rng.integers(15 * 365, 19 * 365)) if rng.random() < 0.33 else int(rng.integers(0, 90 * 365))
        )
        birth = last - timedelta(days=age_days)
        age = (last - birth).days / 365.25
        p_married = 0.03 if age < 17 else (0.7 if age >= 25 else 0.2)
        marital = str(rng.choice(MARRIED)) if rng.random() < p_married else "BELUM KAWIN"
        persons.append(
            Person(
                nik=nik(village),
                sex=str(rng.choice(["L", "P"])),
                birth_date=birth,
                marital_status=marital,
                village_code=village,
                # Babies born after a snapshot are not listed in it.
                status={
                    snap: st
                    for snap, st in _status_path(rng, 0.15 if age < 17 else 0.75).items()
                    if snap >= birth
                },
                citizenship="WNA" if rng.random() < 0.02 else "WNI",
            )
        )

    # Edge cases, each in a fixed inhabited village of Kota Tarakan.
    tarakan = inhabited["65.71"][0]

    def edge(birth: date, marital: str = "BELUM KAWIN", status: str = "BELUM REKAM", **kw) -> None:
        persons.append(
            Person(nik(tarakan), "P", birth, marital, tarakan, dict.fromkeys(SNAPSHOTS, status), **kw)
        )

    for snap in SNAPSHOTS:
        edge(snap.replace(year=snap.year - 17))  # 17 today at this snapshot
        edge(snap.replace(year=snap.year - 17) + timedelta(days=1))  # 17 tomorrow
        edge(snap.replace(year=snap.year - 21))  # 21 today and unrecorded: deactivation risk
    edge(date(2008, 2, 29))  # 16 on 28 Feb 2025, 17 on 1 Mar 2025
    edge(date(2008, 2, 29), status="SUDAH REKAM")  # recorded early, then pemula recorded
    edge(date(2008, 2, 29), marital="KAWIN", status="CARD ISSUED")  # wajib by marriage throughout
    edge(date(2008, 10, 1), marital="KAWIN")  # married at 16, unrecorded: in '<17'
    edge(date(2009, 6, 15), marital="CERAI MATI", status="CARD PRINTED")  # widowed at 15
    edge(date(2008, 9, 1), status="SUDAH REKAM")  # 16 and recorded early: not in coverage
    edge(date(1930, 1, 1), status="CARD ISSUED")  # 75+
    edge(date(1949, 3, 2))  # 75 on the day after the last snapshot: '70-74'

    # Tana Tidung: moves in after the first snapshot; 32 wajib, 1 recorded gives 3.125 -> 3.13 (half up,
    # where half-to-even float rounding would give 3.12); by the last snapshot all are recorded.
    tt_village = sorted(villages_by_regency[EMPTY_REGENCY])[0]
    for i in range(32):
        first = "CARD ISSUED" if i == 0 else "BELUM REKAM"
        persons.append(
            Person(
                nik(tt_village),
                "L" if i % 2 else "P",
                date(1980 + i % 20, 1 + i % 12, 1 + i % 28),
                "KAWIN",
                tt_village,
                {SNAPSHOTS[1]: first, SNAPSHOTS[2]: "CARD ISSUED"},
            )
        )

    # NIKs listed by two regencies: the other regency's row loses (superseded) and must not count.
    for i in rng.choice(n_random, size=40, replace=False):
        p = persons[int(i)]
        other = [r for r in inhabited if r != p.village_code[:5]]
        p.loser_village_code = str(rng.choice(inhabited[str(rng.choice(other))]))
    return persons


def persons_rows(persons: list[Person]) -> pd.DataFrame:
    """ingest.persons rows: one per listing and snapshot, row numbers per (snapshot, regency file)."""
    rows = []
    row_numbers: Counter = Counter()
    for p in persons:
        for snap, status in p.status.items():
            listings = [(p.village_code, False, status)]
            if p.loser_village_code:
                # The losing row disagrees on everything that matters, so counting it would show.
                listings.append((p.loser_village_code, True, "BELUM REKAM"))
            for village, superseded, st in listings:
                prov, reg, dist, vil = _codes(village)
                row_numbers[(snap, reg)] += 1
                rows.append(
                    {
                        "snapshot_date": snap,
                        "regency_code": reg,
                        "source_file": f"{snap.isoformat()}/{reg.replace('.', '')}_ktp.csv",
                        "row_number": row_numbers[(snap, reg)],
                        "nik": p.nik,
                        "no_kk": p.nik[:6] + "9" * 10,
                        "full_name": f"SYNTHETIC PERSON {p.nik[-6:]}",
                        "sex": p.sex,
                        "birth_place": "TARAKAN",
                        "birth_date": p.birth_date,
                        "marital_status": p.marital_status,
                        "citizenship": p.citizenship,
                        "province_code": prov,
                        "domicile_regency": reg,
                        "district_code": dist,
                        "village_code": vil,
                        "ktp_status": st,
                        "recorded_date": None if st == "BELUM REKAM" else snap - timedelta(days=30),
                        "entry_date": snap - timedelta(days=1 if superseded else 0),
                        "record_location": None,
                        "flag_nik_issued_outside_kaltara": False,
                        "flag_nik_birth_date_mismatch": False,
                        "flag_nik_sex_mismatch": False,
                        "superseded": superseded,
                    }
                )
    return pd.DataFrame(rows)


def bookkeeping(rows: pd.DataFrame, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """ingest.files, file_reject_counts and file_flag_counts consistent with the persons rows."""
    rng = np.random.default_rng(seed)
    files, rejects, flags = [], [], []
    for (snap, reg), grp in rows.groupby(["snapshot_date", "regency_code"], sort=True):
        reason_rows = rng.integers(0, 4, size=len(REJECT_REASONS))
        loaded = len(grp)
        files.append(
            {
                "snapshot_date": snap,
                "regency_code": reg,
                "source_file": grp["source_file"].iloc[0],
                "file_format": "csv",
                "encoding": "utf-8",
                "delimiter": ";",
                "sha256": hashlib.sha256(f"{snap}/{reg}".encode()).hexdigest(),
                "size_bytes": 200 * loaded,
                "columns_found": ["NIK", "NAMA_LGKP"],
                "rows_read": loaded + int(reason_rows.sum()),
                "rows_loaded": loaded,
                "rows_rejected": int(reason_rows.sum()),
                "duplicates_superseded": int(grp["superseded"].sum()),
                "loaded_at": datetime(2025, 3, 2, 8, 0),
                "run_id": "test-run",
            }
        )
        rejects += [
            {"snapshot_date": snap, "regency_code": reg, "reason": r, "rows": int(n)}
            for r, n in zip(REJECT_REASONS, reason_rows, strict=True)
        ]
        flags += [
            {"snapshot_date": snap, "regency_code": reg, "flag": f, "rows": int(rng.integers(0, 3))}
            for f in QUALITY_FLAGS
        ]
    return pd.DataFrame(files), pd.DataFrame(rejects), pd.DataFrame(flags)


def generate(seed: int = 20250301) -> Generated:
    persons = generate_population(seed)
    rows = persons_rows(persons)
    files, rejects, flags = bookkeeping(rows)
    return Generated(persons, files, rejects, flags, rows)


def write_warehouse(path: Path, gen: Generated) -> None:
    con = duckdb.connect(str(path))
    try:
        con.execute(SCHEMA_SQL.read_text())
        for table, df in [
            ("persons", gen.persons_rows),
            ("files", gen.files),
            ("file_reject_counts", gen.reject_counts),
            ("file_flag_counts", gen.flag_counts),
        ]:
            con.register("frame", df)
            cols = ", ".join(f'"{c}"' for c in df.columns)
            con.execute(f"insert into ingest.{table} ({cols}) select {cols} from frame")
            con.unregister("frame")
    finally:
        con.close()


# ---------------------------------------------------------------------------------------------------------
# Running dbt


def dbt_env(warehouse: Path, tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "KTP_WAREHOUSE": str(warehouse),
            "KTP_DUCKDB_TEMP_DIR": str(tmp / "duckdb_tmp"),
            "DO_NOT_TRACK": "1",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        }
    )
    return env


def run_dbt(args: list[str], warehouse: Path, tmp: Path) -> subprocess.CompletedProcess:
    """dbt with target and log paths under tmp, so parallel tests never share dbt_project/target."""
    dbt = Path(sys.executable).with_name("dbt")
    cmd = [str(dbt), *args, "--profiles-dir", str(DBT_PROJECT_DIR), "--project-dir", str(DBT_PROJECT_DIR)]
    cmd += ["--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs")]
    return subprocess.run(
        cmd, cwd=DBT_PROJECT_DIR, env=dbt_env(warehouse, tmp), capture_output=True, text=True, timeout=600
    )


def read_mart(warehouse: Path, name: str) -> list[dict]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        cur = con.execute(f"select * from marts.{name}")
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    finally:
        con.close()


# ---------------------------------------------------------------------------------------------------------
# The definitions, in Python


def age_at(birth: date, cutoff: date) -> int:
    before_birthday = (cutoff.month, cutoff.day) < (birth.month, birth.day)
    return cutoff.year - birth.year - int(before_birthday)


def seventeenth_birthday(birth: date) -> date:
    try:
        return birth.replace(year=birth.year + 17)
    except ValueError:  # 29 February in a non-leap year
        return date(birth.year + 17, 3, 1)


def pct(numerator: int, denominator: int) -> Decimal | None:
    if denominator == 0:
        return None
    return (Decimal(100 * numerator) / Decimal(denominator)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def zone(p: Decimal | None) -> str | None:
    if p is None:
        return None
    return "hijau" if p >= 85 else "kuning" if p >= 75 else "merah"


def cohort(age: int) -> str:
    if age < 17:
        return "<17"
    if age == 17:
        return "17"
    if age <= 19:
        return "18-19"
    if age >= 75:
        return "75+"
    low = 20 + 5 * ((age - 20) // 5)
    return f"{low}-{low + 4}"


@dataclass(frozen=True)
class Resident:
    """A person as counted at one snapshot (the winning listing only)."""

    snapshot: date
    sex: str
    age: int
    wajib: bool
    recorded: bool
    printed: bool
    codes: tuple[str, str, str, str]  # province, regency, district, village
    birth_date: date

    @property
    def sudah_rekam(self) -> bool:
        return self.wajib and self.recorded

    @property
    def upcoming(self) -> bool:
        return self.age == 16 and not self.wajib


def residents(persons: list[Person]) -> list[Resident]:
    out = []
    for p in persons:
        for snap, status in p.status.items():
            age = age_at(p.birth_date, snap)
            wajib = age >= 17 or p.marital_status != "BELUM KAWIN"
            out.append(
                Resident(
                    snap,
                    p.sex,
                    age,
                    wajib,
                    status != "BELUM REKAM",
                    wajib and status in PRINTED,
                    _codes(p.village_code),
                    p.birth_date,
                )
            )
    return out


LEVEL_INDEX = {"province": 0, "regency": 1, "district": 2, "village": 3}


def expected_coverage(persons: list[Person], level: str) -> dict[tuple[date, str], dict]:
    areas = [a for a in load_areas() if a.level == level]
    bps = load_bps_codes()
    idx = LEVEL_INDEX[level]
    counts: dict[tuple[date, str], Counter] = defaultdict(Counter)
    for r in residents(persons):
        c = counts[(r.snapshot, r.codes[idx])]
        c["population"] += 1
        c["wajib_ktp"] += r.wajib
        c["sudah_rekam"] += r.sudah_rekam
        c["sudah_cetak"] += r.printed
        c["pemula_wajib"] += r.wajib and r.age == 17
        c["pemula_rekam"] += r.sudah_rekam and r.age == 17
    out = {}
    for snap in SNAPSHOTS:
        for a in areas:
            c = counts.get((snap, a.code), Counter())
            row = {
                "snapshot_date": snap,
                "area_code": a.code,
                "area_name": a.name,
                "parent_code": a.parent_code,
                "population": c["population"],
                "wajib_ktp": c["wajib_ktp"],
                "sudah_rekam": c["sudah_rekam"],
                "belum_rekam": c["wajib_ktp"] - c["sudah_rekam"],
                "sudah_cetak": c["sudah_cetak"],
                "coverage_pct": pct(c["sudah_rekam"], c["wajib_ktp"]),
                "pemula_wajib": c["pemula_wajib"],
                "pemula_rekam": c["pemula_rekam"],
                "pemula_coverage_pct": pct(c["pemula_rekam"], c["pemula_wajib"]),
                "zone": zone(pct(c["sudah_rekam"], c["wajib_ktp"])),
            }
            if level == "regency":
                row["bps_code"] = bps[a.code]
            out[(snap, a.code)] = row
    return out


def expected_age_cohorts(persons: list[Person]) -> dict[tuple, dict]:
    counts: dict[tuple, Counter] = defaultdict(Counter)
    for r in residents(persons):
        if r.wajib:
            key = (r.snapshot, r.codes[1], cohort(r.age), r.sex)
            counts[key]["wajib_ktp"] += 1
            counts[key]["sudah_rekam"] += r.sudah_rekam
    regencies = [dotted_regency(c) for c in REGENCIES]
    out = {}
    for snap in SNAPSHOTS:
        for reg in regencies:
            for coh in COHORTS:
                for sex in "LP":
                    c = counts.get((snap, reg, coh, sex), Counter())
                    out[(snap, reg, coh, sex)] = {
                        "wajib_ktp": c["wajib_ktp"],
                        "sudah_rekam": c["sudah_rekam"],
                        "belum_rekam": c["wajib_ktp"] - c["sudah_rekam"],
                        "coverage_pct": pct(c["sudah_rekam"], c["wajib_ktp"]),
                    }
    return out


def expected_pemula_outlook(persons: list[Person]) -> dict[tuple, dict]:
    out: dict[tuple, Counter] = defaultdict(Counter)
    for r in residents(persons):
        if r.upcoming:
            month = seventeenth_birthday(r.birth_date).strftime("%Y-%m")
            c = out[(r.snapshot, r.codes[1], r.codes[2], month)]
            c["persons"] += 1
            c["recorded_early"] += r.recorded
    return {k: dict(v) for k, v in out.items()}


def expected_outreach(persons: list[Person]) -> dict[tuple[date, str], dict]:
    """Keyed by (snapshot, village_code); priority_rank assigned by sorting on the issue's order."""
    names = {a.code: a.name for a in load_areas()}
    counts: dict[tuple[date, str], Counter] = defaultdict(Counter)
    for r in residents(persons):
        c = counts[(r.snapshot, r.codes[3])]
        c["population"] += 1
        c["belum_rekam"] += r.wajib and not r.recorded
        c["belum_rekam_pemula"] += r.wajib and not r.recorded and r.age == 17
        c["deactivation_risk"] += r.wajib and not r.recorded and r.age >= 21
        c["upcoming_pemula_unrecorded"] += r.upcoming and not r.recorded
    out = {}
    for snap in SNAPSHOTS:
        villages = [(v, c) for (s, v), c in counts.items() if s == snap]
        villages.sort(
            key=lambda vc: (
                -(vc[1]["belum_rekam_pemula"] + vc[1]["upcoming_pemula_unrecorded"]),
                -vc[1]["belum_rekam"],
                vc[0],
            )
        )
        for rank, (v, c) in enumerate(villages, start=1):
            out[(snap, v)] = {
                "snapshot_date": snap,
                "priority_rank": rank,
                "regency_code": v[:5],
                "district_code": v[:8],
                "village_code": v,
                "village_name": names[v],
                "belum_rekam": c["belum_rekam"],
                "belum_rekam_pemula": c["belum_rekam_pemula"],
                "deactivation_risk": c["deactivation_risk"],
                "upcoming_pemula_unrecorded": c["upcoming_pemula_unrecorded"],
            }
    return out


def expected_trend(persons: list[Person], target: date | None = None) -> dict[tuple[date, str], dict]:
    province = expected_coverage(persons, "province")
    regency = expected_coverage(persons, "regency")
    by_area: dict[str, list[dict]] = defaultdict(list)
    for row in [*province.values(), *regency.values()]:
        by_area[row["area_code"]].append(row)
    out = {}
    for code, rows in by_area.items():
        rows.sort(key=lambda r: r["snapshot_date"])
        prev = None
        for r in rows:
            snap, belum = r["snapshot_date"], r["belum_rekam"]
            if belum == 0:
                projected = snap
            elif prev is not None and prev["belum_rekam"] > belum:
                per_day = Fraction(prev["belum_rekam"] - belum, (snap - prev["snapshot_date"]).days)
                projected = snap + timedelta(days=math.ceil(belum / per_day))
            else:
                projected = None
            target_date = target or date(snap.year, 11, 30)
            change = None
            if prev is not None and None not in (r["coverage_pct"], prev["coverage_pct"]):
                change = r["coverage_pct"] - prev["coverage_pct"]
            out[(snap, code)] = {
                "snapshot_date": snap,
                "area_code": code,
                "area_name": r["area_name"],
                "wajib_ktp": r["wajib_ktp"],
                "sudah_rekam": r["sudah_rekam"],
                "belum_rekam": belum,
                "coverage_pct": r["coverage_pct"],
                "coverage_change_pts": change,
                "belum_rekam_change": None if prev is None else belum - prev["belum_rekam"],
                "projected_zero_date": projected,
                "target_date": target_date,
                "on_track": belum == 0 or (projected is not None and projected <= target_date),
            }
            prev = r
    return out
