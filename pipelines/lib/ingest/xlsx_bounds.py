"""What an XLSX may ask of the reader, measured before python-calamine opens it.

Calamine lays a sheet out as a dense grid from A1 to its last cell, whatever lies between: one stray
cell at XFD1048576 (Excel's last) asks for 512 GiB and the process aborts with no word of the file,
and a cell reference past Excel's last row does the same. It also reads every cell whole, so one cell
of 500 MB is 500 MB of memory before any row rule sees it. So the sheet's XML is read first, as a stream
of decompressed chunks in memory that does not grow with the file: where its cells reach, and how long
its longest text is. A file over a limit is refused in one line that names the limit; nothing of its
content is quoted.

The limits are Excel's own where it has one (1,048,576 rows, 16,384 columns, 32,767 characters in a
cell); the area is ours: 32,000,000 cells (~1.3 GB of calamine's grid at ~40 bytes a cell), above any
extract Excel can hold with the contract's columns (1,048,575 people in 30 columns is 31.5 million).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree

MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384
MAX_CELLS = 32_000_000
MAX_CELL_CHARS = 32_767
# An escaped character takes at most 10 bytes of XML (&#x10FFFF;): a text run longer than this between
# two tags is over Excel's limit however it is written. Shorter runs are measured exactly after reading.
_MAX_TEXT_BYTES = MAX_CELL_CHARS * 10
_CHUNK = 8 << 20
# Cell references, found by the literal `r=` they start with (a fast search): calamine lays the grid out
# from the cells alone, so neither the <dimension> a sheet declares nor an empty formatted <row> far
# below the data costs anything, and neither is read. With at most 30 columns no sheet Excel can hold
# exceeds MAX_CELLS, so the rows are only measured when a reference reaches column AE or further.
_WIDE = re.compile(rb"""r=["']([A-Za-z]{2,})[0-9]""")
_MILLIONTH_ROW = re.compile(rb"""r=["'][A-Za-z]+([0-9]{7,})""")  # row 1,000,000 or more
_ROW_OF_CELL = re.compile(rb"""\sr=["'][A-Za-z]+([0-9]+)["']""")
_NARROW = 30
_HALF_RUN = (_MAX_TEXT_BYTES + 1) // 2 + 1
_OVERLAP = 4096
_SMALL_PART = 16 << 20  # workbook.xml and its relationships: a few KB in any real file
_RELATIONSHIPS_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


class XlsxTooLarge(ValueError):
    """The sheet asks for more than the limits allow: the message says which, in words."""


@dataclass(frozen=True)
class SheetExtent:
    """How far calamine's grid may reach, at most. A sheet within column Z counts as 26 columns wide, and
    a sheet of at most _NARROW columns as reaching Excel's last row: its rows are not counted."""

    last_row: int
    last_column: int

    @property
    def cells(self) -> int:
        return self.last_row * self.last_column


def column_number(letters: str) -> int:
    """'A' -> 1, 'XFD' -> 16384; any letters, so that a reference past Excel's last column is seen."""
    number = 0
    for ch in letters.upper():
        number = number * 26 + (ord(ch) - 64)
        if number > MAX_COLUMNS:
            return MAX_COLUMNS + 1
    return number


def check_xlsx(path) -> SheetExtent:
    """Raise XlsxTooLarge when the first sheet reaches past Excel's last cell, lays out more than
    MAX_CELLS, or holds a text longer than a cell may; else how far its grid may reach."""
    with zipfile.ZipFile(path) as archive:
        sheet = _first_sheet(archive)
        extent = _scan(archive, sheet, extent=True)
        if "xl/sharedStrings.xml" in archive.namelist():
            _scan(archive, "xl/sharedStrings.xml", extent=False)
    if extent.last_row > MAX_ROWS or extent.last_column > MAX_COLUMNS:
        raise XlsxTooLarge(
            "the first sheet has a cell past Excel's last (row 1,048,576, column XFD): not a sheet Excel "
            "can open"
        )
    if extent.cells > MAX_CELLS:
        raise XlsxTooLarge(
            f"the first sheet's cells reach row {extent.last_row:,} and column {extent.last_column:,}: "
            f"{extent.cells:,} cells to lay out, at most {MAX_CELLS:,}; delete the stray cells far from "
            "the data (Ctrl+End in Excel shows the last one) or send the extract as CSV"
        )
    return extent


