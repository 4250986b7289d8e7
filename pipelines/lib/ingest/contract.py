"""The extract contract regency offices follow (docs/extract-contract.md is the document they receive).

Everything the readers and the row rules need to agree on lives here, so the document, the generator
of synthetic extracts and the SQL cannot drift apart.
"""

from __future__ import annotations

from pathlib import Path

import yaml

# Kemendagri regency codes of Kalimantan Utara, as they start a file name, and their dotted form.
REGENCIES: dict[str, str] = {
    "6501": "Bulungan",
    "6502": "Malinau",
    "6503": "Nunukan",
    "6504": "Tana Tidung",
    "6571": "Kota Tarakan",
}
PROVINCE_CODE = "65"  # also vars.contract.province_code


def dotted_regency(code4: str) -> str:
    return f"{code4[:2]}.{code4[2:]}"


# Column name -> required. Matched case-insensitively, surrounding spaces ignored, any order.
COLUMNS: dict[str, bool] = {
    "NIK": True,
    "NO_KK": True,
    "NAMA_LGKP": True,
    "JENIS_KLMIN": True,
    "TMPT_LHR": False,
    "TGL_LHR": True,
    "STAT_KWN": True,
    "KWRNGRN": False,
    "NO_PROP": True,
    "NO_KAB": True,
    "NO_KEC": True,
    "NO_KEL": True,
    "STATUS_KTP_EL": True,
    "TGL_REKAM": False,
    "TGL_ENTRI": True,
    "LOKASI_REKAM": False,
}
REQUIRED_COLUMNS = [c for c, req in COLUMNS.items() if req]
# Columns SIAK exports carry that the contract ignores: an error message may name them as sent.
IGNORED_COLUMNS = ("AGAMA", "PDDK_AKH", "JENIS_PKRJN", "GOL_DRH", "PEKERJAAN", "KET")

# The dbt project's vars (dbt_project.yml), with their defaults: the SQL reads them there, and so does
# everything in Python. The row rules' code lists, formats and reasons are `vars.contract`.
DBT_VARS: dict = yaml.safe_load(
    (Path(__file__).resolve().parents[3] / "dbt_project" / "dbt_project.yml").read_text(encoding="utf-8")
)["vars"]
_RULES = DBT_VARS["contract"]

# Accepted spellings, after trimming, upper-casing and reading '_' as a space.
SEX_CODES: dict[str, str] = dict(_RULES["sex_codes"])
MARITAL_CODES: dict[str, str] = dict(_RULES["marital_codes"])
KTP_STATUSES: list[str] = list(_RULES["ktp_statuses"])
CITIZENSHIP_CODES: dict[str, str] = dict(_RULES["citizenship_codes"])

# strptime formats tried in order; XLSX date cells arrive as ISO text.
DATE_FORMATS: list[str] = list(_RULES["date_formats"])
MAX_AGE_YEARS: int = int(_RULES["max_age_years"])

# Rejects, in the order they are tested: a row gets the first that applies.
REJECT_REASONS: list[str] = list(_RULES["reject_reasons"])
# Flags on kept rows: counted, not rejected.
QUALITY_FLAGS: list[str] = list(_RULES["quality_flags"])

# Version of the Kemendagri area code list the reference seeds follow (dbt_project/seeds/SOURCES.md).
AREA_CODE_LIST_VERSION = "Kepmendagri No. 300.2.2-2430 Tahun 2025"
