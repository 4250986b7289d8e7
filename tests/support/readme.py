"""The README's code blocks, so a test can run what the README tells a reader to run."""

from __future__ import annotations

import re

from pipelines.lib.settings import REPO_ROOT

_BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.DOTALL)


def snippet(language: str, first_line: str) -> str:
    """The README's `language` block that starts with `first_line` (a comment naming it)."""
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    found = [code for lang, code in _BLOCK.findall(text) if lang == language and code.startswith(first_line)]
    assert len(found) == 1, f"README: {len(found)} {language} blocks start with {first_line!r}"
    return found[0]