def _first_sheet(archive: zipfile.ZipFile) -> str:
    """The part name of the workbook's first sheet, the one the reader takes."""
    workbook = ElementTree.fromstring(_small(archive, "xl/workbook.xml"))
    first = next((e for e in workbook.iter() if e.tag.endswith("}sheet") or e.tag == "sheet"), None)
    if first is None:
        raise XlsxTooLarge("the workbook lists no sheet")
    rel_id = first.get(f"{{{_RELATIONSHIPS_NS}}}id")
    relations = ElementTree.fromstring(_small(archive, "xl/_rels/workbook.xml.rels"))
    for relation in relations:
        if relation.get("Id") == rel_id:
            target = relation.get("Target", "")
            name = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
            return posixpath.normpath(name)
    raise XlsxTooLarge("the workbook's first sheet has no part in the file")


def _small(archive: zipfile.ZipFile, name: str) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > _SMALL_PART:
        raise XlsxTooLarge(f"{name} is {info.file_size:,} bytes unpacked, at most {_SMALL_PART:,}")
    return archive.read(name)


def _scan(archive: zipfile.ZipFile, name: str, *, extent: bool) -> SheetExtent:
    columns: set[bytes] = set()
    past_last_row = False
    run = 0  # bytes of text since the last '<', carried from one chunk to the next
    tail = b""
    with archive.open(name) as part:
        while chunk := part.read(_CHUNK):
            _check_text_runs(chunk, run)
            last_tag = chunk.rfind(b"<")
            run = run + len(chunk) if last_tag < 0 else len(chunk) - last_tag - 1
            if extent:
                window = tail + chunk
                columns.update(_WIDE.findall(window))
                past_last_row = past_last_row or any(
                    len(row) > 7 or int(row) > MAX_ROWS for row in _MILLIONTH_ROW.findall(window)
                )
                tail = chunk[-_OVERLAP:]
    if not extent:
        return SheetExtent(0, 0)
    last_column = max((column_number(c.decode("ascii")) for c in columns), default=26)
    if past_last_row:
        return SheetExtent(MAX_ROWS + 1, last_column)
    if last_column <= _NARROW:
        return SheetExtent(MAX_ROWS, last_column)  # within any limit, whatever the rows
    return SheetExtent(_last_row(archive, name), last_column)


def _check_text_runs(chunk: bytes, carried: int) -> None:
    """Raise if a text between two tags is longer than _MAX_TEXT_BYTES. Such a run holds one of the
    chunk's aligned blocks of half that length whole, so only blocks without a '<' are looked at
    closely; `carried` is the run the previous chunk ended with."""
    first_tag = chunk.find(b"<")
    if carried + (len(chunk) if first_tag < 0 else first_tag) > _MAX_TEXT_BYTES:
        raise XlsxTooLarge(f"a cell holds more than Excel's {MAX_CELL_CHARS:,} characters")
    for start in range(0, len(chunk) - _HALF_RUN + 1, _HALF_RUN):
        if chunk.find(b"<", start, start + _HALF_RUN) < 0:
            begin = chunk.rfind(b"<", 0, start) + 1
            end = chunk.find(b"<", start)
            if (len(chunk) if end < 0 else end) - begin > _MAX_TEXT_BYTES:
                raise XlsxTooLarge(f"a cell holds more than Excel's {MAX_CELL_CHARS:,} characters")


def _last_row(archive: zipfile.ZipFile, name: str) -> int:
    """The highest row any cell names: read only for a sheet wider than _NARROW columns."""
    longest, last = 0, b"0"
    tail = b""
    with archive.open(name) as part:
        while chunk := part.read(_CHUNK):
            for row in _ROW_OF_CELL.findall(tail + chunk):
                if (len(row), row) > (longest, last):
                    longest, last = len(row), row
            tail = chunk[-_OVERLAP:]
    return int(last)
