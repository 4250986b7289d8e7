"""Exclusive advisory locks on a file (flock(2)), the one way processes of this project keep apart.

flock rather than a lock file that exists or not: the kernel drops the lock when the holder's last
descriptor closes, killed or not, so a crash never leaves a stale lock behind. The lock file itself
stays; it is never removed, because a process that opened it before the removal would lock a file
no other process can find any more.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

_POLL_SECONDS = 0.2


class LockTimeout(TimeoutError):
    """Another process held the lock for longer than the wait allowed."""

    def __init__(self, path: Path, waited: float) -> None:
        self.path, self.waited = path, waited
        super().__init__(f"{path} is locked by another process; waited {waited:g} s")


@contextmanager
def file_lock(
    path: Path,
    *,
    wait: float | None = None,
    on_wait: Callable[[], None] | None = None,
    mode: int = 0o666,
) -> Iterator[int]:
    """Hold an exclusive lock on `path` (created if need be) for the block; yields its descriptor, which
    the holder may write into to say who it is.

    `wait=None` blocks until the lock is free. Otherwise the lock is tried every 0.2 s for up to `wait`
    seconds, `on_wait` is called once when it is first found taken (not when the wait is 0), and
    LockTimeout is raised when the wait runs out. Not re-entrant: a second `file_lock` on the same path in
    the same process opens another descriptor and waits for the first, like any other process. `mode`:
    the permissions of a lock file it creates (less the umask).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, mode)
    try:
        if wait is None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        else:
            _acquire(fd, path, wait, on_wait)
        yield fd
    finally:
        os.close(fd)  # closing the last descriptor releases the lock


def _acquire(fd: int, path: Path, wait: float, on_wait: Callable[[], None] | None) -> None:
    started = time.monotonic()
    announced = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        waited = time.monotonic() - started
        if waited >= wait:
            raise LockTimeout(path, wait)
        if not announced and on_wait is not None:
            on_wait()
            announced = True
        time.sleep(min(_POLL_SECONDS, wait - waited))
