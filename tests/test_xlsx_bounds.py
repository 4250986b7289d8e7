"""Spreadsheets that ask the reader for more than any extract needs are refused, in bounded memory.

Each attack is a copy of a small valid extract with its first sheet's XML changed. The readings that
could abort a process (python-calamine laying out a grid of billions of cells) run in a child process,
which reports what it said and its peak memory: a reader without the bounds dies there, not here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipelines.lib.ingest.discovery import scan
from pipelines.lib.ingest.landing import land_all
from pipelines.lib.ingest.readers import ExtractError, read_extract
from tests.support.extracts import HEADER, people, write_xlsx
from tests.support.reading import read_in_child
from tools.xlsx_sheet import rewrite_first_sheet

# Where the first person's name starts in the sheet openpyxl writes (inline strings).
NAME_CELL = b'<c r="C2" t="inlineStr"><is><t>'
NIK = "6501014107990001"
NAME = "Siti Rahmawati"


def _valid(path: Path, rows: int = 3) -> Path:
    return write_xlsx(path, [[p.get(h) for h in HEADER] for p in people("6501", rows)])


def _stray_cell(ref: str):
    row = re.sub(r"[A-Z]", "", ref)

    def add(xml: bytes) -> bytes:
        cell = f'<row r="{row}"><c r="{ref}" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
        return xml.replace(b"</sheetData>", cell.encode())

    return add


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("XFD1048576", "17,179,869,184 cells to lay out, at most 32,000,000"),
        ("XFD3000", "49,152,000 cells to lay out"),
        ("C99999999999", "a cell past Excel's last"),
        ("C1048577", "a cell past Excel's last"),
    ],
)
def test_a_stray_cell_far_from_the_data_is_refused_without_laying_out_the_grid(tmp_path, ref, expected):
    path = rewrite_first_sheet(_valid(tmp_path / "ok.xlsx"), tmp_path / "6501_stray.xlsx", _stray_cell(ref))
    child = read_in_child(path)
    assert child["said"].startswith("refused: ") and expected in child["said"], child
    assert child["peak_mib"] < 400, child  # the interpreter and pyarrow; no grid


def test_a_wide_sheet_within_the_area_is_read(tmp_path):
    """Past column AD the rows are counted: 40 columns of three persons is well within the area."""
    extra = [f"EXTRA_{i}" for i in range(40 - len(HEADER))]
    rows = [[p.get(h) for h in HEADER] + ["-"] * len(extra) for p in people("6501", 3)]
    path = write_xlsx(tmp_path / "6501_wide.xlsx", rows, header=HEADER + extra)
    assert read_extract(path).rows == 3


def test_a_500_mb_cell_is_refused_before_it_is_read(tmp_path):
    """The issue's file: 0.5 MB on disk, one cell of 500 MB. Refused from the stream of the sheet's XML,
    in memory that does not grow with the cell."""

    def huge_cell(xml: bytes):
        head, rest = xml.split(NAME_CELL, 1)

        def write(out) -> None:
            out.write(head + NAME_CELL)
            block = b"a" * (8 << 20)
            for _ in range(500 // 8):
                out.write(block)
            out.write(rest)

        return write

    path = rewrite_first_sheet(_valid(tmp_path / "ok.xlsx"), tmp_path / "6501_cell.xlsx", huge_cell)
    assert path.stat().st_size < 2 << 20
    child = read_in_child(path)
    assert child["said"] == "refused: a cell holds more than Excel's 32,767 characters", child
    assert child["peak_mib"] < 250, child


def test_a_cell_longer_than_excel_allows_is_refused_with_its_length(tmp_path):
    def long_name(xml: bytes) -> bytes:
        return xml.replace(
            b'<c r="C2" t="inlineStr"><is><t>', b'<c r="C2" t="inlineStr"><is><t>' + b"a" * 40_000
        )

    path = rewrite_first_sheet(_valid(tmp_path / "ok.xlsx"), tmp_path / "6501_long.xlsx", long_name)
    with pytest.raises(ExtractError, match=r"a cell holds 40,0\d\d characters, more than Excel's 32,767"):
        read_extract(path)


@pytest.mark.parametrize(
    "bad",
    [f"&{NAME} {NIK};", f"&#x{NIK};", f"&{NIK}"],
    ids=["entity", "character_reference", "unclosed"],
)
def test_an_ill_formed_cell_is_refused_without_quoting_it(tmp_path, bad):
    def broken(xml: bytes) -> bytes:
        return xml.replace(NAME_CELL, NAME_CELL + bad.encode())

    path = rewrite_first_sheet(_valid(tmp_path / "ok.xlsx"), tmp_path / "6501_broken.xlsx", broken)
    with pytest.raises(ExtractError) as refused:
        read_extract(path)
    message = str(refused.value)
    assert message.startswith("not a readable XLSX spreadsheet (")
    for identifier in (NIK, NIK[:6], "Siti", "Rahmawati"):
        assert identifier not in message
    # nor in what a traceback in the run log would show after it
    assert refused.value.__cause__ is None and refused.value.__suppress_context__


def test_landing_refuses_the_stray_cell_file_in_one_line_and_lands_the_others(tmp_path):
    raw = tmp_path / "raw" / "2026-03-31"
    _valid(raw / "6502_malinau.xlsx")
    rewrite_first_sheet(_valid(tmp_path / "ok.xlsx"), raw / "6501_bulungan.xlsx", _stray_cell("XFD1048576"))
    results, _ = land_all(tmp_path / "landing", scan(tmp_path / "raw"))
    by_file = {r.source_file: r for r in results}
    refused = by_file["2026-03-31/6501.xlsx"]
    assert refused.status == "refused" and "\n" not in refused.error
    assert "cells to lay out" in refused.error
    assert by_file["2026-03-31/6502.xlsx"].status == "landed"
