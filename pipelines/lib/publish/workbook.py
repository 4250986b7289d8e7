"""The release's Excel workbook: one sheet per mart, for the office's spreadsheets.

A comma CSV does not open cleanly in an Indonesian-locale Excel (';' lists, ',' decimals); typed cells do,
whatever the locale: counts and percentages are numbers, dates are dates, and codes ("65.01", "6501")
are text, so Excel neither reads them as numbers nor drops a zero. Every text cell is written as a
string, never as a formula (xlsxwriter's write_string), so a value such as "=HYPERLINK(...)" shows as
it is. The rows come from the mart's Parquet file just written, so the sheet holds the same rows in the
same order. The file is the same bytes for the same marts: xlsxwriter stamps its zip entries with a fixed
date, and the document's creation date is the newest snapshot, not the clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import duckdb
import xlsxwriter

from pipelines.lib.publish.datapackage import field_type
from pipelines.lib.publish.errors import PublishError
from pipelines.lib.publish.export import ExportedFile
from pipelines.lib.sql import sql_ident, sql_string

WORKBOOK_NAME = "ktp_marts.xlsx"
_SHEET_NAME_MAX = 31  # Excel's limit


def write_workbook(
    con: duckdb.DuckDBPyConnection, files: Sequence[ExportedFile], dest: Path, *, created: dt.date
) -> ExportedFile:
    """`ktp_marts.xlsx` in `dest`, a sheet per mart of `files` (their Parquet), in their order."""
    path = dest / WORKBOOK_NAME
    # Options make a stray write() safe too: no text turns into a formula, a number or a link.
    book = xlsxwriter.Workbook(
        str(path), {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
    )
    book.set_properties(
        {
            "title": "KTP-el recording coverage, Kalimantan Utara",
            "company": "Disdukcapil Provinsi Kalimantan Utara",
            "created": dt.datetime.combine(created, dt.time()),
        }
    )
    header = book.add_format({"bold": True, "bottom": 1})
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    integer_format = book.add_format({"num_format": "#,##0"})
    decimal_formats: dict[int, object] = {}
    total = 0
    try:
        for parquet in (f for f in files if f.format == "parquet"):
            mart = parquet.mart or parquet.file.removesuffix(".parquet")
            if len(mart) > _SHEET_NAME_MAX:
                raise PublishError(
                    f"{mart}: longer than Excel's {_SHEET_NAME_MAX} characters for a sheet name"
                )
            sheet = book.add_worksheet(mart)
            columns = list(parquet.columns)
            writers = []
            for _name, kind in columns:
                # The cell follows the type the data package declares for the column and this sheet.
                spec = field_type(kind)
                if (scale := spec.get("scale")) is not None:
                    if scale not in decimal_formats:
                        decimal_formats[scale] = book.add_format(
                            {"num_format": "0." + "0" * scale if scale else "0"}
                        )
                    writers.append(_number(decimal_formats[scale]))
                elif spec["type"] == "integer":
                    writers.append(_number(integer_format))
                elif spec["type"] == "number":
                    writers.append(_number(None))
                elif spec["type"] == "date":
                    writers.append(_date(date_format))
                elif spec["type"] == "boolean":
                    writers.append(lambda s, r, c, v: s.write_boolean(r, c, v))
                else:
                    writers.append(lambda s, r, c, v: s.write_string(r, c, str(v)))
            for c, (name, _) in enumerate(columns):
                sheet.write_string(0, c, name, header)
                sheet.set_column(c, c, max(10, len(name) + 2))
            select = ", ".join(sql_ident(n) for n, _ in columns)
            rows = con.execute(f"select {select} from read_parquet({sql_string(dest / parquet.file)})")
            r = 0
            while batch := rows.fetchmany(10_000):
                for row in batch:
                    r += 1
                    for c, value in enumerate(row):
                        if value is not None:  # an empty cell, as in the CSV
                            writers[c](sheet, r, c, value)
            sheet.freeze_panes(1, 0)
            if columns:
                sheet.autofilter(0, 0, r, len(columns) - 1)
            total += r
    finally:
        book.close()
    return ExportedFile.of(path, None, "xlsx", total)


def _number(cell_format):
    def write(sheet, r, c, value):
        sheet.write_number(r, c, float(value) if isinstance(value, Decimal) else value, cell_format)

    return write


def _date(cell_format):
    def write(sheet, r, c, value):
        sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), cell_format)

    return write
