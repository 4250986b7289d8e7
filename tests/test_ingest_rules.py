"""Row rules: every reject reason in its order, every flag, and the row accounting."""

from __future__ import annotations

from datetime import date

import pytest

from pipelines.ingest.contract import QUALITY_FLAGS, REJECT_REASONS
from pipelines.ingest.discovery import scan
from pipelines.ingest.load import load_extract
from pipelines.warehouse import connect
from tests.support.extracts import Person, nik, write_csv

SNAPSHOT = "2026-03-31"


def _load(settings, rows, name="6501_bulungan.csv", **csv_kwargs):
    write_csv(settings.raw_dir / SNAPSHOT / name, rows, **csv_kwargs)
    extract = scan(settings.raw_dir).find(SNAPSHOT, name[:4])
    with connect(settings) as conn:
        result = load_extract(conn, extract)
        quarantine = conn.execute(
            "select row_number, reason, nik from ingest.quarantine order by row_number"
        ).fetchall()
        persons = conn.execute(
            "select row_number, nik, sex, birth_date, marital_status, ktp_status, village_code, "
            "flag_nik_issued_outside_kaltara, flag_nik_birth_date_mismatch, flag_nik_sex_mismatch "
            "from ingest.persons order by row_number"
        ).fetchall()
    return result, quarantine, persons


def _reason_of(settings, **overrides):
    result, quarantine, persons = _load(settings, [Person().row(**overrides)])
    assert result.rows_read == 1
    return quarantine[0][1] if quarantine else None


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"NIK": "6.50101E+15"}, "nik_malformed"),  # Excel's scientific notation
        ({"NIK": "650101170590001"}, "nik_malformed"),  # 15 digits
        ({"NIK": "65010117059000A1"}, "nik_malformed"),
        ({"NIK": ""}, "nik_malformed"),
        ({"NIK": "65010117059000011"}, "nik_malformed"),  # 17 digits
        ({"NIK": "9901011705900001"}, "nik_region_invalid"),  # 99 is no province
        ({"NIK": "0001011705900001"}, "nik_region_invalid"),
        ({"TGL_LHR": ""}, "birth_date_invalid"),
        ({"TGL_LHR": "31-02-2001"}, "birth_date_invalid"),
        ({"TGL_LHR": "01-04-2026"}, "birth_date_invalid"),  # after the cut-off
        ({"TGL_LHR": "30-03-1906"}, "birth_date_invalid"),  # more than 120 years before it
        ({"TGL_LHR": "17/05/90"}, "birth_date_invalid"),  # two-digit year is not a contract format
        ({"JENIS_KLMIN": "3"}, "sex_invalid"),
        ({"JENIS_KLMIN": ""}, "sex_invalid"),
        ({"STAT_KWN": "5"}, "marital_status_invalid"),
        ({"STAT_KWN": "JANDA"}, "marital_status_invalid"),
        ({"STATUS_KTP_EL": "REKAM"}, "ktp_status_invalid"),
        ({"STATUS_KTP_EL": ""}, "ktp_status_invalid"),
        ({"NO_KAB": "2"}, "wrong_regency"),  # Malinau's code in Bulungan's file
        ({"NO_PROP": "64"}, "wrong_regency"),
        ({"NO_PROP": ""}, "wrong_regency"),
        ({"NO_KEL": "1099"}, "unknown_area"),
        ({"NO_KEC": "77"}, "unknown_area"),
        ({"NO_KEC": "2", "NO_KEL": "1001"}, "unknown_area"),  # a real village number, wrong district
    ],
)
def test_each_reject_reason(ktp_env, overrides, reason):
    assert _reason_of(ktp_env, **overrides) == reason


def test_boundaries_that_are_kept(ktp_env):
    rows = [
        Person(born=date(1906, 3, 31), serial=1).row(),  # exactly 120 years before the cut-off
        Person(born=date(2026, 3, 31), serial=2, marital="1", status="BELUM REKAM").row(),  # born on it
    ]
    result, quarantine, persons = _load(ktp_env, rows)
    assert quarantine == []
    assert result.rows_loaded == 2


