"""The extract contract regency offices follow (docs/extract-contract.md is the document they receive).

Everything the readers and the row rules need to agree on lives here, so the document, the generator
of synthetic extracts and the SQL cannot drift apart.
"""

from __future__ import annotations

# Kemendagri regency codes of Kalimantan Utara, as they start a file name, and their dotted form.
REGENCIES: dict[str, str] = {
    "6501": "Bulungan",
    "6502": "Malinau",
    "6503": "Nunukan",
    "6504": "Tana Tidung",
    "6571": "Kota Tarakan",
}
PROVINCE_CODE = "65"


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

# Accepted spellings, after trimming, upper-casing and reading '_' as a space.
SEX_CODES = {"1": "L", "LAKI-LAKI": "L", "L": "L", "2": "P", "PEREMPUAN": "P", "P": "P"}
MARITAL_CODES = {
    "1": "BELUM KAWIN",
    "BELUM KAWIN": "BELUM KAWIN",
    "2": "KAWIN",
    "KAWIN": "KAWIN",
    "KAWIN TERCATAT": "KAWIN",
    "KAWIN BELUM TERCATAT": "KAWIN",
    "3": "CERAI HIDUP",
    "CERAI HIDUP": "CERAI HIDUP",
    "4": "CERAI MATI",
    "CERAI MATI": "CERAI MATI",
}
KTP_STATUSES = [
    "BELUM REKAM",
    "SUDAH REKAM",
    "PRINT READY RECORD",
    "DUPLICATE RECORD",
    "SENT FOR CARD PRINTING",
    "CARD PRINTED",
    "CARD SHIPPED",
    "CARD ISSUED",
]
CITIZENSHIP_CODES = {"WNI": "WNI", "WNA": "WNA"}

# strptime formats tried in order; XLSX date cells arrive as ISO text.
DATE_FORMATS = ["%d-%m-%Y", "%d/%m/%Y", "%Y-%m-%d"]
MAX_AGE_YEARS = 120

# Rejects, in the order they are tested: a row gets the first that applies.
REJECT_REASONS = [
    "nik_malformed",
    "nik_region_invalid",
    "birth_date_invalid",
    "sex_invalid",
    "marital_status_invalid",
    "ktp_status_invalid",
    "wrong_regency",
    "unknown_area",
]
# Flags on kept rows: counted, not rejected.
QUALITY_FLAGS = [
    "nik_issued_outside_kaltara",
    "nik_birth_date_mismatch",
    "nik_sex_mismatch",
]

# Version of the Kemendagri area code list the reference seeds follow (dbt_project/seeds/SOURCES.md).
AREA_CODE_LIST_VERSION = "Kepmendagri No. 300.2.2-2430 Tahun 2025"
