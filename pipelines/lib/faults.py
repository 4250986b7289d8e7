"""Fault injection for crash tests: a real process death at a named point, not a mocked exception.

`KTP_FAULT_INJECT=before_swap` (comma-separated for several points) makes the process exit with
code 3 at that point, without cleanup handlers, the way a killed worker would.

`KTP_FAULT_PAUSE=after_landing` with `KTP_FAULT_PAUSE_FILE=<path>` makes it write its pid to that file at
the point and wait until the file is gone (at most 10 minutes): a test can then do, between two steps of
a real run, what another program would (open the warehouse, say) and let the run go on.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

ENV_VAR = "KTP_FAULT_INJECT"
PAUSE_VAR = "KTP_FAULT_PAUSE"
PAUSE_FILE_VAR = "KTP_FAULT_PAUSE_FILE"
EXIT_CODE = 3


def _named(var: str) -> set[str]:
    return {p.strip() for p in os.environ.get(var, "").split(",") if p.strip()}


def fault_point(name: str) -> None:
    if name in _named(ENV_VAR):
        os._exit(EXIT_CODE)
    if name in _named(PAUSE_VAR) and os.environ.get(PAUSE_FILE_VAR):
        marker = Path(os.environ[PAUSE_FILE_VAR])
        marker.write_text(str(os.getpid()), encoding="utf-8")
        deadline = time.monotonic() + 600
        while marker.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
