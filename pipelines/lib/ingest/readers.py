"""Reading one extract file into an Arrow table of text columns, whatever format the office sent.

Every value stays text here: typing and validation happen in dbt (int_ingest__judged_rows), so a
bad value becomes a quarantined row with a reason instead of a reader crash. The header is normalised
(trimmed, upper case) and a `_row` column numbers data rows from 1 in file order.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import math
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from python_calamine import CalamineWorkbook

from pipelines.lib.ingest.contract import COLUMNS, IGNORED_COLUMNS, REQUIRED_COLUMNS
from pipelines.lib.ingest.xlsx_bounds import MAX_CELL_CHARS, XlsxTooLarge, check_xlsx
from pipelines.lib.masking import mask_value, scrub_digits

# Every module a reader needs is imported with this one: files land on threads while the main thread
# imports the code location, and two threads importing at once can meet a module half-initialised.
for _codec in ("utf-8-sig", "cp1252"):
    codecs.lookup(_codec)

ROW_COLUMN = "_row"
# Bounds no real extract reaches (the contract's header is ~20 names, a few hundred characters; SIAK's
# full export ~100): past them a CSV is refused before its header is read whole.
MAX_HEADER_CHARS = 65_536
MAX_COLUMNS = 1_024
_CHUNK_BYTES = 8 << 20
# Bytes that Windows-1252 leaves undefined: a file holding them is neither UTF-8 nor Windows-1252.
_CP1252_UNDEFINED = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")
# Columns holding 16-digit identifiers: in XLSX they must be text cells (see _xlsx_cell_text).
_IDENTIFIER_COLUMNS = {"NIK", "NO_KK"}
_COLUMN_COUNT = re.compile(r"Row #(\d+): Expected (\d+) columns, got (\d+)")
_NO_LINE_BREAKS = "fields may not; save the file without line breaks inside cells"
_ROW_PROBLEM = re.compile(r"Row #(\d+): ([^:]*)")
# What a calamine message quotes: `…`, '…' or "…".
_QUOTED = re.compile(r"`[^`]*`?|'[^']*'|\"[^\"]*\"")


class ExtractError(Exception):
    """A whole-file problem: nothing of the file may enter the warehouse."""


@dataclass(frozen=True)
class ExtractTable:
    """A file ready to stream: contract columns present (upper case, all string) plus `_row` (int64).

    CSV files are streamed in blocks, so a file of millions of rows never sits in Python memory whole;
    `batches()` opens a new stream on each call. A CSV that turns out malformed mid-way raises
    ExtractError from the stream.
    """

    columns: list[str]
    file_format: str
    encoding: str | None
    delimiter: str | None
    columns_found: list[str]  # the header as sent
    _open: Callable[[], Iterator[pa.RecordBatch]]

    @property
    def schema(self) -> pa.Schema:
        return pa.schema([(c, pa.string()) for c in self.columns] + [(ROW_COLUMN, pa.int64())])

    def batches(self) -> pa.RecordBatchReader:
        return pa.RecordBatchReader.from_batches(self.schema, self._open())

    @property
    def table(self) -> pa.Table:
        return self.batches().read_all()

    @property
    def rows(self) -> int:
        return self.table.num_rows


def read_extract(path: Path, *, name: str | None = None) -> ExtractTable:
    """The file at `path`, read as its `name` (default: the path's) says: .csv or .xlsx."""
    suffix = Path(name or path.name).suffix.lower()
    if path.stat().st_size == 0:
        raise ExtractError("empty file (0 bytes)")
    if suffix == ".xlsx":
        return _read_xlsx(path)
    if suffix == ".csv":
        return _read_csv(path)
    raise ExtractError(f"unsupported file type {suffix!r}: send .csv or .xlsx")


def _normalise_header(names: list[str]) -> dict[str, int]:
    """Map contract column -> position; complain about what a data engineer must fix at the source."""
    positions: dict[str, int] = {}
    for i, raw in enumerate(names):
        name = (raw or "").strip().upper()
        if name in COLUMNS:
            if name in positions:
                raise ExtractError(f"column {name} appears twice in the header")
            positions[name] = i
    missing = [c for c in REQUIRED_COLUMNS if c not in positions]
    if missing:
        read = ", ".join(_header_cell(n or "") for n in names)
        raise ExtractError("required column(s) missing: " + ", ".join(missing) + f" (header read: {read})")
    return positions


def _header_cell(cell: str) -> str:
    """A header cell as an error may show it: a column name as sent, anything else masked. A file
    without a header has a data row there, with a NIK and a name in it."""
    name = cell.strip()
    return name if name.upper() in COLUMNS or name.upper() in IGNORED_COLUMNS else mask_value(cell)


def _csv_problem(error: pa.ArrowInvalid) -> str:
    """Arrow's parse error without the row it quotes ("Row #4: Expected 16 columns, got 17: 6501…")."""
    message = str(error)
    count = _COLUMN_COUNT.search(message)
    if count:
        line, expected, got = count.groups()
        return f"malformed CSV: line {line}: expected {expected} columns, got {got}"
    # Another error about a row: its line and what is wrong, never the rest (the row itself).
    row = _ROW_PROBLEM.search(message)
    if row:
        return f"malformed CSV: line {row[1]}: {row[2]}"
    return "malformed CSV: " + scrub_digits(message)


def _detect_encoding(path: Path) -> tuple[str, int]:
    """UTF-8 (with or without BOM) when the whole file decodes as UTF-8, else Windows-1252; and the
    number of lines, counted by line feeds in the same pass over the file (the last line may lack one)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    bom = False
    utf8 = True
    lines, last = 0, b""
    with path.open("rb") as f:
        first = True
        for chunk in iter(lambda: f.read(_CHUNK_BYTES), b""):
            if first:
                bom = chunk.startswith(codecs.BOM_UTF8)
                first = False
                # Excel's "Unicode text" and some exports: every other byte NUL, with or without a BOM.
                head = chunk[:4096]
                if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or head.count(0) * 4 >= len(
                    head
                ):
                    raise ExtractError("UTF-16 is not accepted: save the file as UTF-8 (CSV UTF-8)")
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                utf8 = False
                break
            lines, last = lines + chunk.count(b"\n"), chunk[-1:]
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    if utf8:
        return ("utf-8-sig" if bom else "utf-8"), lines + (last not in (b"", b"\n"))
    if bom:
        raise ExtractError("unreadable encoding: starts with a UTF-8 byte-order mark but is not UTF-8")
    # Not UTF-8: Windows-1252, unless a byte it leaves undefined appears (one C-speed scan per byte).
    lines, last = 0, b""
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK_BYTES), b""):
            if any(b in chunk for b in _CP1252_UNDEFINED):
                raise ExtractError("unreadable encoding: neither UTF-8 nor Windows-1252")
            lines, last = lines + chunk.count(b"\n"), chunk[-1:]
    return "cp1252", lines + (last not in (b"", b"\n"))


def _first_line(path: Path, encoding: str) -> str:
    """The header line, read no further than MAX_HEADER_CHARS: a file of one 200 MB line, or a header
    of millions of empty columns, is refused before it is held in memory."""
    with path.open("r", encoding=encoding, newline="") as f:
        line = f.readline(MAX_HEADER_CHARS + 1)
    if len(line) > MAX_HEADER_CHARS:
        raise ExtractError(
            f"the header line is longer than {MAX_HEADER_CHARS:,} characters (the contract's columns "
            "take a few hundred): the file has no line breaks, or its first line is not a header"
        )
    return line


def _detect_delimiter(header_line: str) -> str:
    # The header has no quoted delimiters in practice; whichever splits it into more names wins.
    semis, commas = header_line.count(";"), header_line.count(",")
    if semis == 0 and commas == 0:
        raise ExtractError("cannot detect the delimiter: the header has neither ';' nor ','")
    return ";" if semis > commas else ","


def _read_csv(path: Path) -> ExtractTable:
    encoding, lines = _detect_encoding(path)
    header_line = _first_line(path, encoding)
    if not header_line.strip():
        raise ExtractError("empty file: no header row")
    delimiter = _detect_delimiter(header_line)
    header = next(csv.reader(io.StringIO(header_line), delimiter=delimiter))
    if len(header) > MAX_COLUMNS:
        raise ExtractError(f"the header has {len(header):,} columns, at most {MAX_COLUMNS:,}")
    positions = _normalise_header(header)
    present = [c for c in COLUMNS if c in positions]
    read_options = pacsv.ReadOptions(
        encoding="utf8" if encoding.startswith("utf-8") else encoding,
        column_names=[f"c{i}" for i in range(len(header))],
        skip_rows=1,
        block_size=_CHUNK_BYTES,
        # Arrow's streaming reader is slower with its own threads (measured: 0.52 s against 0.20 s for a
        # 35 MB file); files land in parallel instead.
        use_threads=False,
    )
    parse_options = pacsv.ParseOptions(delimiter=delimiter, quote_char='"', newlines_in_values=False)
    convert_options = pacsv.ConvertOptions(
        column_types={f"c{i}": pa.string() for i in range(len(header))},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
        include_columns=[f"c{positions[c]}" for c in present],
    )

    def batches() -> Iterator[pa.RecordBatch]:
        reader = pacsv.open_csv(
            path, read_options=read_options, parse_options=parse_options, convert_options=convert_options
        )
        yield from (b for b in reader if b.num_rows)

    def stream() -> Iterator[pa.RecordBatch]:
        start = 1
        try:
            for batch in batches():
                yield _numbered(batch, present, start)
                start += batch.num_rows
            # A quoted field may hold a line break, which the contract does not allow: then the file
            # has more lines than rows (or blank lines, which Arrow skips). Only then are the fields
            # searched, to say where: searching every field would double the cost of reading.
            if lines > start:
                broken = _line_break(batches(), {f"c{positions[c]}": c for c in present})
                if broken is not None:
                    raise ExtractError(f"a field holds a line break ({broken}): {_NO_LINE_BREAKS}")
        except pa.ArrowInvalid as e:
            raise ExtractError(_csv_problem(e)) from e

    return ExtractTable(present, "csv", encoding, delimiter, [h.strip() for h in header], stream)


def _line_break(batches: Iterator[pa.RecordBatch], names: dict[str, str]) -> str | None:
    """Where the first field holding a line break is ('data row N, column C'), if one does; `names`
    maps Arrow's column names to the contract's."""
    start = 1
    for batch in batches:
        for name, column in zip(batch.schema.names, batch.columns, strict=True):
            broken = pc.or_(pc.match_substring(column, "\n"), pc.match_substring(column, "\r"))
            if pc.any(broken).as_py():
                return f"data row {start + pc.index(broken, True).as_py()}, column {names[name]}"
        start += batch.num_rows
    return None


def _numbered(batch: pa.RecordBatch, names: list[str], start: int) -> pa.RecordBatch:
    rows = pa.array(range(start, start + batch.num_rows), type=pa.int64())
    return pa.RecordBatch.from_arrays([*batch.columns, rows], names=[*names, ROW_COLUMN])


def _xlsx_cell_text(value: object, column: str) -> str | None:
    """Render a cell the way the office meant it, as text."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        if column in _IDENTIFIER_COLUMNS:
            # Excel keeps 15 significant digits, so a 16-digit NIK typed as a number has already lost
            # its last digit: show it as Excel does and let the row rules reject it as malformed.
            return f"{value:.15G}"
        if math.isfinite(value) and value == int(value):
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    return str(value)


def _xlsx_problem(error: BaseException) -> str:
    """Calamine's words without what they quote: an ill-formed cell is quoted whole ("unrecognized entity
    `&Siti … 6501…;`"), and a cell holds a name or a NIK."""
    message = _QUOTED.sub("[…]", str(error).splitlines()[0] if str(error) else "")
    return f"not a readable XLSX spreadsheet ({type(error).__name__}: {scrub_digits(message)[:200]})"


def _read_xlsx(path: Path) -> ExtractTable:
    # The sheet's extent and longest text first: calamine would allocate whatever a stray cell asks
    # for, and abort the process when it cannot (xlsx_bounds.py).
    try:
        check_xlsx(path)
    except XlsxTooLarge as e:
        raise ExtractError(str(e)) from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ElementTree.ParseError, KeyError, OSError) as e:
        raise ExtractError(_xlsx_problem(e)) from None
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        if not workbook.sheet_names:
            raise ExtractError("XLSX without any sheet")
        rows = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except ExtractError:
        raise
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as e:  # noqa: BLE001 - calamine's Rust panics arrive as PanicException(BaseException)
        # `from None`: the cause would carry calamine's words, quoted cell and all, into the run log.
        raise ExtractError(_xlsx_problem(e)) from None
    if not rows:
        raise ExtractError("empty file: the first sheet has no header row")
    header = ["" if v is None else str(v) for v in rows[0]]
    positions = _normalise_header(header)
    data = rows[1:]
    # Trailing rows that are entirely empty are spreadsheet padding, not records.
    while data and all(v in (None, "") for v in data[-1]):
        data.pop()
    if not data:
        raise ExtractError("empty file: a header but no data rows")
    columns = {}
    for name in COLUMNS:
        if name not in positions:
            continue
        i = positions[name]
        cells = [r[i] if i < len(r) else None for r in data]
        if all(type(v) is str for v in cells):
            # Text cells, the usual case: only '' needs saying (it is a missing value, as for any cell).
            columns[name] = pa.array([v or None for v in cells], type=pa.string())
        else:
            columns[name] = pa.array([_xlsx_cell_text(v, name) for v in cells], type=pa.string())
    present = list(columns)
    longest = max((pc.max(pc.utf8_length(c)).as_py() or 0 for c in columns.values()), default=0)
    if longest > MAX_CELL_CHARS:
        raise ExtractError(f"a cell holds {longest:,} characters, more than Excel's {MAX_CELL_CHARS:,}")
    batch = _numbered(pa.RecordBatch.from_arrays(list(columns.values()), names=present), present, 1)
    return ExtractTable(present, "xlsx", None, None, [h.strip() for h in header], lambda: iter([batch]))
