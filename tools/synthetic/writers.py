"""Write a file's text columns as CSV (delimiter, quoting, line end, encoding) or XLSX, reproducibly."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pyarrow as pa
import pyarrow.compute as pc

from tools.synthetic.calendar import NEVER
from tools.synthetic.styles import FileStyle

CHUNK_ROWS = 250_000
_FIXED_ZIP_TIME = (2026, 1, 1, 0, 0, 0)


def _quoted(text: pa.Array, delimiter: str, quote_all: bool) -> pa.Array:
    escaped = pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"', "")
    if quote_all:
        return escaped
    needs = pc.match_substring_regex(text, f'[{re.escape(delimiter)}"\r\n]')
    return pc.if_else(needs, escaped, text)


def _joined_bytes(lines: pa.Array) -> bytes:
    lines = lines.combine_chunks() if isinstance(lines, pa.ChunkedArray) else lines
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)[lines.offset : lines.offset + len(lines) + 1]
    return lines.buffers()[2].to_pybytes()[offsets[0] : offsets[-1]]


def write_csv(path: Path, style: FileStyle, cols: dict[str, pa.Array]) -> None:
    names = [style.header[c] for c in style.columns]
    header = _quoted(pa.array(names), style.delimiter, style.quote_all).to_pylist()
    n = len(cols[style.columns[0]])
    with open(path, "wb") as f:
        text = style.delimiter.join(header) + style.line_end
        f.write(text.encode(style.encoding))  # 'utf-8-sig' puts the BOM in front of the header only
        for start in range(0, n, CHUNK_ROWS):
            parts = [
                _quoted(pc.fill_null(cols[c].slice(start, CHUNK_ROWS), ""), style.delimiter, style.quote_all)
                for c in style.columns
            ]
            lines = pc.binary_join_element_wise(
                pc.binary_join_element_wise(*parts, style.delimiter), style.line_end, ""
            )
            data = _joined_bytes(lines)
            if style.encoding == "cp1252":
                data = data.decode("utf-8").encode("cp1252")  # strict: every name must fit Windows-1252
            f.write(data)


_NUMERIC_CELLS = {"NO_PROP", "NO_KAB", "NO_KEC", "NO_KEL"}


def write_xlsx(path: Path, style: FileStyle, cols: dict[str, pa.Array], cells: dict[str, np.ndarray]) -> None:
    """First sheet, header in row 1; date columns as real date cells, NIK/NO_KK as text, codes as numbers
    (or as text cells, keeping their zero padding, with style.xlsx_code_cells 'text')."""
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("DATA")
    ws.append([style.header[c] for c in style.columns])
    columns = []
    for c in style.columns:
        values = [v or None for v in cols[c].to_pylist()]
        if c in _NUMERIC_CELLS and style.xlsx_code_cells == "number":
            values = [int(v) if v is not None and v.isdigit() else v for v in values]
        if c in cells:
            days = cells[c]
            epoch = dt.date(1970, 1, 1)
            values = [
                epoch + dt.timedelta(days=int(d)) if d < NEVER else v
                for d, v in zip(days, values, strict=True)
            ]
        columns.append(values)
    for row in zip(*columns, strict=True):
        ws.append(row)
    fixed = dt.datetime(2026, 1, 1)
    wb.properties.creator = "SIAK export"
    wb.properties.created = fixed
    buf = io.BytesIO()
    wb.save(buf)
    _reproducible_zip(buf.getvalue(), path, fixed)


def _reproducible_zip(data: bytes, path: Path, fixed: dt.datetime) -> None:
    """openpyxl stamps the save time into docProps/core.xml and the zip entries; pin both."""
    stamp = fixed.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + stamp.encode() + rb"\2",
                    content,
                )
            dst.writestr(
                zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME), content, zipfile.ZIP_DEFLATED
            )
