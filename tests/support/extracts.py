"""Hand-made regency extracts for ingestion tests: valid by default, one defect at a time."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pipelines.lib.ingest.contract import COLUMNS

HEADER = list(COLUMNS)

# One real village per regency (district number, village number) from the Kemendagri reference.
VILLAGES = {
    "6501": (1, 1001),  # 65.01.01.1001 Tanjung Palas Hulu
    "6502": (1, 2002),
    "6503": (1, 2001),
    "6504": (1, 2001),
    "6571": (1, 1001),
}


def nik(regency4: str, born: date, sex: str, serial: int, prefix: str | None = None) -> str:
    day = born.day + (40 if sex == "P" else 0)
    region = prefix or f"{regency4}01"
    return f"{region}{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"


@dataclass
class Person:
    regency4: str = "6501"
    born: date = date(1990, 5, 17)
    sex: str = "L"
    serial: int = 1
    marital: str = "2"
    status: str = "CARD ISSUED"
    entry: str = "01-01-2020"
    name: str = "BUDI SANTOSO"

    def row(self, **overrides: str) -> dict[str, str]:
        kec, kel = VILLAGES[self.regency4]
        row = {
            "NIK": nik(self.regency4, self.born, self.sex, self.serial),
            "NO_KK": f"{self.regency4}01{self.serial:010d}",
            "NAMA_LGKP": self.name,
            "JENIS_KLMIN": "1" if self.sex == "L" else "2",
            "TMPT_LHR": "TANJUNG SELOR",
            "TGL_LHR": self.born.strftime("%d-%m-%Y"),
            "STAT_KWN": self.marital,
            "KWRNGRN": "WNI",
            "NO_PROP": "65",
            "NO_KAB": str(int(self.regency4[2:])),
            "NO_KEC": str(kec),
            "NO_KEL": str(kel),
            "STATUS_KTP_EL": self.status,
            "TGL_REKAM": "01-02-2008",
            "TGL_ENTRI": self.entry,
            "LOKASI_REKAM": "KANTOR DISDUKCAPIL",
        }
        row.update(overrides)
        return row


def people(regency4: str, n: int, start_serial: int = 1) -> list[dict[str, str]]:
    out = []
    for i in range(n):
        sex = "P" if i % 2 else "L"
        born = date(1970 + i % 30, 1 + i % 12, 1 + i % 28)
        out.append(Person(regency4=regency4, born=born, sex=sex, serial=start_serial + i).row())
    return out


def write_csv(
    path: Path,
    rows: list[dict[str, str]],
    *,
    header: list[str] | None = None,
    delimiter: str = ";",
    encoding: str = "utf-8",
    bom: bool = False,
    quote_all: bool = False,
) -> Path:
    header = header or HEADER
    buf = io.StringIO()
    writer = csv.writer(
        buf,
        delimiter=delimiter,
        lineterminator="\r\n",
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
    )
    writer.writerow(header)
    keys = [h.strip().upper() for h in header]
    for r in rows:
        writer.writerow([r.get(k, "") for k in keys])
    data = buf.getvalue().encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def write_xlsx(path: Path, rows: list[list[object]], header: list[str] | None = None) -> Path:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("data")
    ws.append(header or HEADER)
    for r in rows:
        ws.append(r)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
