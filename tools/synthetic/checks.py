"""The contract's row rules, applied to the text as written, to count what the files really contain.

The answer key (GENERATED.json) is built from these counts, not from the generator's intentions; the
generator also asserts both agree, so a planting bug fails loudly instead of producing a wrong key.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.lib.ingest.contract import KTP_STATUSES as _STATUSES
from pipelines.lib.ingest.contract import (
    MARITAL_CODES,
    MAX_AGE_YEARS,
    PROVINCE_CODE,
    QUALITY_FLAGS,
    REJECT_REASONS,
    SEX_CODES,
)
from tools.synthetic.calendar import add_years, ymd
from tools.synthetic.reference import province_codes, villages

# (regex, (start, stop) of year, month and day) for each contract date format, in the contract's order.
_DATE_PATTERNS = [
    (r"^\d{2}-\d{2}-\d{4}$", (6, 10), (3, 5), (0, 2)),
    (r"^\d{2}/\d{2}/\d{4}$", (6, 10), (3, 5), (0, 2)),
    (r"^\d{4}-\d{2}-\d{2}$", (0, 4), (5, 7), (8, 10)),
]


def normalized(text: pa.Array) -> pa.Array:
    """A coded value as the rules read it (rules._norm): '_' as a space, trimmed, runs of white space
    collapsed, upper case; so any accepted spelling of a valid value stays valid, whatever the style."""
    spaced = pc.replace_substring(text, "_", " ")
    return pc.utf8_upper(pc.replace_substring_regex(pc.utf8_trim_whitespace(spaced), r"\s+", " "))


def _digits(text: pa.Array, span: tuple[int, int]) -> np.ndarray:
    return pc.cast(pc.utf8_slice_codeunits(text, *span), pa.int64()).to_numpy()


def parse_dates(text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Day numbers and validity of dates in any contract format (impossible dates like 31-02 invalid)."""
    text = pc.utf8_trim_whitespace(pc.fill_null(text, ""))
    n = len(text)
    y = np.zeros(n, dtype=np.int64)
    m = np.zeros(n, dtype=np.int64)
    d = np.zeros(n, dtype=np.int64)
    found = np.zeros(n, dtype=bool)
    for pattern, ys, ms, ds in _DATE_PATTERNS:
        hit = pc.fill_null(pc.match_substring_regex(text, pattern), False).to_numpy(zero_copy_only=False)
        hit &= ~found
        if not hit.any():
            continue
        sub = text.filter(pa.array(hit))
        y[hit], m[hit], d[hit] = _digits(sub, ys), _digits(sub, ms), _digits(sub, ds)
        found |= hit
    month_ok = (m >= 1) & (m <= 12)
    first = ((np.clip(y, 1, 9999) - 1970) * 12 + np.clip(m, 1, 12) - 1).astype("datetime64[M]")
    days = first.astype("datetime64[D]").astype(np.int64) + d - 1
    valid = found & month_ok & (d >= 1)
    valid &= ymd(np.where(valid, days, 0))[1] == np.where(valid, m, 1)
    return np.where(valid, days, 0), valid


def _ints(text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    t = pc.utf8_trim_whitespace(pc.fill_null(text, ""))
    ok = pc.match_substring_regex(t, r"^\d{1,9}$").to_numpy(zero_copy_only=False)
    vals = pc.if_else(pa.array(ok), t, "0").cast(pa.int64()).to_numpy()
    return vals, ok


def _not_in(text: pa.Array, allowed) -> np.ndarray:
    return ~pc.is_in(normalized(pc.fill_null(text, "")), value_set=pa.array(sorted(allowed))).to_numpy(
        zero_copy_only=False
    )


def first_reject(cols: dict[str, pa.Array], regency4: str, cutoff: int) -> np.ndarray:
    """Index into REJECT_REASONS of the first rule each row breaks, -1 for a valid row."""
    n = len(cols["NIK"])
    nik = pc.utf8_trim_whitespace(pc.fill_null(cols["NIK"], ""))
    bad = {}
    bad["nik_malformed"] = ~pc.match_substring_regex(nik, r"^\d{16}$").to_numpy(zero_copy_only=False)
    bad["nik_region_invalid"] = ~pc.is_in(
        pc.utf8_slice_codeunits(nik, 0, 2), value_set=pa.array(sorted(province_codes()))
    ).to_numpy(zero_copy_only=False)
    birth, birth_ok = parse_dates(cols["TGL_LHR"])
    oldest = add_years(np.array([cutoff]), -MAX_AGE_YEARS)[0]
    bad["birth_date_invalid"] = ~birth_ok | (birth > cutoff) | (birth < oldest)
    bad["sex_invalid"] = _not_in(cols["JENIS_KLMIN"], SEX_CODES)
    bad["marital_status_invalid"] = _not_in(cols["STAT_KWN"], MARITAL_CODES)
    bad["ktp_status_invalid"] = _not_in(cols["STATUS_KTP_EL"], _STATUSES)
    prop, prop_ok = _ints(cols["NO_PROP"])
    kab, kab_ok = _ints(cols["NO_KAB"])
    bad["wrong_regency"] = ~prop_ok | ~kab_ok | (prop != int(PROVINCE_CODE)) | (kab != int(regency4[2:]))
    kec, kec_ok = _ints(cols["NO_KEC"])
    kel, kel_ok = _ints(cols["NO_KEL"])
    v = villages()
    mine = v.regency4 == regency4
    known = v.district_no[mine] * 10_000 + v.village_no[mine]
    bad["unknown_area"] = ~kec_ok | ~kel_ok | (kel > 9999) | ~np.isin(kec * 10_000 + kel, known)
    reason = np.full(n, -1, dtype=np.int64)
    for i, r in reversed(list(enumerate(REJECT_REASONS))):
        reason = np.where(bad[r], i, reason)
    return reason


def flags(cols: dict[str, pa.Array]) -> dict[str, np.ndarray]:
    """The three NIK flags, by their contract definitions (meaningful on valid rows only)."""
    nik = pc.utf8_trim_whitespace(pc.fill_null(cols["NIK"], ""))
    ok = pc.match_substring_regex(nik, r"^\d{16}$")
    safe = pc.if_else(ok, nik, "0000000101010000")
    dd, mm, yy = _digits(safe, (6, 8)), _digits(safe, (8, 10)), _digits(safe, (10, 12))
    birth, _ = parse_dates(cols["TGL_LHR"])
    by, bm, bd = ymd(birth)
    female = ~_not_in(cols["JENIS_KLMIN"], [k for k, v in SEX_CODES.items() if v == "P"])
    day = np.where(dd > 40, dd - 40, dd)
    out = {
        "nik_issued_outside_kaltara": _digits(safe, (0, 2)) != int(PROVINCE_CODE),
        "nik_birth_date_mismatch": (day != bd) | (mm != bm) | (yy != by % 100),
        "nik_sex_mismatch": (dd > 40) != female,
    }
    assert list(out) == QUALITY_FLAGS
    return out
