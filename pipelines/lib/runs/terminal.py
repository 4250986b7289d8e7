"""Text bound for a terminal or a log line: what comes from outside (a file name an office chose, a
path in a setting) never reaches it raw.

A file name may hold a line break (a forged `published to ...` line below the real ones), an escape
sequence (ESC [2J clears the screen, others retitle the window or rewrite the line above), or Unicode's
bidirectional overrides (a name that reads backwards). Each is written out instead, as Python writes it
in a string: `\\n`, `\\x1b`, `\\u202e`. A line stays one line and says what the name really holds.
"""

from __future__ import annotations

import re

# C0 controls (ESC among them), DEL, C1 controls (CSI is \x9b), the line and paragraph separators, and
# the bidirectional embeddings, overrides and isolates.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def one_line(text: str) -> str:
    """`text` with every control character written out, so that it prints as what it holds."""
    return _UNSAFE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)
