"""An independent, plain-Python re-reading of generated extracts, to check the generator's answer key.

Deliberately shares no code with tools.synthetic: it reads the files with csv/openpyxl and applies the
contract's row rules (pipelines/lib/ingest/contract.py) one row at a time.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl

from pipelines.lib.ingest import contract
from pipelines.lib.settings import SEEDS_DIR


def _seed(name: str) -> list[dict[str, str]]:
    with open(SEEDS_DIR / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


PROVINCES = {r["code"] for r in _seed("indonesia_provinces.csv")}
VILLAGES = {r["code"] for r in _seed("kemendagri_wilayah.csv") if r["level"] == "village"}


@dataclass
class ReadFile:
    path: Path
    encoding: str | None
    delimiter: str | None
    header: list[str]  # as sent
    rows: list[dict[str, object]]  # contract column (upper, trimmed) -> value as read
    raw_lines: list[str] = field(default_factory=list)  # CSV data lines, for exact-duplicate checks


def read_csv(path: Path) -> ReadFile:
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    else:
        try:
            data.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError:
            encoding = "cp1252"
    text = data.decode(encoding)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    header = records[0]
    keys = [h.strip().upper() for h in header]
    rows = [dict(zip(keys, r, strict=True)) for r in records[1:]]
    raw = [tuple(r) for r in records[1:]]
    return ReadFile(path, encoding, delimiter, header, rows, raw)


def read_xlsx(path: Path) -> ReadFile:
    wb = openpyxl.load_workbook(path, read_only=True)
    ws = wb.worksheets[0]
    it = ws.iter_rows(values_only=True)
    header = list(next(it))
    keys = [str(h).strip().upper() for h in header]
    # Empty trailing cells are not stored in the sheet, so short rows are padded.
    raw = [tuple(r) + (None,) * (len(keys) - len(r)) for r in it]
    wb.close()
    return ReadFile(path, None, None, header, [dict(zip(keys, r, strict=True)) for r in raw], raw)


def read_any(path: Path) -> ReadFile:
    return read_xlsx(path) if path.suffix == ".xlsx" else read_csv(path)


def text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def norm(value) -> str:
    return text(value).upper().replace("_", " ")


def parse_date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    s = text(value)
    for fmt in contract.DATE_FORMATS:
        try:
            return dt.datetime.strptime(s, fmt).date()
        except ValueError:
            continue
    return None


def reject_reason(row: dict, regency4: str, cutoff: dt.date) -> str | None:
    nik = text(row["NIK"])
    if not re.fullmatch(r"\d{16}", nik):
        return "nik_malformed"
    if nik[:2] not in PROVINCES:
        return "nik_region_invalid"
    birth = parse_date(row["TGL_LHR"])
    if birth is None or birth > cutoff or birth < cutoff.replace(year=cutoff.year - contract.MAX_AGE_YEARS):
        return "birth_date_invalid"
    if norm(row["JENIS_KLMIN"]) not in contract.SEX_CODES:
        return "sex_invalid"
    if norm(row["STAT_KWN"]) not in contract.MARITAL_CODES:
        return "marital_status_invalid"
    if norm(row["STATUS_KTP_EL"]) not in contract.KTP_STATUSES:
        return "ktp_status_invalid"
    prop, kab, kec, kel = (text(row[c]) for c in ("NO_PROP", "NO_KAB", "NO_KEC", "NO_KEL"))
    if not (prop.isdigit() and kab.isdigit()) or int(prop) != 65 or int(kab) != int(regency4[2:]):
        return "wrong_regency"
    if (
        not (kec.isdigit() and kel.isdigit())
        or f"65.{regency4[2:]}.{int(kec):02d}.{int(kel):04d}" not in VILLAGES
    ):
        return "unknown_area"
    return None


def row_flags(row: dict) -> set[str]:
    nik = text(row["NIK"])
    birth = parse_date(row["TGL_LHR"])
    dd, mm, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    out = set()
    if not nik.startswith("65"):
        out.add("nik_issued_outside_kaltara")
    day = dd - 40 if dd > 40 else dd
    if (day, mm, yy) != (birth.day, birth.month, birth.year % 100):
        out.add("nik_birth_date_mismatch")
    female = contract.SEX_CODES[norm(row["JENIS_KLMIN"])] == "P"
    if (dd > 40) != female:
        out.add("nik_sex_mismatch")
    return out


@dataclass
class FileCount:
    rows: int
    rejects: dict[str, int]
    flags: dict[str, int]
    exact_duplicates: int
    valid: list[tuple[str, dt.date, str, int, dict]]  # (nik, entry date, regency4, row number, row)


def count_file(read: ReadFile, regency4: str, cutoff: dt.date) -> FileCount:
    rejects = dict.fromkeys(contract.REJECT_REASONS, 0)
    flags = dict.fromkeys(contract.QUALITY_FLAGS, 0)
    valid = []
    for i, row in enumerate(read.rows, start=1):
        reason = reject_reason(row, regency4, cutoff)
        if reason:
            rejects[reason] += 1
            continue
        for f in row_flags(row):
            flags[f] += 1
        valid.append((text(row["NIK"]), parse_date(row["TGL_ENTRI"]), regency4, i, row))
    dups = sum(1 for a, b in zip(read.raw_lines, read.raw_lines[1:], strict=False) if a == b)
    return FileCount(len(read.rows), rejects, flags, dups, valid)


def winners(counts: dict[str, FileCount]) -> dict[str, tuple]:
    """NIK -> the winning valid row: latest TGL_ENTRI, then lowest regency code, then first row."""
    best: dict[str, tuple] = {}
    for fc in counts.values():
        for nik, entry, regency, rownum, row in fc.valid:
            key = (-entry.toordinal(), regency, rownum)
            if nik not in best or key < best[nik][0]:
                best[nik] = (key, regency, row)
    return best
