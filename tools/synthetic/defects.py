"""Plant the contract's reject reasons into a small share of a file's rows, one defect per row.

Rows are tested in REJECT_REASONS order and get the first reason that applies, so a row planted for a
reason keeps every earlier rule satisfied and breaks only its own.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.lib.ingest.contract import REGENCIES, REJECT_REASONS
from tools.synthetic.calendar import NEVER, ymd
from tools.synthetic.reference import district_counts, villages
from tools.synthetic.render import format_days, regency_code_text
from tools.synthetic.styles import FileStyle

REJECT_RATE = 0.0012  # per reason, so ~1 % of a file in all
BAD_REGION_PREFIXES = ["00", "99", "20", "10", "40", "66", "80"]  # none is one of the 38 province codes
BAD_SEX = ["X", "3", "0", "W", "LK"]
BAD_MARITAL = ["5", "JANDA", "DUDA", "KAWIN SIRI", "0"]
BAD_STATUS = ["REKAM ULANG", "UNKNOWN", "BLANKO HABIS", "9", "BELUM CETAK"]


class Planter:
    """Applies defects to the text columns of one file (and its Excel date cells, for XLSX)."""

    def __init__(
        self, style: FileStyle, cols: dict[str, pa.Array], cells: dict[str, np.ndarray], rng, cutoff
    ):
        self.style = style
        self.cols = cols
        self.cells = cells
        self.rng = rng
        self.cutoff = cutoff

    def _set(self, column: str, idx: np.ndarray, values: np.ndarray) -> None:
        order = np.argsort(idx)
        mask = np.zeros(len(self.cols[column]), dtype=bool)
        mask[idx] = True
        new = pa.array(np.asarray(values, dtype=str)[order])
        self.cols[column] = pc.replace_with_mask(self.cols[column], pa.array(mask), new)
        if column in self.cells:
            self.cells[column][idx] = NEVER  # written as text, not as a date cell

    def _choice(self, values, n):
        return np.asarray(values)[self.rng.integers(0, len(values), n)]

    def _text(self, column: str, idx: np.ndarray) -> np.ndarray:
        return np.array(self.cols[column].take(pa.array(idx)).to_pylist(), dtype=str)

    def nik_malformed(self, idx):
        nik = self._text("NIK", idx)
        mantissa = ((np.strings.slice(nik, 0, 7).astype(np.int64) + 5) // 10).astype("U6")
        sci = np.strings.add(
            np.strings.add(np.strings.slice(mantissa, 0, 1), "."), np.strings.slice(mantissa, 1, 6)
        )
        sci = np.strings.add(np.strings.rstrip(np.strings.rstrip(sci, "0"), "."), "E+15")
        short = np.strings.slice(nik, 0, 15)
        letter = self._choice(["O", "I", "B"], len(idx))
        lettered = np.strings.add(
            np.strings.add(np.strings.slice(nik, 0, 10), letter), np.strings.slice(nik, 11, 16)
        )
        # Scientific notation is what Excel leaves in a CSV; an XLSX keeps the text cell.
        kinds = 3 if self.style.fmt == "csv" else 2
        k = (np.arange(len(idx)) + 2) % kinds  # the first in scientific notation wherever it can be
        self._set("NIK", idx, np.select([k == 0, k == 1], [short, lettered], default=sci))

    def nik_region_invalid(self, idx):
        nik = self._text("NIK", idx)
        prefix = self._choice(BAD_REGION_PREFIXES, len(idx))
        self._set("NIK", idx, np.strings.add(prefix, np.strings.slice(nik, 2, 16)))

    def birth_date_invalid(self, idx):
        n = len(idx)
        k = self.rng.integers(0, 4, n)
        fmt = self.style.date_format
        future = self.cutoff + self.rng.integers(30, 3000, n)
        too_old = self.rng.integers(-32000, -25600, n)  # 1882-1899: over 120 years before any snapshot
        years = ymd(future)[0] - self.rng.integers(10, 40, n)
        day = self._choice(["30", "31"], n)
        year = years.astype("U4")
        impossible = (
            np.strings.add(np.strings.add(np.strings.add(year, "-02-"), day), "")
            if fmt == "%Y-%m-%d"
            else np.strings.add(np.strings.add(day, fmt[2] + "02" + fmt[2]), year)
        )
        text = np.select(
            [k == 0, k == 1, k == 2],
            [np.full(n, ""), impossible, np.array(format_days(future, fmt).to_pylist(), dtype=str)],
            default=np.array(format_days(too_old, fmt).to_pylist(), dtype=str),
        )
        self._set("TGL_LHR", idx, text)
        if "TGL_LHR" in self.cells:
            self.cells["TGL_LHR"][idx[k == 2]] = future[k == 2]  # a real date cell, just after the cut-off

    def sex_invalid(self, idx):
        self._set("JENIS_KLMIN", idx, self._choice(BAD_SEX, len(idx)))

    def marital_status_invalid(self, idx):
        self._set("STAT_KWN", idx, self._choice(BAD_MARITAL, len(idx)))

    def ktp_status_invalid(self, idx):
        self._set("STATUS_KTP_EL", idx, self._choice(BAD_STATUS, len(idx)))

    def wrong_regency(self, idx):
        n = len(idx)
        others = np.array([c for c in REGENCIES if c != self.style.code])
        other_kab = np.array(
            regency_code_text(self._choice(others, n), self.style.pad_codes).to_pylist(), dtype=str
        )
        kaltim = self.rng.random(n) < 0.3  # still coded as Kalimantan Timur
        if (~kaltim).any():
            self._set("NO_KAB", idx[~kaltim], other_kab[~kaltim])
        if kaltim.any():
            self._set("NO_PROP", idx[kaltim], np.full(int(kaltim.sum()), "64"))

    def unknown_area(self, idx):
        n = len(idx)
        n_districts = district_counts()[self.style.code]
        no_district = self.rng.random(n) < 0.5
        kec = n_districts + self.rng.integers(1, 6, n)
        kec_text = np.char.zfill(kec.astype("U2"), 2) if self.style.pad_codes else kec.astype("U2")
        if no_district.any():
            self._set("NO_KEC", idx[no_district], kec_text[no_district])
        if (~no_district).any():
            v = villages()
            assert not np.isin(v.village_no[v.regency4 == self.style.code] % 1000, [99]).any()
            kel = self._choice(["1099", "2099"], int((~no_district).sum()))
            self._set("NO_KEL", idx[~no_district], kel)


def plant(style, cols, cells, candidates: np.ndarray, rng, cutoff) -> np.ndarray:
    """Plant every reason at least once; returns the planted reason index per row (-1 = untouched)."""
    n_rows = len(cols["NIK"])
    planted = np.full(n_rows, -1, dtype=np.int64)
    counts = np.maximum(1, rng.binomial(n_rows, REJECT_RATE, len(REJECT_REASONS)))
    if counts.sum() > len(candidates):
        raise ValueError(f"{style.file_name}: too few rows ({n_rows}) to plant every reject reason")
    chosen = rng.choice(candidates, size=int(counts.sum()), replace=False)
    planter = Planter(style, cols, cells, rng, cutoff)
    start = 0
    for i, reason in enumerate(REJECT_REASONS):
        idx = np.sort(chosen[start : start + counts[i]])
        start += counts[i]
        getattr(planter, reason)(idx)
        planted[idx] = i
    return planted
