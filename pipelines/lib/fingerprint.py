"""Fingerprints: one sha256 over the files and the values something was made from, so a stamp written
beside a result can tell later whether the result is still the one its inputs would give.

Every stamp of the project is made here, in one way: each file's bytes (after its path relative to a
root, when the files are given with one: a renamed file is a change, a moved checkout is not), then
any text as it is, then the values as canonical JSON (sorted keys; dates and paths as text).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable
from pathlib import Path

_NO_VALUES = object()


def fingerprint(
    files: Iterable[Path] = (),
    *,
    relative_to: Path | None = None,
    text: str = "",
    values: object = _NO_VALUES,
    length: int | None = None,
) -> str:
    """The sha256 hex digest of `files` (in the order given), `text` and `values`; its first `length`
    characters when given. Without `relative_to` only the files' bytes count, not their names."""
    digest = hashlib.sha256()
    for path in files:
        if relative_to is not None:
            digest.update(path.relative_to(relative_to).as_posix().encode())
        digest.update(path.read_bytes())
    digest.update(text.encode())
    if values is not _NO_VALUES:
        digest.update(json.dumps(values, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:length]


def files_under(root: Path, patterns: Iterable[str], *, skip: Collection[str] = ()) -> list[Path]:
    """The files under `root` matching each pattern (recursively), pattern by pattern, each sorted:
    a stable order whatever the file system lists first. A path with a folder named in `skip` is left
    out (caches, generated state)."""
    found: list[Path] = []
    for pattern in patterns:
        found += [
            p for p in sorted(root.rglob(pattern)) if p.is_file() and not set(skip).intersection(p.parts)
        ]
    return found
