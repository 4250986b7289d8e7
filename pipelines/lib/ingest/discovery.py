"""Finding the extracts in the raw directory: `<raw>/<YYYY-MM-DD>/<regency code>...`."""

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
_NAMES_SHOWN = 5  # of several files claiming one regency


@dataclass(frozen=True)
class Extract:
    snapshot: date
    regency4: str  # '6501', as the file name starts
    path: Path
    raw_dir: Path

    @property
    def regency_code(self) -> str:
        return dotted_regency(self.regency4)

    @property
    def source_file(self) -> str:
        return f"{self.snapshot.isoformat()}/{self.path.name}"

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

    @property
    def source_file(self) -> str:
        return f"{self.snapshot.isoformat()}/{self.path.name}"


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
    in `ignored` (the run names them) and otherwise left alone, so answer keys, READMEs or generated
    data sets can sit beside the snapshots. A snapshot dated after `today` (default: today) cannot be
    a cut-off that has passed: each of its files is rejected.
    """
    extracts: list[Extract] = []
    rejected: list[RejectedFile] = []
    ignored: list[str] = []
    today = today or date.today()
    if not raw_dir.is_dir():
        return Inventory(extracts, rejected, ignored)
    for snap_dir in sorted(p for p in raw_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
        snapshot = _snapshot_date(snap_dir.name)
        if snapshot is None:
            why = "not a real date" if SNAPSHOT_DIR.match(snap_dir.name) else "not a snapshot date"
            ignored.append(f"{snap_dir.name}: {why} (YYYY-MM-DD), not read")
            continue
        by_regency: dict[str, list[Path]] = {}
        entries = sorted(p for p in snap_dir.iterdir() if not p.name.startswith("."))
        files = [p for p in entries if p.is_file()]
        # A folder, a named pipe or a socket named like an extract (6501_bulungan.csv) is said for what
        # it is, not taken for a file that left: its regency's rows were dropped as "no longer in raw".
        rejected += [
            RejectedFile(snapshot, p, raw_dir, f"not a file but {_kind(p)}: send the extract as a file")
            for p in entries
            if not p.is_file() and REGENCY_PREFIX.match(p.name) and p.suffix.lower() in ACCEPTED_SUFFIXES
        ]
        if snapshot > today:
            future = (
                f"snapshot {snapshot.isoformat()} is after today ({today.isoformat()}): "
                "a cut-off date cannot lie ahead"
            )
            rejected += [RejectedFile(snapshot, path, raw_dir, future) for path in files]
            continue
        for path in files:
            m = REGENCY_PREFIX.match(path.name)
            if not m or m.group(1) not in REGENCIES:
                known = ", ".join(REGENCIES)
                rejected.append(
                    RejectedFile(
                        snapshot,
                        path,
                        raw_dir,
                        f"not a regency file name: it must start with one of the regency codes {known}",
                    )
                )
                continue
            if path.suffix.lower() not in ACCEPTED_SUFFIXES:
                rejected.append(
                    RejectedFile(snapshot, path, raw_dir, "not an accepted format: send .csv or .xlsx")
                )
                continue
            by_regency.setdefault(m.group(1), []).append(path)
        for regency4, paths in sorted(by_regency.items()):
            if len(paths) > 1:
                # The regency's one refusal names its files, the first few only: a list of every name
                # in every file's line grew with the square of the files (5,000: 140 KB a line, 1.9 GB).
                shown = ", ".join(p.name for p in paths[:_NAMES_SHOWN])
                more = f" and {len(paths) - _NAMES_SHOWN:,} more" if len(paths) > _NAMES_SHOWN else ""
                problem = f"regency {regency4} sent more than one file for this snapshot ({shown}{more})"
                rejected += [RejectedFile(snapshot, p, raw_dir, problem) for p in paths]
                continue
            extracts.append(Extract(snapshot, regency4, paths[0], raw_dir))
    return Inventory(extracts, rejected, ignored)
