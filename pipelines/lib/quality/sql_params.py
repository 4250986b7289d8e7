"""`:name` placeholders in suite SQL, replaced by SQL literals.

GX's `$PARAMETER` only replaces a whole kwarg value, so values inside a batch query or an
UnexpectedRowsExpectation query are filled in here. Values become literals, not bind parameters: GX
takes the query as text. Every value is typed and quoted, so nothing from a caller is pasted raw.
`{batch}` is left alone for GX; `::type` casts and text inside '...' literals are not placeholders.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

# A string literal is matched first and kept as it is, so ':x' inside quotes is never a parameter.
_TOKEN = re.compile(r"'(?:[^']|'')*'|(?<![:\w]):([A-Za-z_][A-Za-z0-9_]*)")


def literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dt.datetime):
        raise TypeError("timestamps are not used by the suites; pass a date")
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    raise TypeError(f"no SQL literal for {type(value).__name__}")


def placeholders(sql: str) -> set[str]:
    return {m.group(1) for m in _TOKEN.finditer(sql) if m.group(1)}


def render(sql: str, values: Mapping[str, Any]) -> str:
    missing = placeholders(sql) - set(values)
    if missing:
        raise KeyError(f"suite SQL names parameters with no value: {sorted(missing)}")
    return _TOKEN.sub(lambda m: literal(values[m.group(1)]) if m.group(1) else m.group(0), sql)
