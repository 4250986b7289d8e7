"""Values from an extract, masked for output the way the auditors' quarantine listings mask them.

Anything a run prints, logs or records about a file (a whole-file error, a Dagster event, last_run.json)
may quote a value only through these: an identifier keeps its first 6 (area of issue) and last 4
digits, or at most half of itself when it is not 16 digits; a name or any other text keeps its initials;
a 16-digit run inside free text is masked like an identifier. They mirror the SQL of
pipelines/lib/publish/quarantine.py (mask_id_sql, initials_sql, scrub_digits_sql), and
tests/test_publish.py holds both to the same answers.
"""

from __future__ import annotations

import re

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


def initials(value: str) -> str:
    """A name: the first letter of each word, upper case, each followed by '.' ('' when there is none)."""
    letters = (_LETTER.search(word) for word in value.strip().split())
    return "".join(f"{m.group().upper()}." for m in letters if m)


def scrub_digits(text: str) -> str:
    """Free text with every run of 16 or more digits masked like an identifier."""
    return _LONG_DIGIT_RUN.sub(r"\1******\2", text)


def mask_value(value: str) -> str:
    """A value whose column is not known (a header row that is data, say): text with a letter keeps its
    initials, anything else is masked as an identifier."""
    return initials(value) if _LETTER.search(value) else mask_identifier(value)
