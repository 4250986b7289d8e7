"""How each regency office writes its extract: fixed per regency, so a file looks like its office made it.

Every quirk stays inside the extract contract (pipelines/ingest/contract.py); the readers must cope with all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipelines.ingest.contract import COLUMNS

# Contract columns in the order of the contract document.
STANDARD_ORDER = list(COLUMNS)
# Columns some offices add that the contract does not know (readers ignore them).
EXTRA_COLUMNS = ["AGAMA", "PEKERJAAN", "KET"]


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
    sex_style: str  # 'code' 1/2 | 'word' LAKI-LAKI/PEREMPUAN | 'letter' L/P
    marital_style: str  # 'code' 1..4 | 'word' | 'word_tercatat' (KAWIN TERCATAT / KAWIN BELUM TERCATAT)
    status_style: str  # 'upper' | 'underscore' | 'lower' | 'title'
    name_case: str = "upper"  # 'upper' | 'title'
    encoding: str | None = None  # 'utf-8' | 'utf-8-sig' | 'cp1252'; None for xlsx
    delimiter: str | None = None
    line_end: str = "\n"
    quote_all: bool = False
    xlsx_date_cells: frozenset[str] = field(default_factory=frozenset)  # columns written as Excel dates

    @property
    def file_name(self) -> str:
        return f"{self.code}_{self.slug}.{self.fmt}"


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
