"""How each regency office writes its extract: fixed per regency, so a file looks like its office made it.

Every quirk stays inside the extract contract (pipelines/lib/ingest/contract.py); the readers must
cope with all.
Two families: `default` (STYLES, the shipped sample) and the opt-in `messy` (MESSY_STYLES), which spreads
everything the contract allows over the five regencies (see FAMILIES and `describe`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from pipelines.lib.ingest.contract import COLUMNS

# Contract columns in the order of the contract document.
STANDARD_ORDER = list(COLUMNS)
# Columns some offices add that the contract does not know (readers ignore them).
EXTRA_COLUMNS = ["AGAMA", "PEKERJAAN", "KET"]
# SIAK's own biodata columns that a raw SIAK export carries along (values: tools/synthetic/siak.py).
SIAK_EXTRA_COLUMNS = ["AGAMA", "PDDK_AKH", "JENIS_PKRJN", "GOL_DRH"]
# Spelling modifiers of a coded value, applied in this order after its form (see render.spell):
# one case ('upper' is the form's own), '_' for every space, one space on both sides. All read alike.
CASES = ("upper", "lower", "title")
SPELLING_MODIFIERS = (*CASES, "underscore", "spaced")


@dataclass(frozen=True)
class FileStyle:
    code: str  # '6501'
    slug: str  # file name part: 6501_bulungan.csv
    fmt: str  # 'csv' | 'xlsx'
    columns: list[str]  # contract or extra column keys, in file order
    header: dict[str, str]  # column key -> header text exactly as sent
    date_format: str  # strftime format of TGL_LHR and TGL_REKAM
    entry_date_format: str  # strftime format of TGL_ENTRI
    pad_codes: bool  # NO_KAB '01' and NO_KEC '01' vs '1'
    # Coded values as 'form[+modifier...]', modifiers from SPELLING_MODIFIERS (e.g. 'letter+lower+spaced').
    sex_style: str  # form 'code' 1/2 | 'word' LAKI-LAKI/PEREMPUAN | 'letter' L/P
    marital_style: str  # form 'code' 1..4 | 'word' | 'word_tercatat' (KAWIN TERCATAT / KAWIN BELUM TERCATAT)
    status_style: str  # modifiers only: 'upper' | 'underscore' | 'lower' | 'title' | 'lower+underscore' ...
    name_case: str = "upper"  # 'upper' | 'title'
    encoding: str | None = None  # 'utf-8' | 'utf-8-sig' | 'cp1252'; None for xlsx
    delimiter: str | None = None
    line_end: str = "\n"
    quote_all: bool = False
    xlsx_date_cells: frozenset[str] = field(default_factory=frozenset)  # columns written as Excel dates
    citizenship_style: str = "upper"  # KWRNGRN WNI/WNA, modifiers only
    religion_spelling: str = "KONGHUCU"  # AGAMA 6 (SIAK's code table: KHONGHUCU)
    xlsx_code_cells: str = "number"  # NO_PROP/NO_KAB/NO_KEC/NO_KEL in XLSX: 'number' | 'text' (keeps '01')
    column_order: str = "office"  # how `columns` was chosen: 'office' | 'siak' | 'shuffled'

    @property
    def file_name(self) -> str:
        return f"{self.code}_{self.slug}.{self.fmt}"

    def spelling(self, column: str) -> tuple[str | None, list[str]]:
        """(form, modifiers) of a coded column; form None for columns that have only one."""
        spec = {
            "JENIS_KLMIN": self.sex_style,
            "STAT_KWN": self.marital_style,
            "STATUS_KTP_EL": self.status_style,
            "KWRNGRN": self.citizenship_style,
        }[column]
        parts = spec.split("+")
        if column in ("JENIS_KLMIN", "STAT_KWN"):
            form, modifiers = parts[0], parts[1:]
        else:
            form, modifiers = None, parts
        unknown = set(modifiers) - set(SPELLING_MODIFIERS)
        if unknown or len(set(modifiers) & set(CASES)) > 1:
            raise ValueError(f"{self.code}: bad spelling {spec!r} for {column}")
        return form, modifiers


def _header(columns: list[str], how) -> dict[str, str]:
    return {c: how(c) for c in columns}


_BULUNGAN = STANDARD_ORDER
_MALINAU = [c for c in STANDARD_ORDER if c not in ("TMPT_LHR", "LOKASI_REKAM")]
_NUNUKAN = [
    "NO_KK",
    "NIK",
    "NAMA_LGKP",
    "TGL_LHR",
    "TMPT_LHR",
    "JENIS_KLMIN",
    "AGAMA",
    "STAT_KWN",
    "PEKERJAAN",
    "KWRNGRN",
    "NO_PROP",
    "NO_KAB",
    "NO_KEC",
    "NO_KEL",
    "STATUS_KTP_EL",
    "TGL_REKAM",
    "LOKASI_REKAM",
    "TGL_ENTRI",
]
_TANA_TIDUNG = STANDARD_ORDER
_TARAKAN = [c for c in STANDARD_ORDER if c != "TGL_REKAM"] + ["KET"]

STYLES: dict[str, FileStyle] = {
    # Windows office PC: Excel-style ';' CSV in Windows-1252 with CRLF, all codes zero padded.
    "6501": FileStyle(
        code="6501",
        slug="bulungan",
        fmt="csv",
        columns=_BULUNGAN,
        header=_header(_BULUNGAN, str),
        date_format="%d-%m-%Y",
        entry_date_format="%d-%m-%Y",
        pad_codes=True,
        sex_style="code",
        marital_style="code",
        status_style="upper",
        encoding="cp1252",
        delimiter=";",
        line_end="\r\n",
    ),
    # UTF-8 with BOM, lower-case padded header, words for codes, statuses with underscores.
    "6502": FileStyle(
        code="6502",
        slug="malinau",
        fmt="csv",
        columns=_MALINAU,
        header=_header(_MALINAU, lambda c: f" {c.lower()} "),
        date_format="%d/%m/%Y",
        entry_date_format="%d/%m/%Y",
        pad_codes=False,
        sex_style="word",
        marital_style="word_tercatat",
        status_style="underscore",
        name_case="title",
        encoding="utf-8-sig",
        delimiter=",",
    ),
    # Own column order, mixed-case header, every field quoted, ISO dates, two extra columns.
    "6503": FileStyle(
        code="6503",
        slug="nunukan",
        fmt="csv",
        columns=_NUNUKAN,
        header=_header(_NUNUKAN, lambda c: c.title()),
        date_format="%Y-%m-%d",
        entry_date_format="%Y-%m-%d",
        pad_codes=False,
        sex_style="letter",
        marital_style="word",
        status_style="lower",
        encoding="utf-8",
        delimiter=";",
        quote_all=True,
    ),
    # XLSX: first sheet, header in row 1, birth and entry dates as real date cells, NIK/NO_KK as text.
    "6504": FileStyle(
        code="6504",
        slug="tana_tidung",
        fmt="xlsx",
        columns=_TANA_TIDUNG,
        header=_header(_TANA_TIDUNG, str),
        date_format="%d-%m-%Y",
        entry_date_format="%d-%m-%Y",
        pad_codes=True,
        sex_style="letter",
        marital_style="word",
        status_style="upper",
        xlsx_date_cells=frozenset({"TGL_LHR", "TGL_ENTRI"}),
    ),
    # Header with stray spaces, title-case statuses, entry date as a system ISO date, an extra column.
    "6571": FileStyle(
        code="6571",
        slug="kota_tarakan",
        fmt="csv",
        columns=_TARAKAN,
        header=_header(
            _TARAKAN, lambda c: {"NIK": " NIK", "NAMA_LGKP": "NAMA_LGKP ", "NO_KEL": " NO_KEL "}.get(c, c)
        ),
        date_format="%d-%m-%Y",
        entry_date_format="%Y-%m-%d",
        pad_codes=True,
        sex_style="word",
        marital_style="code",
        status_style="title",
        encoding="utf-8",
        delimiter=",",
        line_end="\r\n",
    ),
}


# ---------------------------------------------------------------------------------------------------------
# The messy family: raw SIAK exports, each regency a different combination of what the contract allows, so
# that one data set holds every delimiter, encoding, format, date format, padding and spelling variant.
# Same people, same defects in the same rows as the default family: only the presentation differs.

_CONTRACT_AND_SIAK = STANDARD_ORDER + SIAK_EXTRA_COLUMNS
# SIAK's biodata order: its own columns where SIAK keeps them, the KTP-el columns after the domicile.
_SIAK_ORDER = [
    "NIK",
    "NO_KK",
    "NAMA_LGKP",
    "JENIS_KLMIN",
    "TMPT_LHR",
    "TGL_LHR",
    "GOL_DRH",
    "AGAMA",
    "STAT_KWN",
    "PDDK_AKH",
    "JENIS_PKRJN",
    "KWRNGRN",
    "NO_PROP",
    "NO_KAB",
    "NO_KEC",
    "NO_KEL",
    "STATUS_KTP_EL",
    "TGL_REKAM",
    "LOKASI_REKAM",
    "TGL_ENTRI",
]
assert sorted(_SIAK_ORDER) == sorted(_CONTRACT_AND_SIAK)


def shuffled_columns(code: str) -> list[str]:
    """Contract and SIAK columns in an order fixed per regency (Python's seeded shuffle is stable)."""
    columns = list(_CONTRACT_AND_SIAK)
    random.Random(f"siak-export-{code}").shuffle(columns)
    return columns


def header_text(column: str, how: str) -> str:
    """Header text of a column: 'upper' as in the contract, 'lower', 'title', each optionally '+spaced'."""
    case, _, spaced = how.partition("+")
    text = {"upper": column, "lower": column.lower(), "title": column.title()}[case]
    return f" {text} " if spaced == "spaced" else text


def _messy(code: str, slug: str, fmt: str, order: str, header: str, **kw) -> FileStyle:
    columns = _SIAK_ORDER if order == "siak" else shuffled_columns(code)
    return FileStyle(
        code=code,
        slug=slug,
        fmt=fmt,
        columns=columns,
        header=_header(columns, lambda c: header_text(c, header)),
        column_order=order,
        religion_spelling="KHONGHUCU",
        **kw,
    )


MESSY_STYLES: dict[str, FileStyle] = {
    # UTF-8 with BOM and ',' , CRLF, DD/MM/YYYY, unpadded codes, title-case words, lower-case underscored
    # KAWIN_BELUM_TERCATAT.
    "6501": _messy(
        "6501",
        "bulungan",
        "csv",
        "shuffled",
        "upper",
        date_format="%d/%m/%Y",
        entry_date_format="%d/%m/%Y",
        pad_codes=False,
        sex_style="word+title",
        marital_style="word_tercatat+lower+underscore",
        status_style="title+underscore",
        citizenship_style="lower",
        encoding="utf-8-sig",
        delimiter=",",
        line_end="\r\n",
    ),
    # Windows-1252 with ';', SIAK's column order, title-case header, ISO dates, padded codes, letters in lower
    # case with spaces around, statuses upper case with spaces around (bench.run.change_one_file still finds
    # 'BELUM REKAM' in 6502's file).
    "6502": _messy(
        "6502",
        "malinau",
        "csv",
        "siak",
        "title",
        date_format="%Y-%m-%d",
        entry_date_format="%Y-%m-%d",
        pad_codes=True,
        sex_style="letter+lower+spaced",
        marital_style="word+underscore",
        status_style="upper+spaced",
        citizenship_style="title+spaced",
        encoding="cp1252",
        delimiter=";",
    ),
    # Plain UTF-8 with ',', every field quoted, lower-case header with spaces, DD-MM-YYYY with an ISO
    # entry date, sex as codes, title-case names and marital words, lower-case underscored statuses.
    "6503": _messy(
        "6503",
        "nunukan",
        "csv",
        "shuffled",
        "lower+spaced",
        date_format="%d-%m-%Y",
        entry_date_format="%Y-%m-%d",
        pad_codes=True,
        sex_style="code",
        marital_style="word+title",
        status_style="lower+underscore",
        citizenship_style="upper+spaced",
        name_case="title",
        encoding="utf-8",
        delimiter=",",
        quote_all=True,
    ),
    # XLSX: codes as text cells (zero padding kept), TGL_ENTRI a date cell, the other dates as DD/MM/YYYY
    # text, marital codes with spaces around, statuses with underscores.
    "6504": _messy(
        "6504",
        "tana_tidung",
        "xlsx",
        "shuffled",
        "upper",
        date_format="%d/%m/%Y",
        entry_date_format="%d-%m-%Y",
        pad_codes=True,
        sex_style="word+lower",
        marital_style="code+spaced",
        status_style="underscore",
        citizenship_style="title",
        xlsx_date_cells=frozenset({"TGL_ENTRI"}),
        xlsx_code_cells="text",
    ),
    # Plain UTF-8 with ';', CRLF, header with spaces around, DD-MM-YYYY with a DD/MM/YYYY entry date,
    # unpadded codes, upper-case letters, marital words with TERCATAT and spaces around, lower-case status.
    "6571": _messy(
        "6571",
        "kota_tarakan",
        "csv",
        "shuffled",
        "upper+spaced",
        date_format="%d-%m-%Y",
        entry_date_format="%d/%m/%Y",
        pad_codes=False,
        sex_style="letter",
        marital_style="word_tercatat+spaced",
        status_style="lower",
        citizenship_style="upper",
        name_case="title",
        encoding="utf-8",
        delimiter=";",
        line_end="\r\n",
    ),
}

FAMILIES: dict[str, dict[str, FileStyle]] = {"default": STYLES, "messy": MESSY_STYLES}
assert all(list(f) == list(STYLES) for f in FAMILIES.values())


def _header_style(style: FileStyle) -> str:
    """'upper' | 'lower' | 'title' | 'mixed', '+spaced' when every name has spaces around, '+some_spaced'."""
    texts = [style.header[c] for c in style.columns]
    stripped = [t.strip() for t in texts]
    cases = [case for case in CASES if stripped == [header_text(c, case) for c in style.columns]]
    spaced = [t != s for t, s in zip(texts, stripped, strict=True)]
    return (cases[0] if cases else "mixed") + (
        "+spaced" if all(spaced) else "+some_spaced" if any(spaced) else ""
    )


def describe(style: FileStyle) -> dict:
    """How a file is presented, as GENERATED.json 'styles' records it, for cost-per-style benchmarks.

    `date_format` is that of TGL_LHR and TGL_REKAM, `entry_date_format` that of TGL_ENTRI; in an XLSX the
    `xlsx_date_cells` columns are date cells instead (text in that format only where a defect was
    planted). `spelling` gives each coded column as 'form+modifiers' (FileStyle.spelling).
    """
    contract = [c for c in style.columns if c in COLUMNS]
    extras = [c for c in style.columns if c not in COLUMNS]
    last_contract = max(style.columns.index(c) for c in contract)
    extras_at_end = all(style.columns.index(c) > last_contract for c in extras)
    in_order = contract == [c for c in STANDARD_ORDER if c in style.columns]
    xlsx = style.fmt == "xlsx"
    return {
        "format": style.fmt,
        "encoding": style.encoding,
        "delimiter": style.delimiter,
        "line_end": None if xlsx else {"\n": "LF", "\r\n": "CRLF"}[style.line_end],
        "quoting": None if xlsx else "all" if style.quote_all else "minimal",
        "header": _header_style(style),
        "column_order": style.column_order,
        "columns_shuffled": not (in_order and extras_at_end),
        "extra_columns": extras,
        "missing_optional_columns": [c for c in STANDARD_ORDER if c not in style.columns],
        "date_format": style.date_format,
        "entry_date_format": style.entry_date_format,
        "xlsx_date_cells": sorted(style.xlsx_date_cells) if xlsx else None,
        "xlsx_code_cells": style.xlsx_code_cells if xlsx else None,
        "codes_padded": style.pad_codes,
        "name_case": style.name_case,
        "spelling": {
            "JENIS_KLMIN": style.sex_style,
            "STAT_KWN": style.marital_style,
            "KWRNGRN": style.citizenship_style,
            "STATUS_KTP_EL": style.status_style,
        },
    }
