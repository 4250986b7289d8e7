"""Releases beside the publication directory, and the atomic swap of the link that readers follow.

Layout, for KTP_PUBLISH_DIR=/data/published:
    /data/published            -> symlink to published.releases/<release>   (what readers open)
    /data/published.releases/
        .lock                  serialises publishers
        .staging-<release>/    being written; never visible to readers
        <release>/             complete, synced; <release> = <UTC time>_<run id>, so names sort by age

os.replace of a fresh symlink onto the old one is a single rename(2): a reader sees the whole old
release or the whole new one, and a crash at any moment leaves one of them in place.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from pipelines.lib.fsio import atomic_path, fsync_dir
from pipelines.lib.locks import file_lock
from pipelines.lib.publish.errors import PublishError

RELEASES_SUFFIX = ".releases"
STAGING_PREFIX = ".staging-"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def release_name(run_id: str, moment: datetime) -> str:
    safe = _UNSAFE.sub("-", run_id).strip(".-") or "run"
    return f"{_timestamp(moment)}_{safe[:80]}"


def link_path(publish_dir: Path) -> Path:
    """The path to swap, even when given the release it currently points to.

    Settings resolves symlinks in KTP_PUBLISH_DIR, which after the first publication turns the link
    into the release directory itself; publishing "into" that would nest releases.
    """
    publish_dir = Path(os.path.abspath(publish_dir))
    parent = publish_dir.parent
    if parent.name.endswith(RELEASES_SUFFIX):
        link = parent.parent / parent.name[: -len(RELEASES_SUFFIX)]
        if link.is_symlink() and link.resolve() == publish_dir.resolve():
            return link
    return publish_dir


class ReleaseStore:
    def __init__(self, publish_dir: Path):
        self.link = link_path(publish_dir)
        self.root = self.link.parent / (self.link.name + RELEASES_SUFFIX)

    @contextmanager
    def locked(self) -> Iterator[None]:
        with file_lock(self.root / ".lock"):
            yield

    def releases(self) -> list[Path]:
        """Complete releases, oldest first."""
        if not self.root.is_dir():
            return []
        return sorted(p for p in self.root.iterdir() if p.is_dir() and not p.name.startswith("."))

    def current(self) -> Path | None:
        if not self.link.is_symlink():
            return None
        target = self.link.parent / os.readlink(self.link)
        return Path(os.path.normpath(target))

    def new_staging(self, name: str) -> Path:
        self._remove_leftovers()
        staging = self.root / f"{STAGING_PREFIX}{name}"
        staging.mkdir(parents=True)
        return staging

    def discard(self, staging: Path) -> None:
        shutil.rmtree(staging, ignore_errors=True)

    def finalize(self, staging: Path, name: str) -> Path:
        """Give the staged, synced release its final name (still not visible to readers)."""
        release = self.root / name
        if release.exists():
            raise PublishError(f"release already exists: {release}")
        os.rename(staging, release)
        fsync_dir(self.root)
        return release

    def swap_to(self, release: Path) -> None:
        self.link.parent.mkdir(parents=True, exist_ok=True)
        if self.link.exists() and not self.link.is_symlink():
            self._adopt_real_directory()
        with atomic_path(self.link) as tmp:
            os.symlink(os.path.relpath(release, self.link.parent), tmp)
        fsync_dir(self.link.parent)

    def prune(self, keep: int) -> list[Path]:
        """After a successful swap: drop releases newer than the current one (left by crashed runs)
        and all but the newest `keep`; the current release is never removed."""
        current = self.current()
        if current is None:
            return []
        releases = self.releases()
        older = [r for r in releases if r.name <= current.name]
        doomed = [r for r in releases if r.name > current.name] + older[: max(len(older) - keep, 0)]
        doomed = [r for r in doomed if r != current]
        for path in doomed:
            shutil.rmtree(path)
        if doomed:
            fsync_dir(self.root)
        return doomed

    def _adopt_real_directory(self) -> None:
        # A publication from before releases existed: it becomes the oldest release, so nothing is lost
        # and pruning treats it like any other. The link path is briefly absent between the two renames.
        if not self.link.is_dir():
            raise PublishError(f"{self.link} exists and is neither a directory nor a symlink")
        # The all-zero time sorts it before every real release, whatever its mtime says.
        mtime = _timestamp(datetime.fromtimestamp(self.link.stat().st_mtime, UTC))
        adopted = self.root / f"{_timestamp(datetime(1970, 1, 1, tzinfo=UTC))}_pre-existing-{mtime}"
        os.rename(self.link, adopted)
        fsync_dir(self.root)

    def _remove_leftovers(self) -> None:
        # Only called under the lock, so a staging directory, or a release newer than the current one
        # (finalized but never swapped in), is from a run that died.
        for path in self.root.glob(f"{STAGING_PREFIX}*"):
            shutil.rmtree(path, ignore_errors=True)
        current = self.current()
        if current is not None:
            for path in self.releases():
                if path.name > current.name:
                    shutil.rmtree(path)
