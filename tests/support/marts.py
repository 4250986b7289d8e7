"""Synthetic landing folder for the dbt marts tests, and the marts recomputed in plain Python.

The generator writes what landing would (pipelines/lib/ingest/landing.py): one all-text Parquet file per
(snapshot, regency) extract, in the extract contract's format, with its bookkeeping record. Every row
is crafted to meet an expectation: kept, superseded by a newer listing of its NIK in another regency,
rejected for one given reason, or flagged on purpose. The `expected_*` functions derive every mart from
the generated people and those expectations without SQL, so the tests compare two independent
implementations of the definitions in the issue.
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
import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.lib.ingest.contract import (
    COLUMNS,
    PROVINCE_CODE,
    QUALITY_FLAGS,
    REGENCIES,
    REJECT_REASONS,
    dotted_regency,
)
from pipelines.lib.ingest.landing import FILE_RECORD, FILE_SCHEMA, ROWS_SCHEMA, ensure_layout, partition_dir
from pipelines.lib.settings import DBT_PROJECT_DIR, SEEDS_DIR, Settings

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
DATE_FORMAT = "%d-%m-%Y"  # the contract's first date format, as SIAK exports it
OUTSIDE_PREFIX = "647101"  # a Kalimantan Timur (Balikpapan) NIK region: a real province, not Kaltara


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


def make_nik(
    village_code: str, birth: date, sex: str, serial: int, flags: frozenset[str] = frozenset()
) -> str:
    """A NIK as Dukcapil issues it: region (6 digits), birth date DDMMYY with 40 added to the day for
    women, serial (4 digits). Each of `flags` is raised on purpose by spoiling the part it checks."""
    assert 0 < serial < 10_000 and flags <= set(QUALITY_FLAGS), (serial, flags)
    region = OUTSIDE_PREFIX if "nik_issued_outside_kaltara" in flags else village_code.replace(".", "")[:6]
    encoded_sex = ({"L": "P", "P": "L"}[sex]) if "nik_sex_mismatch" in flags else sex
    month = birth.month % 12 + 1 if "nik_birth_date_mismatch" in flags else birth.month
    day = birth.day + (40 if encoded_sex == "P" else 0)
    return f"{region}{day:02d}{month:02d}{birth.year % 100:02d}{serial:04d}"


@dataclass
class Person:
    """One person as the regencies list them; `status` holds the KTP-el status per snapshot (absent = not
    listed in that snapshot)."""

    serial: int
    sex: str
    birth_date: date
    marital_status: str
    village_code: str
    status: dict[date, str]
    citizenship: str = "WNI"
    # A second listing of the same NIK by another regency, with an older TGL_ENTRI: it loses (superseded).
    loser_village_code: str | None = None
    # The quality flags its NIK raises on purpose (on every listing of it).
    flags: frozenset[str] = frozenset()

    @property
    def nik(self) -> str:
        return make_nik(self.village_code, self.birth_date, self.sex, self.serial, self.flags)


@dataclass
class Generated:
    persons: list[Person]
    # Every landed row: the extract columns as text, where it landed, and what dbt must make of it
    # (`reason`: the reject reason it was crafted for, or None; `superseded`: it loses its NIK).
    rows: pd.DataFrame = field(repr=False)
    # Per file, its bookkeeping record and the ingest_summary row dbt must derive.
    files: pd.DataFrame
    # Per file and reason / flag, every one listed: what reject_reasons and quality_flags must say.
    reject_counts: pd.DataFrame
    flag_counts: pd.DataFrame


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


def _villages_by_regency() -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for a in load_areas():
        if a.level == "village":
            out[a.code[:5]].append(a.code)
    return out


def generate_population(seed: int = 20250301, n_random: int = 1400) -> list[Person]:
    rng = np.random.default_rng(seed)
    villages_by_regency = _villages_by_regency()
    # A dozen inhabited villages per regency leaves most villages empty, to exercise the zero-fill.
    inhabited = {
        reg: sorted(rng.choice(codes, size=12, replace=False).tolist())
        for reg, codes in sorted(villages_by_regency.items())
        if reg != EMPTY_REGENCY
    }
    inhabited_all = [v for vs in inhabited.values() for v in vs]
    last = SNAPSHOTS[-1]
    persons: list[Person] = []
    serial = iter(range(1, 10**4))

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
        sex = str(rng.choice(["L", "P"]))
        # Babies born after a snapshot are not listed in it.
        status = {
            snap: st for snap, st in _status_path(rng, 0.15 if age < 17 else 0.75).items() if snap >= birth
        }
        citizenship = "WNA" if rng.random() < 0.02 else "WNI"
        persons.append(Person(next(serial), sex, birth, marital, village, status, citizenship))

    # Edge cases, each in a fixed inhabited village of Kota Tarakan.
    tarakan = inhabited["65.71"][0]

    def edge(birth: date, marital: str = "BELUM KAWIN", status: str = "BELUM REKAM", **kw) -> None:
        persons.append(
            Person(next(serial), "P", birth, marital, tarakan, dict.fromkeys(SNAPSHOTS, status), **kw)
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
                next(serial),
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

    # NIKs that do not match the person on purpose (a separate generator: the population stays as it
    # was). Flags are counted, not rejected, so every mart counts these people as usual. Some carry two.
    flag_rng = np.random.default_rng(seed + 1)
    chosen = flag_rng.choice(len(persons), size=30, replace=False)
    combos = [{f} for f in QUALITY_FLAGS for _ in range(8)] + [
        {"nik_birth_date_mismatch", "nik_sex_mismatch"},
        {"nik_issued_outside_kaltara", "nik_birth_date_mismatch"},
        {"nik_issued_outside_kaltara", "nik_sex_mismatch"},
        set(QUALITY_FLAGS),
        set(QUALITY_FLAGS),
        {"nik_sex_mismatch"},
    ]
    for i, flags in zip(chosen, combos, strict=True):
        persons[int(i)].flags = frozenset(flags)
    assert len({p.nik for p in persons}) == len(persons)
    return persons


def _source_file(snap: date, regency_code: str) -> str:
    return f"{snap.isoformat()}/{regency_code.replace('.', '')}_ktp.csv"


def _text_row(
    *,
    nik: str,
    sex: str,
    birth: date,
    marital: str,
    citizenship: str,
    village: str,
    status: str,
    snap: date,
    entry: date,
) -> dict[str, str]:
    """One extract row as a regency office sends it (docs/extract-contract.md), all text."""
    _, reg, dist, vil = _codes(village)
    return {
        "NIK": nik,
        "NO_KK": nik[:6] + "9" * 10,
        "NAMA_LGKP": f"SYNTHETIC PERSON {nik[-8:]}",
        "JENIS_KLMIN": sex,
        "TMPT_LHR": "TARAKAN",
        "TGL_LHR": birth.strftime(DATE_FORMAT),
        "STAT_KWN": marital,
        "KWRNGRN": citizenship,
        "NO_PROP": PROVINCE_CODE,
        "NO_KAB": str(int(reg[3:])),
        "NO_KEC": str(int(dist[6:])),
        "NO_KEL": str(int(vil[9:])),
        "STATUS_KTP_EL": status,
        "TGL_REKAM": "" if status == "BELUM REKAM" else (snap - timedelta(days=30)).strftime(DATE_FORMAT),
        "TGL_ENTRI": entry.strftime(DATE_FORMAT),
        "LOKASI_REKAM": "",
    }


def listing_rows(persons: list[Person]) -> list[dict]:
    """The kept rows: one per listing and snapshot, the loser of a NIK with an older TGL_ENTRI."""
    rows = []
    for p in persons:
        for snap, status in p.status.items():
            listings = [(p.village_code, False, status)]
            if p.loser_village_code:
                # The losing row disagrees on everything that matters, so counting it would show.
                listings.append((p.loser_village_code, True, "BELUM REKAM"))
            for village, superseded, st in listings:
                text = _text_row(
                    nik=p.nik,
                    sex=p.sex,
                    birth=p.birth_date,
                    marital=p.marital_status,
                    citizenship=p.citizenship,
                    village=village,
                    status=st,
                    snap=snap,
                    entry=snap - timedelta(days=1 if superseded else 0),
                )
                rows.append(
                    {
                        **text,
                        "snapshot_date": snap,
                        "regency_code": _codes(village)[1],
                        "village_code": village,
                        "reason": None,
                        "superseded": superseded,
                        "flags": p.flags,
                    }
                )
    return rows


def rejected_row(reason: str, variant: int, snap: date, regency_code: str, village: str, serial: int) -> dict:
    """A row that passes every rule before `reason` (contract order) and fails that one; `variant` picks
    one of several ways of failing it."""
    birth = date(1990, 1 + variant % 12, 1 + variant % 28)
    row = _text_row(
        nik=make_nik(village, birth, "L", serial),
        sex="L",
        birth=birth,
        marital="BELUM KAWIN",
        citizenship="WNI",
        village=village,
        status="SUDAH REKAM",
        snap=snap,
        entry=snap,
    )
    nik = row["NIK"]
    other_kab = next(str(int(c[2:])) for c in REGENCIES if dotted_regency(c) != regency_code)
    breaks: dict[str, list[dict[str, str]]] = {
        "nik_malformed": [
            {"NIK": "6.50101E+15"},  # Excel's rendering of a number
            {"NIK": nik[:15]},
            {"NIK": nik[:15] + "O"},
            {"NIK": ""},
        ],
        # 00, 66 and 99 are not province codes
        "nik_region_invalid": [{"NIK": "99" + nik[2:]}, {"NIK": "00" + nik[2:]}, {"NIK": "66" + nik[2:]}],
        "birth_date_invalid": [
            {"TGL_LHR": "31-02-1990"},  # not a real date
            {"TGL_LHR": (snap + timedelta(days=1)).strftime(DATE_FORMAT)},  # after the cut-off
            {"TGL_LHR": snap.replace(year=snap.year - 121).strftime(DATE_FORMAT)},  # over 120 years
            {"TGL_LHR": ""},
            {"TGL_LHR": "1990.05.17"},  # no accepted format
        ],
        "sex_invalid": [{"JENIS_KLMIN": "X"}, {"JENIS_KLMIN": "3"}, {"JENIS_KLMIN": ""}],
        "marital_status_invalid": [{"STAT_KWN": "5"}, {"STAT_KWN": "NIKAH"}, {"STAT_KWN": ""}],
        "ktp_status_invalid": [
            {"STATUS_KTP_EL": "BELUM"},
            {"STATUS_KTP_EL": "CARD LOST"},
            {"STATUS_KTP_EL": ""},
        ],
        "wrong_regency": [{"NO_KAB": other_kab}, {"NO_PROP": "64"}, {"NO_KAB": ""}, {"NO_PROP": "x"}],
        "unknown_area": [{"NO_KEL": "9999"}, {"NO_KEC": "99"}, {"NO_KEL": ""}],
    }
    variants = breaks[reason]
    row.update(variants[variant % len(variants)])
    return {
        **row,
        "snapshot_date": snap,
        "regency_code": regency_code,
        "village_code": None,
        "reason": reason,
        "superseded": False,
        "flags": frozenset(),
    }


def landing_rows(persons: list[Person], seed: int = 7) -> pd.DataFrame:
    """Every landed row, files in (snapshot, regency) order: the listings, with 0-3 rows per reject
    reason and file crafted to fail with that reason, placed at random among them."""
    rng = np.random.default_rng(seed)
    by_file: dict[tuple[date, str], list[dict]] = defaultdict(list)
    for row in listing_rows(persons):
        by_file[(row["snapshot_date"], row["regency_code"])].append(row)
    serial = iter(range(max(p.serial for p in persons) + 1, 10**4))
    out = []
    for (snap, reg), rows in sorted(by_file.items()):
        village = min(r["village_code"] for r in rows)
        for reason, n in zip(REJECT_REASONS, rng.integers(0, 4, size=len(REJECT_REASONS)), strict=True):
            for _ in range(int(n)):
                bad = rejected_row(reason, int(rng.integers(0, 60)), snap, reg, village, next(serial))
                rows.insert(int(rng.integers(0, len(rows) + 1)), bad)
        for number, row in enumerate(rows, start=1):
            out.append({**row, "row_number": number, "source_file": _source_file(snap, reg)})
    return pd.DataFrame(out)


def bookkeeping(rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Per file: the bookkeeping record landing writes with the ingest_summary row dbt must derive from
    it, and the reject and flag counts the rows were crafted for (every reason and flag listed)."""
    files, rejects, flags = [], [], []
    for (snap, reg), grp in rows.groupby(["snapshot_date", "regency_code"], sort=True):
        kept = grp[grp["reason"].isna()]
        reasons = Counter(grp["reason"].dropna())
        raised = Counter(f for fs in kept["flags"] for f in fs)
        files.append(
            {
                "snapshot_date": snap,
                "regency_code": reg,
                "source_file": grp["source_file"].iloc[0],
                "sha256": hashlib.sha256(f"{snap}/{reg}".encode()).hexdigest(),
                "rows_read": len(grp),
                "rows_loaded": len(kept),
                "rows_rejected": len(grp) - len(kept),
                "duplicates_superseded": int(kept["superseded"].sum()),
                "file_format": "csv",
                "encoding": "utf-8",
                "delimiter": ";",
                "size_bytes": 200 * len(grp),
                "mtime_ns": 1_740_902_400_000_000_000,
                "columns_found": list(COLUMNS),
                "rows_landed": len(grp),
                "landed_at": datetime(2025, 3, 2, 8, 0),
                "run_id": "test-run",
                "error": None,
            }
        )
        rejects += [
            {"snapshot_date": snap, "regency_code": reg, "reason": r, "rows": reasons[r]}
            for r in REJECT_REASONS
        ]
        flags += [
            {"snapshot_date": snap, "regency_code": reg, "flag": f, "rows": raised[f]} for f in QUALITY_FLAGS
        ]
    return pd.DataFrame(files), pd.DataFrame(rejects), pd.DataFrame(flags)


