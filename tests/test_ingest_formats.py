"""Every accepted file variant of the extract contract reads to the same typed rows.

Each variant is a file of its own (snapshot, regency) partition in one raw directory, landed and
judged by the real pipeline in one go.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from pipelines.lib.ingest.readers import read_extract
from tests.support.extracts import HEADER, Person, write_csv, write_xlsx
from tests.support.judging import deployment, judge, query

SNAPSHOT = "2026-03-31"
CSV_VARIANTS = [
    ({"delimiter": ";"}, "utf-8", ";"),
    ({"delimiter": ","}, "utf-8", ","),
    ({"delimiter": ",", "quote_all": True}, "utf-8", ","),
    ({"delimiter": ";", "bom": True}, "utf-8-sig", ";"),
    ({"delimiter": ";", "encoding": "cp1252"}, "cp1252", ";"),
    ({"delimiter": ",", "encoding": "cp1252"}, "cp1252", ","),
]
# Every case is Bulungan's file, so each sits in a snapshot of its own (its partition).
CSV_SNAPSHOTS = [f"2026-0{i + 1}-28" for i in range(len(CSV_VARIANTS))]
OTHER = {"header": "2026-07-31", "padding": "2026-08-31", "xlsx": "2026-09-30"}


def _rows():
    return [
        Person(serial=1, name="BUDI SANTOSO").row(),
        Person(serial=2, sex="P", name="SITI, S.PD").row(),  # a comma inside a quoted field
        Person(serial=3, name="JOSÉ O'NEILL").row(KWRNGRN="WNA"),  # non-ASCII and an apostrophe
    ]


def _persons(settings, snapshot):
    rows = query(
        settings,
        "select nik, full_name, sex, birth_date, citizenship, village_code from ingest.persons "
        "where snapshot_date = ? order by row_number",
        [snapshot],
    )
    (counts,) = query(
        settings, "select rows_loaded, rows_rejected from ingest.files where snapshot_date = ?", [snapshot]
    )
    return counts, rows


def _header_case_file(raw):
    # Columns shuffled, odd case and spacing, optional columns missing, extra columns present.
    header = [" nik ", "Nama_Lgkp", "EXTRA_NOTES", "no_kk", "jenis_klmin", "Tgl_Lhr", "STAT_KWN ", "no_prop",
              "No_Kab", "no_kec", "NO_KEL", "status_ktp_el", "tgl_entri", "AGAMA"]  # fmt: skip
    rows = _rows()
    for r in rows:
        r["EXTRA_NOTES"] = "ignored"
        r["AGAMA"] = "ISLAM"
    write_csv(raw / OTHER["header"] / "6501_bulungan_2026.csv", rows, header=header, delimiter=",")


def _padding_file(raw):
    rows = [
        Person(serial=1).row(NO_PROP="65", NO_KAB="01", NO_KEC="01", NO_KEL="1001"),
        Person(serial=2).row(NO_PROP="65", NO_KAB="1", NO_KEC="1", NO_KEL="1001"),
        Person(serial=3).row(NO_PROP="0065", NO_KAB="001", NO_KEC="001", NO_KEL="01001"),
    ]
    write_csv(raw / OTHER["padding"] / "6501.csv", rows)


def _xlsx_rows():
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
    return rows


@pytest.fixture(scope="module")
def judged(tmp_path_factory):
    with deployment(tmp_path_factory.mktemp("formats")) as settings:
        for (kwargs, _, _), snapshot in zip(CSV_VARIANTS, CSV_SNAPSHOTS, strict=True):
            write_csv(settings.raw_dir / snapshot / "6501_bulungan.csv", _rows(), **kwargs)
        _header_case_file(settings.raw_dir)
        _padding_file(settings.raw_dir)
        write_xlsx(settings.raw_dir / OTHER["xlsx"] / "6501_bulungan.xlsx", _xlsx_rows())
        outcome = judge(settings)
        assert [p for p in outcome.problems if p.stage == "ingest"] == []
        assert outcome.files_loaded == len(CSV_VARIANTS) + len(OTHER)
        yield settings


EXPECTED = [
    ("6501011705900001", "BUDI SANTOSO", "L", date(1990, 5, 17), "WNI", "65.01.01.1001"),
    ("6501015705900002", "SITI, S.PD", "P", date(1990, 5, 17), "WNI", "65.01.01.1001"),
    ("6501011705900003", "JOSÉ O'NEILL", "L", date(1990, 5, 17), "WNA", "65.01.01.1001"),
]


@pytest.mark.parametrize(("variant", "snapshot"), list(enumerate(CSV_SNAPSHOTS)))
def test_csv_variants(judged, variant, snapshot):
    _, encoding, delimiter = CSV_VARIANTS[variant]
    parsed = read_extract(judged.raw_dir / snapshot / "6501_bulungan.csv")
    assert (parsed.encoding, parsed.delimiter) == (encoding, delimiter)
    (_, rejected), rows = _persons(judged, snapshot)
    assert rows == EXPECTED
    assert rejected == 0
    # what landing saw is kept with the file
    assert query(
        judged, "select encoding, delimiter from ingest.files where snapshot_date = ?", [snapshot]
    ) == [(encoding, delimiter)]


def test_header_case_spaces_order_and_extra_columns(judged):
    _, got = _persons(judged, OTHER["header"])
    # KWRNGRN is optional: without it everyone is counted as WNI.
    assert got == [e[:4] + ("WNI",) + e[5:] for e in EXPECTED]
    cols = query(judged, "select columns_found from ingest.files where snapshot_date = ?", [OTHER["header"]])[
        0
    ][0]
    assert cols[0] == "nik" and "AGAMA" in cols


def test_zero_padded_and_unpadded_codes(judged):
    (loaded, _), got = _persons(judged, OTHER["padding"])
    assert loaded == 3
    assert {r[5] for r in got} == {"65.01.01.1001"}


def test_xlsx_with_date_cells_text_niks_and_numeric_codes(judged):
    path = judged.raw_dir / OTHER["xlsx"] / "6501_bulungan.xlsx"
    parsed = read_extract(path)
    assert parsed.file_format == "xlsx"
    assert parsed.table.column("NIK").to_pylist()[3] == "6.50101170590001E+15"
    _, got = _persons(judged, OTHER["xlsx"])
    assert got == EXPECTED
    assert query(
        judged,
        "select row_count from ingest.file_reject_counts where snapshot_date = ? and reason = ?",
        [OTHER["xlsx"], "nik_malformed"],
    ) == [(1,)]


def test_xlsx_trailing_empty_rows_are_not_records(tmp_path):
    rows = [[Person(serial=1).row()[c] for c in HEADER], [None] * len(HEADER), [None] * len(HEADER)]
    path = write_xlsx(tmp_path / SNAPSHOT / "6501_bulungan.xlsx", rows)
    assert read_extract(path).rows == 1
