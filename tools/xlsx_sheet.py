"""A copy of an XLSX file with its first sheet's XML rewritten: the attacks of the XLSX bound tests
(tests/test_xlsx_bounds.py) and of the hostile-office matrix (bench/hostile_matrix.py)."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

SHEET = "xl/worksheets/sheet1.xml"

# old XML -> new XML, or a writer of it (a part too large to build in memory: a 500 MB cell)
SheetXml = Callable[[bytes], bytes | Callable[[IO[bytes]], None]]


def rewrite_first_sheet(src: Path, dst: Path, sheet_xml: SheetXml) -> Path:
    """`src` with its first sheet's XML replaced by sheet_xml(old), written to `dst`."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename != SHEET:
                zout.writestr(info, data)
                continue
            new = sheet_xml(data)
            if isinstance(new, bytes):
                zout.writestr(info, new)
            else:
                member = zipfile.ZipInfo(SHEET)
                member.compress_type = zipfile.ZIP_DEFLATED
                with zout.open(member, "w", force_zip64=True) as out:
                    new(out)
    return dst
