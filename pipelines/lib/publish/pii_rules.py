"""What counts as personal data in a published file: the PII scan's rules (pii_scan.py; how a finding
quotes what it found is pipelines/lib/masking.py's).

A NIK is 16 consecutive digits that are not part of a longer digit run. Two look-alikes are not NIKs
and would otherwise block every publication by chance:
- the fraction of a decimal number (`0.1234567890123456`): digits right after `<digit>.`;
- sha256 digests (of source files, in ingest_summary and the manifest): a run of exactly 64 hex
  characters, standing alone (no letter or digit on either side), is blanked out before looking, as a
  digest holds a 16-digit run in roughly 1 of 250. Exactly 64 and alone: when any run of 32+ hex
  characters was a digest, a NIK with 16 hex characters beside it passed for one.
"""

from __future__ import annotations

import re

from pipelines.lib.ingest.contract import QUALITY_FLAGS, REJECT_REASONS

# Python form (the CSV/JSON text scan) and RE2 form (DuckDB has no look-behind) of the same rule.
HEX_DIGEST_RE = re.compile(r"(?<![0-9A-Za-z])[0-9A-Fa-f]{64}(?![0-9A-Za-z])")
NIK_RE = re.compile(r"(?<![0-9])(?<![0-9]\.)[0-9]{16}(?![0-9])")
# The sides are matched and put back (`\1 \2`): RE2 has no look-around.
HEX_DIGEST_RE2 = r"(^|[^0-9A-Za-z])[0-9A-Fa-f]{64}([^0-9A-Za-z]|$)"
# Group 2 is the NIK: preceded by start, a non-digit non-dot, or a dot that does not follow a digit.
NIK_RE2 = r"(^|[^0-9.]|(?:^|[^0-9])\.)([0-9]{16})(?:[^0-9]|$)"

# Column names of direct identifiers (Dukcapil extract names and their usual English/Indonesian forms).
IDENTIFIER_NAMES = frozenset(
    {
        "nik",
        "no_nik",
        "nomor_nik",
        "nomor_induk_kependudukan",
        "no_kk",
        "nomor_kk",
        "kk",
        "no_kartu_keluarga",
        "nomor_kartu_keluarga",
        "family_card_number",
        "nama",
        "name",
        "nama_lgkp",
        "nama_lengkap",
        "full_name",
        "first_name",
        "last_name",
        "person_name",
        "nama_ibu",
        "nama_ayah",
        "nama_lgkp_ibu",
        "nama_lgkp_ayah",
        "mother_name",
        "father_name",
        "nama_kepala_keluarga",
        "tgl_lhr",
        "tgl_lahir",
        "tanggal_lahir",
        "birth_date",
        "date_of_birth",
        "dob",
        "tmpt_lhr",
        "tempat_lahir",
        "birth_place",
        "place_of_birth",
        "alamat",
        "address",
        "email",
        "e_mail",
        "phone",
        "phone_number",
        "no_hp",
        "no_telp",
        "telepon",
        "nomor_telepon",
        "no_paspor",
        "passport_number",
    }
)
_COMPACT_NAMES = frozenset(n.replace("_", "") for n in IDENTIFIER_NAMES)
# Reject reasons and quality flags of the extract contract name counts, should a mart pivot them.
_COUNT_NAMES = frozenset(REJECT_REASONS + QUALITY_FLAGS)
# Too generic for JSON keys, where `name` usually names a check or a suite, not a person.
GENERIC_NAMES = frozenset({"name", "kk"})


def normalize_column(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")


def looks_like_identifier_column(
    name: str, *, include_generic: bool = True, exact_only: bool = False
) -> bool:
    """Exact identifier names, and names built on nik / no_kk / alamat unless `exact_only`.

    JSON keys use exact_only without the generic names: the manifest's validation outcome may well
    hold keys like "name" or "nik_malformed" that describe checks, not people.
    """
    norm = normalize_column(name)
    if not norm or norm in _COUNT_NAMES:
        return False
    if not include_generic and norm in GENERIC_NAMES:
        return False
    if norm in IDENTIFIER_NAMES or norm.replace("_", "") in _COMPACT_NAMES:
        return True
    if exact_only:
        return False
    tokens = norm.split("_")
    if tokens[0] == "nik" or tokens[-1] == "nik":
        return True
    if "kk" in tokens and {"no", "nomor", "nomer"} & set(tokens):
        return True
    return bool({"alamat", "address"} & set(tokens))


def find_nik(text: str) -> str | None:
    """The first NIK-like run in a text value, or None."""
    if not text:
        return None
    m = NIK_RE.search(HEX_DIGEST_RE.sub(" ", text))
    return m.group(0) if m else None
