"""One run at a time per warehouse: an advisory lock beside it, `<warehouse>.run.lock`.

DuckDB lets one process write a file, but a run opens and closes the warehouse many times (dbt, GX,
the publication, the reports): two runs at once interleave those openings and fail step by step, one
of them half-way through the other's work. The lock spans a whole run instead. It is flock(2)
(pipelines/lib/locks.py) on a file that records who holds it (pid, host, start, command), so a waiting
or refused run can name the holder; the kernel drops the lock when the holder dies, killed or not, so
a crash never leaves a stale lock.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path

from pipelines.lib.locks import LockTimeout, file_lock
from pipelines.lib.settings import Settings

# Locks this process holds, by path: the headless run takes the lock, then its Dagster runs (in this
# process) ask for it again through the resource that `make dev`'s runs take it with.
_held: dict[str, int] = {}


class RunLockTimeout(Exception):
    """Another run held the lock for longer than the wait allowed."""

    def __init__(self, path: Path, holder: str, waited: float) -> None:
        self.path, self.holder, self.waited = path, holder, waited
        super().__init__(
            f"another run holds {path} ({holder}); waited {waited:g} s (KTP_LOCK_WAIT_SECONDS): "
            "nothing was done, run again when it has finished"
        )


def lock_path(settings: Settings) -> Path:
    return settings.warehouse.parent / (settings.warehouse.name + ".run.lock")


def describe_holder(path: Path) -> str:
    """Who holds the lock, in words; the record can be mid-write, or left by a run that has ended."""
    try:
        holder = json.loads(path.read_text(encoding="utf-8"))
        return f"pid {holder['pid']} on {holder['host']}, since {holder['since']}: {holder['command']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "holder not recorded yet"


@contextmanager
def run_lock(settings: Settings, wait_seconds: float, say: Callable[[str], None] = print) -> Iterator[Path]:
    """Hold the warehouse's run lock for the block, waiting up to `wait_seconds` for another run.

    Says once that it waits (one line); raises RunLockTimeout when the wait runs out. Re-entrant
    within one process."""
    path = lock_path(settings)
    if str(path) in _held:
        yield path
        return

    def announce() -> None:
        say(f"waiting for the run that holds {path} ({describe_holder(path)}) for up to {wait_seconds:g} s")

    with ExitStack() as stack:
        try:
            fd = stack.enter_context(file_lock(path, wait=wait_seconds, on_wait=announce, mode=0o644))
        except LockTimeout:
            raise RunLockTimeout(path, describe_holder(path), wait_seconds) from None
        _record_holder(fd)
        _held[str(path)] = fd
        try:
            yield path
        finally:
            del _held[str(path)]
            # Emptied before the unlock: a record left behind would name a run that has ended.
            os.ftruncate(fd, 0)


def _record_holder(fd: int) -> None:
    record = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "since": datetime.now(UTC).isoformat(timespec="seconds"),
        # The program and its options: paths and settings, never data.
        "command": " ".join([Path(sys.orig_argv[0]).name, *sys.orig_argv[1:]])[:300],
    }
    data = json.dumps(record).encode()
    os.ftruncate(fd, 0)
    os.pwrite(fd, data, 0)