def generate(seed: int = 20250301) -> Generated:
    persons = generate_population(seed)
    rows = landing_rows(persons)
    files, rejects, flags = bookkeeping(rows)
    return Generated(persons, rows, files, rejects, flags)


def landing_dir(warehouse: Path) -> Path:
    """Where the pipeline lands extracts for this warehouse (`<stem>.landing` beside it)."""
    return Settings.from_env({"KTP_WAREHOUSE": str(warehouse)}).landing_dir


def write_landing(landing: Path, gen: Generated) -> None:
    """The landing folder as pipelines/lib/ingest/landing.py leaves it after landing every generated file."""
    ensure_layout(landing)
    rows = dict(list(gen.rows.groupby(["snapshot_date", "regency_code"], sort=True)))
    for record in gen.files.to_dict("records"):
        snap, reg = record["snapshot_date"], record["regency_code"]
        part = partition_dir(landing, snap.isoformat(), reg)
        part.mkdir(parents=True, exist_ok=True)
        grp = rows[(snap, reg)].sort_values("row_number")
        columns = {c: grp[c].tolist() for c in COLUMNS}
        columns |= {
            "row_number": grp["row_number"].tolist(),
            "source_file": grp["source_file"].tolist(),
            "sha256": [record["sha256"]] * len(grp),
        }
        pq.write_table(pa.table(columns, schema=ROWS_SCHEMA), part / f"rows-{record['sha256'][:16]}.parquet")
        file_row = {name: record[name] for name in FILE_SCHEMA.names}
        pq.write_table(pa.Table.from_pylist([file_row], schema=FILE_SCHEMA), part / FILE_RECORD)


