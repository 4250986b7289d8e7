"""Drop one line GX prints (not logs) for every UnexpectedRowsExpectation it builds.

Our cross-table checks name their tables instead of `{batch}` on purpose (see suites.py), so GX's hint
"unexpected_rows_query should contain the {batch} parameter" would be printed dozens of times per run
into the Dagster logs. Only that line is dropped; all other output passes through unchanged.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any, TextIO

HINT = "unexpected_rows_query should contain the {batch} parameter"


class _Filter:
    def __init__(self, target: TextIO) -> None:
        self._target = target
        self._drop_newline = False

    def write(self, text: str) -> int:
        if text.startswith(HINT):
            # print() writes the message and its newline in two calls.
            self._drop_newline = True
            return len(text)
        if self._drop_newline and text == "\n":
            self._drop_newline = False
            return len(text)
        self._drop_newline = False
        return self._target.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target, name)


@contextlib.contextmanager
def without_batch_hint() -> Iterator[None]:
    original = sys.stdout
    sys.stdout = _Filter(original)  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout = original
