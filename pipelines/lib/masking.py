"""Masking of personal data, the one set of rules for everything that shows a value from an extract.

The auditors' quarantine listings (SQL, pipelines/lib/publish/quarantine.py), whatever a run prints,
logs or records about a file (a whole-file error, a Dagster event, last_run.json), and the PII scan's
findings (mask_nik) quote a value only through these:
- an identifier (NIK, KK number) keeps its first 6 (area of issue) and last 4 digits, or at most half
  of itself (and never more than 6 characters) when it is not 16 digits;
- a name, or any other text with a letter whose column is not known, keeps its initials;
- a run of 16 or more digits inside free text is masked like an identifier.

Each rule is written twice, side by side: in Python for single values, and as a DuckDB SQL expression
for the listings, which mask whole tables at once. tests/test_publish.py holds both to the same answers.
"""

from __future__ import annotations

import re

from pipelines.lib.sql import sql_ident

_SIXTEEN_DIGITS = re.compile(r"[0-9]{16}")
_LONG_DIGIT_RUN = re.compile(r"([0-9]{6})[0-9]{6,}([0-9]{4})")
_LETTER = re.compile(r"[^\W\d_]")


def mask_identifier(value: str) -> str:
    """A NIK or KK number: 650101******0001; anything else keeps at most its first 6 characters and at
    most half of itself."""
    trimmed = value.strip()
    if _SIXTEEN_DIGITS.fullmatch(trimmed):
        return trimmed[:6] + "******" + trimmed[-4:]
    keep = min(6, len(value) // 2)
    return value[:keep] + "*" * (len(value) - keep)


def mask_identifier_sql(column: str) -> str:
    v = sql_ident(column)
    t = f"trim({v})"
    keep = f"least(6, length({v}) // 2)"
    return (
        f"case when {v} is null then null "
        f"when regexp_full_match({t}, '[0-9]{{16}}') then left({t}, 6) || '******' || right({t}, 4) "
        f"else left({v}, {keep}) || repeat('*', length({v}) - {keep}) end"
    )


def initials(value: str) -> str:
    """A name: the first letter of each word, upper case, each followed by '.' ('' when there is none)."""
    letters = (_LETTER.search(word) for word in value.strip().split())
    return "".join(f"{m.group().upper()}." for m in letters if m)


def initials_sql(column: str) -> str:
    # Words without a letter (digits, punctuation) leave nothing behind; NULL where Python gives ''.
    words = f"string_split_regex(trim({sql_ident(column)}), '\\s+')"
    letters = f"list_filter(list_transform({words}, w -> upper(regexp_extract(w, '\\pL'))), x -> x <> '')"
    return f"nullif(array_to_string(list_transform({letters}, x -> x || '.'), ''), '')"


def scrub_digits(text: str) -> str:
    """Free text with every run of 16 or more digits masked like an identifier."""
    return _LONG_DIGIT_RUN.sub(r"\1******\2", text)


def scrub_digits_sql(column: str) -> str:
    return f"regexp_replace({sql_ident(column)}, '([0-9]{{6}})[0-9]{{6,}}([0-9]{{4}})', '\\1******\\2', 'g')"


def mask_value(value: str) -> str:
    """A value whose column is not known (a header row that is data, say): text with a letter keeps its
    initials, anything else is masked as an identifier."""
    return initials(value) if _LETTER.search(value) else mask_identifier(value)


def mask_nik(found: str) -> str:
    """A NIK the PII scan found, as its finding quotes it: the first 6 and last 4 characters kept. On
    the 16 digits a scan finds in text this is mask_identifier; a NIK stored as a negative float keeps
    its sign in front ('-12345*******3456')."""
    return found[:6] + "*" * (len(found) - 10) + found[-4:] if len(found) >= 16 else "*" * len(found)