# ---------------------------------------------------------------------------------------------------------
# Running dbt


def dbt_env(warehouse: Path, tmp: Path, landing: Path | None = None) -> dict[str, str]:
    """What dbt needs to find the warehouse and the landing folder (by default the one beside it)."""
    env = dict(os.environ)
    env.update(
        {
            "KTP_WAREHOUSE": str(warehouse),
            "KTP_LANDING_DIR": str(landing or landing_dir(warehouse)),
            "KTP_DUCKDB_TEMP_DIR": str(tmp / "duckdb_tmp"),
            "DO_NOT_TRACK": "1",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        }
    )
    return env


def run_dbt(
    args: list[str], warehouse: Path, tmp: Path, landing: Path | None = None
) -> subprocess.CompletedProcess:
    """dbt with target and log paths under tmp, so parallel tests never share dbt_project/target."""
    dbt = Path(sys.executable).with_name("dbt")
    cmd = [str(dbt), *args, "--profiles-dir", str(DBT_PROJECT_DIR), "--project-dir", str(DBT_PROJECT_DIR)]
    cmd += ["--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs")]
    return subprocess.run(
        cmd,
        cwd=DBT_PROJECT_DIR,
        env=dbt_env(warehouse, tmp, landing),
        capture_output=True,
        text=True,
        timeout=600,
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
