"""The PII scan: a blocking check on a staged release, usable on any directory.

Parquet is scanned by DuckDB in one pass per file (every column cast to text and matched); an Excel
workbook cell by cell, every sheet, its header row as column names (its XML is compressed, so a text
scan of the file would see nothing); CSV, JSON and any other file as text, so a file no parser accepts
is still looked at. HTML is text too, less the Vega library that the coverage report inlines
(pipelines/lib/publish/report/vega_bundle.py), when unchanged.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.lib.masking import mask_nik
from pipelines.lib.publish.pii_rules import HEX_DIGEST_RE2, NIK_RE2, find_nik, looks_like_identifier_column
from pipelines.lib.sql import sql_ident, sql_string

NIK_VALUE = "nik_value"
IDENTIFIER_COLUMN = "identifier_column"
_FLOAT_TYPES = {"FLOAT", "DOUBLE", "REAL", "FLOAT4", "FLOAT8"}


@dataclass(frozen=True)
class Finding:
    file: Path
    column: str
    kind: str  # NIK_VALUE | IDENTIFIER_COLUMN
    rows: int  # rows with a NIK-like value; for an identifier column, rows in the file
    example: str | None = None  # masked, never the value itself

    def __str__(self) -> str:
        what = "NIK-like values" if self.kind == NIK_VALUE else "identifier column"
        example = f", e.g. {self.example}" if self.example else ""
        return f"{self.file}: column {self.column!r}: {what} in {self.rows} row(s){example}"


def scan_for_pii(directory: Path | str) -> list[Finding]:
    """Every file under `directory` (recursively), findings sorted by file and column."""
    root = Path(directory)
    if not root.is_dir():
        raise NotADirectoryError(f"not a directory: {root}")
    return scan_files(sorted(p for p in root.rglob("*") if p.is_file()))


def scan_files(paths: list[Path]) -> list[Finding]:
    findings: list[Finding] = []
    con = duckdb.connect()
    try:
        for path in paths:
            suffix = path.suffix.lower()
            if suffix == ".parquet":
                findings += _scan_parquet(con, path)
            elif suffix == ".csv":
                findings += _scan_csv(path)
            elif suffix == ".json":
                findings += _scan_json(path)
            elif suffix in (".xlsx", ".xlsm"):
                findings += _scan_xlsx(path)
            elif suffix in (".html", ".htm"):
                findings += _scan_html(path)
            else:
                findings += _scan_text(path)
    finally:
        con.close()
    return findings


def _scan_parquet(con: duckdb.DuckDBPyConnection, path: Path) -> list[Finding]:
    source = f"read_parquet({sql_string(path)})"
    columns = con.execute(f"describe select * from {source}").fetchall()
    findings = [
        Finding(path, name, IDENTIFIER_COLUMN, _count(con, source))
        for name, *_ in columns
        if looks_like_identifier_column(name)
    ]
    if not columns:
        return findings
    hits = []
    for i, (name, col_type, *_) in enumerate(columns):
        col = sql_ident(name)
        if str(col_type).upper() in _FLOAT_TYPES:
            # A float prints its fraction or an exponent as text; a NIK stored as a float is a number
            # with 16 integer digits.
            hits.append(
                f"case when abs({col}) >= 1e15 and abs({col}) < 1e16 then printf('%.0f', {col}) end as h{i}"
            )
        else:
            text = f"regexp_replace(cast({col} as varchar), {sql_string(HEX_DIGEST_RE2)}, '\\1 \\2', 'g')"
            hits.append(f"nullif(regexp_extract({text}, {sql_string(NIK_RE2)}, 2), '') as h{i}")
    aggregates = ", ".join(f"count(h{i}), min(h{i})" for i in range(len(columns)))
    row = con.execute(f"select {aggregates} from (select {', '.join(hits)} from {source})").fetchone()
    for i, (name, *_) in enumerate(columns):
        n, example = row[2 * i], row[2 * i + 1]
        if n:
            findings.append(Finding(path, name, NIK_VALUE, n, mask_nik(example)))
    return findings


def _count(con: duckdb.DuckDBPyConnection, source: str) -> int:
    return con.execute(f"select count(*) from {source}").fetchone()[0]


def _scan_csv(path: Path) -> list[Finding]:
    csv.field_size_limit(sys.maxsize)
    with path.open(encoding="utf-8", errors="replace", newline="") as fh:
        reader = csv.reader(fh)
        return _scan_table(path, next(reader, []), reader)


def _scan_table(path: Path, header: list[str], rows: Iterable[list[str]], where: str = "") -> list[Finding]:
    """A table's identifier-named columns, and its NIKs counted per column. `where` prefixes the column
    names (a workbook's sheet)."""
    counts: dict[str, int] = {}
    examples: dict[str, str] = {}
    n = 0
    for row in rows:
        n += 1
        # One search per row; fields are only looked at one by one when the row has a hit.
        if find_nik("\x00".join(row)) is None:
            continue
        for i, value in enumerate(row):
            nik = find_nik(value)
            if nik is not None:
                column = where + (header[i] if i < len(header) else f"column_{i + 1}")
                counts[column] = counts.get(column, 0) + 1
                examples.setdefault(column, mask_nik(nik))
    findings = [
        Finding(path, where + c, IDENTIFIER_COLUMN, n) for c in header if looks_like_identifier_column(c)
    ]
    findings += [Finding(path, c, NIK_VALUE, k, examples[c]) for c, k in counts.items()]
    return findings


def _cell_text(value: object) -> str | None:
    """A cell as the text a NIK would show in: numbers too, as a NIK typed into Excel becomes one."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        return f"{value:.0f}" if 1e15 <= abs(value) < 1e16 else None
    return str(value)


def _scan_xlsx(path: Path) -> list[Finding]:
    import zipfile

    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        return _scan_text(path)  # not a workbook after all: still looked at
    findings: list[Finding] = []
    try:
        for sheet in book.worksheets:
            rows = sheet.iter_rows(values_only=True)
            # A blank header cell is named by its position, as a column past the header is.
            header = [
                str(h) if h not in (None, "") else f"column_{i + 1}" for i, h in enumerate(next(rows, ()))
            ]
            cells = ([_cell_text(value) or "" for value in row] for row in rows)
            findings += _scan_table(path, header, cells, where=f"{sheet.title}!")
    finally:
        book.close()
    return findings


def _scan_json(path: Path) -> list[Finding]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return _scan_text(path)
    keys: dict[str, int] = {}
    counts: dict[str, int] = {}
    examples: dict[str, str] = {}
    for key_path, key, value in _walk(document, "$"):
        if key is not None and looks_like_identifier_column(key, include_generic=False, exact_only=True):
            keys[key_path] = keys.get(key_path, 0) + 1
        text = _json_scalar_text(value)
        nik = find_nik(text) if text is not None else None
        nik = nik or (find_nik(key) if key is not None else None)
        if nik is not None:
            counts[key_path] = counts.get(key_path, 0) + 1
            examples.setdefault(key_path, mask_nik(nik))
    findings = [Finding(path, k, IDENTIFIER_COLUMN, n) for k, n in keys.items()]
    findings += [Finding(path, k, NIK_VALUE, n, examples[k]) for k, n in counts.items()]
    return findings


def _json_scalar_text(value: object) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float):
        return f"{value:.0f}" if 1e15 <= abs(value) < 1e16 else None
    if isinstance(value, (int, str)):
        return str(value)
    return None


def _walk(node: object, where: str, key: str | None = None) -> Iterator[tuple[str, str | None, object]]:
    """(path with list positions as [*], the key that named this node, node) for every node."""
    yield where, key, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _walk(v, f"{where}.{k}", str(k))
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v, f"{where}[*]", None)


def _scan_text(path: Path) -> list[Finding]:
    with path.open(encoding="utf-8", errors="replace") as fh:
        return _scan_lines(path, fh)


def _scan_html(path: Path) -> list[Finding]:
    """As text, but without the Vega library the coverage report inlines, when it is there unchanged."""
    text = path.read_text(encoding="utf-8", errors="replace")
    if "window.vegaEmbed" in text:
        from pipelines.lib.publish.report.vega_bundle import inlined_vega_bundle

        text = text.replace(inlined_vega_bundle(), "")
    return _scan_lines(path, text.splitlines())


def _scan_lines(path: Path, lines: Iterable[str]) -> list[Finding]:
    n, example = 0, None
    for line in lines:
        nik = find_nik(line)
        if nik is not None:
            n += 1
            example = example or mask_nik(nik)
    return [Finding(path, "(text)", NIK_VALUE, n, example)] if n else []