def test_first_reason_wins_in_contract_order(ktp_env):
    # Every defect at once: the row must carry the first reason of the list, then peel them off.
    defects = {
        "NIK": ("6.5E+15", "9901011705900001"),
        "TGL_LHR": ("31-02-2001", None),
        "JENIS_KLMIN": ("X", None),
        "STAT_KWN": ("9", None),
        "STATUS_KTP_EL": ("?", None),
        "NO_KAB": ("3", None),
        "NO_KEL": ("1999", None),
    }
    rows = []
    order = list(defects)
    for start in range(len(order)):
        overrides = {k: defects[k][0] for k in order[start:]}
        rows.append(Person(serial=start + 1).row(**overrides))
    # and one row where only the region defect of the NIK remains, plus every later defect
    rows.append(
        Person(serial=99).row(
            **{"NIK": defects["NIK"][1], **{k: v[0] for k, v in defects.items() if k != "NIK"}}
        )
    )
    result, quarantine, _ = _load(ktp_env, rows)
    got = [r[1] for r in quarantine]
    assert got == [
        "nik_malformed",
        "birth_date_invalid",
        "sex_invalid",
        "marital_status_invalid",
        "ktp_status_invalid",
        "wrong_regency",
        "unknown_area",
        "nik_region_invalid",
    ]
    assert set(got) == set(REJECT_REASONS)
    assert result.reject_counts == {r: got.count(r) for r in REJECT_REASONS}


def test_flags_on_kept_rows(ktp_env):
    born = date(1990, 5, 17)
    rows = [
        Person(serial=1).row(),  # clean
        Person(serial=2).row(NIK=nik("6501", born, "L", 2, prefix="640501")),  # issued under Kaltim
        Person(serial=3).row(TGL_LHR="18-05-1990"),  # NIK says the 17th
        Person(serial=4).row(TGL_LHR="17-05-1991"),  # NIK says '90
        Person(serial=5, sex="P").row(JENIS_KLMIN="1"),  # woman's NIK (day + 40), marked male
        Person(serial=6).row(JENIS_KLMIN="2"),  # man's NIK, marked female
        Person(serial=7, sex="P").row(),  # woman, consistent: no flag
    ]
    result, quarantine, persons = _load(ktp_env, rows)
    assert quarantine == []
    flags = {r[0]: (r[7], r[8], r[9]) for r in persons}
    assert flags == {
        1: (False, False, False),
        2: (True, False, False),
        3: (False, True, False),
        4: (False, True, False),
        5: (False, False, True),
        6: (False, False, True),
        7: (False, False, False),
    }
    assert result.flag_counts == dict(zip(QUALITY_FLAGS, [1, 2, 2], strict=True))


def test_value_spellings_and_typing(ktp_env):
    rows = [
        Person(serial=1).row(
            JENIS_KLMIN=" laki-laki ", STAT_KWN="kawin tercatat", STATUS_KTP_EL="card_issued"
        ),
        Person(serial=2, sex="P").row(JENIS_KLMIN="PEREMPUAN", STAT_KWN="KAWIN BELUM TERCATAT"),
        Person(serial=3).row(JENIS_KLMIN="l", STAT_KWN="3", STATUS_KTP_EL="Sent_For_Card_Printing"),
        Person(serial=4, sex="P").row(JENIS_KLMIN="p", STAT_KWN="Cerai Mati", TGL_LHR="1990-05-17"),
        Person(serial=5).row(STAT_KWN="1", STATUS_KTP_EL="print  ready   record", TGL_LHR="17/05/1990"),
        Person(serial=6).row(
            NO_PROP="065", NO_KAB="01", NO_KEC="01", NO_KEL="1001", NIK=" 6501011705900006 "
        ),
    ]
    result, quarantine, persons = _load(ktp_env, rows)
    assert quarantine == []
    got = [(r[2], r[3], r[4], r[5], r[6]) for r in persons]
    b = date(1990, 5, 17)
    v = "65.01.01.1001"
    assert got == [
        ("L", b, "KAWIN", "CARD ISSUED", v),
        ("P", b, "KAWIN", "CARD ISSUED", v),
        ("L", b, "CERAI HIDUP", "SENT FOR CARD PRINTING", v),
        ("P", b, "CERAI MATI", "CARD ISSUED", v),
        ("L", b, "BELUM KAWIN", "PRINT READY RECORD", v),
        ("L", b, "KAWIN", "CARD ISSUED", v),
    ]
    assert persons[5][1] == "6501011705900006"  # trimmed


