"""Files on disk: their sha256, writes a reader sees whole or not at all, and the syncs that make a rename
survive a power cut (what is swapped in must already be on disk, or a crash could publish holes)."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def sha256_of(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


@contextmanager
def pinned(path: Path) -> Iterator[tuple[Path, os.stat_result]]:
    """The file as it is when the block starts, whatever later happens to its name, and its stat.

    An open descriptor holds the file, and /proc/self/fd/N opens that same file again for each reader
    (Linux), so a file renamed over `path` while the block runs changes nothing read through the path
    yielded. Without /proc it is `path` itself, and the caller's stat comparison is what is left.
    """
    fd = os.open(path, os.O_RDONLY)
    try:
        held = Path(f"/proc/self/fd/{fd}")
        yield (held if held.exists() else path), os.fstat(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path for the block to create (a file, a symlink); when the block ends it replaces
    `path` in one rename, and when the block raises it is removed and `path` is left as it was.

    The temporary path is beside `path`, as rename(2) is atomic only within one file system, and
    hidden and named after the process and a random part: threads of one process (landing lands files
    in parallel) may write the same file at once, and a crashed writer's leftover is never mistaken for
    data. No fsync: callers that swap in what must survive a power cut sync it themselves.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write `data` (text as UTF-8) to `path` whole or not at all (atomic_path)."""
    with atomic_path(path) as tmp:
        if isinstance(data, str):
            tmp.write_text(data, encoding="utf-8")
        else:
            tmp.write_bytes(data)


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    # A rename or a new entry is only durable once the directory holding it is synced.
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(root: Path) -> None:
    for dirpath, _dirnames, filenames in os.walk(root):
        for name in filenames:
            fsync_file(Path(dirpath) / name)
        fsync_dir(Path(dirpath))
