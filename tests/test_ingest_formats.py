"""Every accepted file variant of the extract contract reads to the same typed rows."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from pipelines.ingest.discovery import scan
from pipelines.ingest.load import load_extract
from pipelines.ingest.readers import read_extract
from pipelines.warehouse import connect
from tests.support.extracts import HEADER, Person, write_csv, write_xlsx

SNAPSHOT = "2026-03-31"


def _rows():
    return [
        Person(serial=1, name="BUDI SANTOSO").row(),
        Person(serial=2, sex="P", name="SITI, S.PD").row(),  # a comma inside a quoted field
        Person(serial=3, name="JOSÉ O'NEILL").row(KWRNGRN="WNA"),  # non-ASCII and an apostrophe
    ]


def _persons(settings, name):
    extract = scan(settings.raw_dir).find(SNAPSHOT, name[:4])
    with connect(settings) as conn:
        result = load_extract(conn, extract)
        rows = conn.execute(
            "select nik, full_name, sex, birth_date, citizenship, village_code from ingest.persons "
            "order by row_number"
        ).fetchall()
    return result, rows


EXPECTED = [
    ("6501011705900001", "BUDI SANTOSO", "L", date(1990, 5, 17), "WNI", "65.01.01.1001"),
    ("6501015705900002", "SITI, S.PD", "P", date(1990, 5, 17), "WNI", "65.01.01.1001"),
    ("6501011705900003", "JOSÉ O'NEILL", "L", date(1990, 5, 17), "WNA", "65.01.01.1001"),
]


@pytest.mark.parametrize(
    ("kwargs", "encoding", "delimiter"),
    [
        ({"delimiter": ";"}, "utf-8", ";"),
        ({"delimiter": ","}, "utf-8", ","),
        ({"delimiter": ",", "quote_all": True}, "utf-8", ","),
        ({"delimiter": ";", "bom": True}, "utf-8-sig", ";"),
        ({"delimiter": ";", "encoding": "cp1252"}, "cp1252", ";"),
        ({"delimiter": ",", "encoding": "cp1252"}, "cp1252", ","),
    ],
)
def test_csv_variants(ktp_env, kwargs, encoding, delimiter):
    path = write_csv(ktp_env.raw_dir / SNAPSHOT / "6501_bulungan.csv", _rows(), **kwargs)
    parsed = read_extract(path)
    assert (parsed.encoding, parsed.delimiter) == (encoding, delimiter)
    result, rows = _persons(ktp_env, path.name)
    assert rows == EXPECTED
    assert result.rows_rejected == 0


def test_header_case_spaces_order_and_extra_columns(ktp_env):
    # Columns shuffled, odd case and spacing, optional columns missing, extra columns present.
    header = [" nik ", "Nama_Lgkp", "EXTRA_NOTES", "no_kk", "jenis_klmin", "Tgl_Lhr", "STAT_KWN ", "no_prop",
              "No_Kab", "no_kec", "NO_KEL", "status_ktp_el", "tgl_entri", "AGAMA"]  # fmt: skip
    rows = _rows()
    for r in rows:
        r["EXTRA_NOTES"] = "ignored"
        r["AGAMA"] = "ISLAM"
    write_csv(ktp_env.raw_dir / SNAPSHOT / "6501_bulungan_2026.csv", rows, header=header, delimiter=",")
    result, got = _persons(ktp_env, "6501_bulungan_2026.csv")
    # KWRNGRN is optional: without it everyone is counted as WNI.
    assert got == [e[:4] + ("WNI",) + e[5:] for e in EXPECTED]
    with connect(ktp_env) as conn:
        cols = conn.execute("select columns_found from ingest.files").fetchone()[0]
    assert cols[0] == "nik" and "AGAMA" in cols


def test_zero_padded_and_unpadded_codes(ktp_env):
    rows = [
        Person(serial=1).row(NO_PROP="65", NO_KAB="01", NO_KEC="01", NO_KEL="1001"),
        Person(serial=2).row(NO_PROP="65", NO_KAB="1", NO_KEC="1", NO_KEL="1001"),
        Person(serial=3).row(NO_PROP="0065", NO_KAB="001", NO_KEC="001", NO_KEL="01001"),
    ]
    write_csv(ktp_env.raw_dir / SNAPSHOT / "6501.csv", rows)
    result, got = _persons(ktp_env, "6501.csv")
    assert result.rows_loaded == 3
    assert {r[5] for r in got} == {"65.01.01.1001"}


def test_xlsx_with_date_cells_text_niks_and_numeric_codes(ktp_env):
    header = HEADER
    rows = []
    for r in _rows():
        values = []
        for col in header:
            v = r[col]
            if col in ("TGL_LHR", "TGL_ENTRI", "TGL_REKAM"):
                d, m, y = v.split("-")
                values.append(datetime(int(y), int(m), int(d)))  # real Excel date cells
            elif col in ("NO_PROP", "NO_KAB", "NO_KEC", "NO_KEL"):
                values.append(int(v))  # numeric cells
            else:
                values.append(v)  # NIK and NO_KK as text cells
        rows.append(values)
    # a NIK typed as a number: Excel kept only 15 significant digits
    bad = list(rows[0])
    bad[header.index("NIK")] = 6501011705900009.0
    rows.append(bad)
    path = write_xlsx(ktp_env.raw_dir / SNAPSHOT / "6501_bulungan.xlsx", rows)
    parsed = read_extract(path)
    assert parsed.file_format == "xlsx"
    assert parsed.table.column("NIK").to_pylist()[3] == "6.50101170590001E+15"
    result, got = _persons(ktp_env, path.name)
    assert got == EXPECTED
    assert result.reject_counts["nik_malformed"] == 1


def test_xlsx_trailing_empty_rows_are_not_records(ktp_env):
    rows = [[Person(serial=1).row()[c] for c in HEADER], [None] * len(HEADER), [None] * len(HEADER)]
    path = write_xlsx(ktp_env.raw_dir / SNAPSHOT / "6501_bulungan.xlsx", rows)
    assert read_extract(path).rows == 1
