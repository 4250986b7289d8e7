"""Fault injection for crash tests: a real process death at a named point, not a mocked exception.

`KTP_FAULT_INJECT=before_swap` (comma-separated for several points) makes the process exit with
code 3 at that point, without cleanup handlers, the way a killed worker would.
"""

from __future__ import annotations

import os

ENV_VAR = "KTP_FAULT_INJECT"
EXIT_CODE = 3


def fault_point(name: str) -> None:
    wanted = {p.strip() for p in os.environ.get(ENV_VAR, "").split(",") if p.strip()}
    if name in wanted:
        os._exit(EXIT_CODE)
