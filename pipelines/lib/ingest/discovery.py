"""Finding the extracts in the raw directory: `<raw>/<YYYY-MM-DD>/<regency code>...`.

A file's name is the office's to choose after the regency code, so it can hold anything, a person's
name or a NIK among it. Nothing downstream sees it: each file is known by its *label*, the part of the
name the extract contract defines (snapshot, regency code, format), `2026-03-31/6501.csv`. A name that
names no regency is known by its place in its folder, `2026-03-31/entry-3` (the third entry in name
order), and each of several files claiming one regency by its rank, `2026-03-31/6501.csv (2 of 3)`.
The label is what is landed, judged, published and printed; the name stays in the raw directory.
"""

from __future__ import annotations

import re
import stat
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pipelines.lib.ingest.contract import REGENCIES, dotted_regency

SNAPSHOT_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}$")
REGENCY_PREFIX = re.compile(r"^(\d{4})")
ACCEPTED_SUFFIXES = {".csv", ".xlsx"}


@dataclass(frozen=True)
class Extract:
    snapshot: date
    regency4: str  # '6501', as the file name starts
    path: Path
    raw_dir: Path
    source_file: str  # its label: what every output calls the file (module docstring)

    @property
    def regency_code(self) -> str:
        return dotted_regency(self.regency4)

    @property
    def partition_key(self) -> str:
        return partition_key(self.snapshot.isoformat(), self.regency4)


@dataclass(frozen=True)
class RejectedFile:
    """A file in a snapshot folder that cannot be one regency's extract."""

    snapshot: date
    path: Path
    raw_dir: Path
    problem: str
    source_file: str  # its label (module docstring)


@dataclass(frozen=True)
class Inventory:
    extracts: list[Extract]
    rejected: list[RejectedFile]
    ignored: list[str] = field(default_factory=list)  # folders that are not snapshots, with the reason

    @property
    def snapshots(self) -> list[str]:
        return sorted(
            {e.snapshot.isoformat() for e in self.extracts} | {r.snapshot.isoformat() for r in self.rejected}
        )

    def find(self, snapshot: str, regency4: str) -> Extract | None:
        for e in self.extracts:
            if e.snapshot.isoformat() == snapshot and e.regency4 == regency4:
                return e
        return None


def regency_key(regency4: str) -> str:
    """A regency as its partitions name it, the code beside the name: "6501 Bulungan"."""
    name = REGENCIES.get(regency4)
    return f"{regency4} {name}" if name else regency4


def partition_key(snapshot: str, regency4: str) -> str:
    # Dagster's multi-partition keys join dimension values in dimension-name order: regency|snapshot.
    return f"{regency_key(regency4)}|{snapshot}"


def _snapshot_date(name: str) -> date | None:
    if not SNAPSHOT_DIR.match(name):
        return None
    try:
        return date.fromisoformat(name)
    except ValueError:
        return None