def test_row_accounting_no_row_disappears(ktp_env):
    rows = [Person(serial=i).row() for i in range(1, 41)]
    rows[3]["NIK"] = "123"
    rows[10]["JENIS_KLMIN"] = "?"
    rows[20]["NO_KEL"] = "9999"
    result, quarantine, persons = _load(ktp_env, rows)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (40, 37, 3)
    numbers = sorted([r[0] for r in quarantine] + [r[0] for r in persons])
    assert numbers == list(range(1, 41))  # every row is in exactly one of the two tables
    assert [r[0] for r in quarantine] == [4, 11, 21]
    with connect(ktp_env) as conn:
        raw = conn.execute("select nik, jenis_klmin from ingest.quarantine order by row_number").fetchall()
        stored = conn.execute("select rows_read, rows_loaded, rows_rejected from ingest.files").fetchone()
        by_reason = dict(
            conn.execute("select reason, rows from ingest.file_reject_counts where rows > 0").fetchall()
        )
    assert raw[0][0] == "123" and raw[1][1] == "?"  # quarantine keeps values as sent
    assert stored == (40, 37, 3)
    assert by_reason == {"nik_malformed": 1, "sex_invalid": 1, "unknown_area": 1}


# Texts chosen to sit on the edges of the date shapes: right shape but impossible date, one-digit
# parts, other separators, spaces, a format's shape with another format's order.
_DATE_TEXTS = [
    "05-11-1998",
    "5-11-1998",
    "05-1-1998",
    "05/11/1998",
    "5/11/1998",
    "1998-11-05",
    "1998-1-5",
    "31-02-2001",
    "2001-02-31",
    "29-02-2024",
    "29-02-2023",
    "2024-02-29",
    "1998/11/05",
    "05.11.1998",
    " 05-11-1998 ",
    "05-11-98",
    "1998-11-05T00:00",
    "11-1998-05",
    "0000-00-00",
    "00-00-0000",
    "",
    "  ",
    "x5-11-1998",
    "05-11-199x",
    "1998-13-01",
    "32/01/2000",
    "2000-01-32",
    "05-11- 998",
]
_CODED_TEXTS = [
    "L",
    "l",
    " L ",
    "LAKI-LAKI",
    "laki_laki",
    "Laki-Laki",
    "P",
    "2",
    " 2",
    "KAWIN",
    "kawin  tercatat",
    "BELUM_KAWIN",
    "Belum Kawin",
    "CARD  ISSUED",
    "card_issued",
    "WNI",
    "wna ",
    "",
    "   ",
    "X",
    "\tL",
    "L\t",
    "BELUM\tKAWIN",
    "belum__kawin",
    "_P_",
    "card issued ",
]


def test_fast_paths_give_what_the_plain_rules_give():
    """The shape-first date parse and the exact-key lookup must equal the plain list and normalisation."""
    import duckdb

    from pipelines.ingest import rules
    from pipelines.ingest.contract import (
        CITIZENSHIP_CODES,
        DATE_FORMATS,
        KTP_STATUSES,
        MARITAL_CODES,
        SEX_CODES,
    )

    conn = duckdb.connect()
    conn.execute("create table t (v varchar)")
    conn.executemany("insert into t values (?)", [[v] for v in _DATE_TEXTS + _CODED_TEXTS + [None]])
    formats = "[" + ", ".join(rules._lit(f) for f in DATE_FORMATS) + "]"
    plain_date = f"cast(try_strptime({rules._text('v')}, {formats}) as date)"
    fast_date = rules._date("v")
    differ = conn.execute(f"select v from t where {plain_date} is distinct from {fast_date}").fetchall()
    assert differ == []
    parsed = conn.execute(f"select count({rules._date('v')}) from t").fetchone()[0]
    assert parsed >= 6  # the texts include valid dates in every format, so the comparison is not vacuous

    for mapping in (SEX_CODES, MARITAL_CODES, CITIZENSHIP_CODES, {s: s for s in KTP_STATUSES}):
        # Every key must already be in normal form, or the exact lookup would accept what _norm changes.
        norm_k = rules._norm("k")
        keys = conn.execute(
            f"select k from (select unnest(?) as k) where k is distinct from {norm_k}", [list(mapping)]
        ).fetchall()
        assert keys == []
        plain = rules._map(rules._norm("v"), mapping)
        differ = conn.execute(
            f"select v from t where {plain} is distinct from {rules._lookup('v', mapping)}"
        ).fetchall()
        assert differ == []