def _format(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return suffix if suffix in ACCEPTED_SUFFIXES else ""


def _regency_of(name: str) -> str | None:
    m = REGENCY_PREFIX.match(name)
    return m.group(1) if m and m.group(1) in REGENCIES else None


def _labels(snapshot: date, entries: list[Path]) -> dict[Path, str]:
    """Each entry of a snapshot folder by what the contract defines of its name (module docstring)."""
    base: dict[Path, str] = {}
    for position, path in enumerate(entries, start=1):
        regency4 = _regency_of(path.name)
        stem = regency4 if regency4 else f"entry-{position}"
        base[path] = f"{snapshot.isoformat()}/{stem}{_format(path.name)}"
    claims: dict[str, list[Path]] = {}
    for path, label in base.items():
        claims.setdefault(label, []).append(path)
    labels = dict(base)
    for label, paths in claims.items():
        if len(paths) > 1:
            labels.update({p: f"{label} ({k:,} of {len(paths):,})" for k, p in enumerate(paths, start=1)})
    return labels


def _kind(path: Path) -> str:
    mode = path.lstat().st_mode
    kinds = [(stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket")]
    kinds += [
        (stat.S_ISLNK, "a link to nothing readable"),
        (stat.S_ISCHR, "a device"),
        (stat.S_ISBLK, "a device"),
    ]
    return next((what for test, what in kinds if test(mode)), "not a file")


def scan(raw_dir: Path, *, today: date | None = None) -> Inventory:
    """List every regency file of every snapshot folder; anything else in a snapshot folder is rejected.

    Folders that are not snapshot dates (and files at the top level) are not extracts: they are listed
    in `ignored` (the run says which, by place unless the name is date-shaped) and otherwise left
    alone, so answer keys, READMEs or generated data sets can sit beside the snapshots. A snapshot
    dated after `today` (default: today) cannot be a cut-off that has passed: each of its files is
    rejected.
    """
    extracts: list[Extract] = []
    rejected: list[RejectedFile] = []
    ignored: list[str] = []
    today = today or date.today()
    if not raw_dir.is_dir():
        return Inventory(extracts, rejected, ignored)
    folders = sorted(p for p in raw_dir.iterdir() if p.is_dir() and not p.name.startswith("."))
    for position, snap_dir in enumerate(folders, start=1):
        snapshot = _snapshot_date(snap_dir.name)
        if snapshot is None:
            if SNAPSHOT_DIR.match(snap_dir.name):  # digits and dashes: it can carry no name or NIK
                ignored.append(f"{snap_dir.name}: not a real date (YYYY-MM-DD), not read")
            else:
                ignored.append(f"folder {position} in name order: not a snapshot date (YYYY-MM-DD), not read")
            continue
        by_regency: dict[str, list[Path]] = {}
        entries = sorted(p for p in snap_dir.iterdir() if not p.name.startswith("."))
        label = _labels(snapshot, entries)
        files = [p for p in entries if p.is_file()]
        # A folder, a named pipe or a socket named like an extract (6501_bulungan.csv) is said for what
        # it is, not taken for a file that left: its regency's rows were dropped as "no longer in raw".
        rejected += [
            RejectedFile(
                snapshot, p, raw_dir, f"not a file but {_kind(p)}: send the extract as a file", label[p]
            )
            for p in entries
            if not p.is_file() and REGENCY_PREFIX.match(p.name) and p.suffix.lower() in ACCEPTED_SUFFIXES
        ]
        if snapshot > today:
            future = (
                f"snapshot {snapshot.isoformat()} is after today ({today.isoformat()}): "
                "a cut-off date cannot lie ahead"
            )
            rejected += [RejectedFile(snapshot, path, raw_dir, future, label[path]) for path in files]
            continue
        for path in files:
            regency4 = _regency_of(path.name)
            if regency4 is None:
                known = ", ".join(REGENCIES)
                problem = f"not a regency file name: it must start with one of the regency codes {known}"
                rejected.append(RejectedFile(snapshot, path, raw_dir, problem, label[path]))
                continue
            if path.suffix.lower() not in ACCEPTED_SUFFIXES:
                problem = "not an accepted format: send .csv or .xlsx"
                rejected.append(RejectedFile(snapshot, path, raw_dir, problem, label[path]))
                continue
            by_regency.setdefault(regency4, []).append(path)
        for regency4, paths in sorted(by_regency.items()):
            if len(paths) > 1:
                # Counted, not listed: each file's label already says which of them it is, and a list
                # of every name in every file's line grew with the square of the files.
                problem = f"regency {regency4} sent {len(paths):,} files for this snapshot: send one"
                rejected += [RejectedFile(snapshot, p, raw_dir, problem, label[p]) for p in paths]
                continue
            extracts.append(Extract(snapshot, regency4, paths[0], raw_dir, label[paths[0]]))
    return Inventory(extracts, rejected, ignored)
