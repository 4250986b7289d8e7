"""Can a run start at all? Asked before anything is read or written, so a refusal leaves no trace.

Each of these otherwise surfaces in the middle of a run, as a traceback or as one failed step per
opening of the warehouse: a folder the run cannot write in, and a warehouse file that another
process (a reader's DuckDB session, a writer that is not one of our runs) holds open.
"""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

import duckdb

from pipelines.lib.publish.releases import link_path
from pipelines.lib.settings import ConfigError, Settings
from pipelines.lib.warehouse import connect

# DuckDB's IO error names the holder: 'Conflicting lock is held in /usr/bin/python3.11 (PID 3535)'.
_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")


def check_raw_dir(settings: Settings) -> None:
    """The extracts' folder must be there: a run on nothing would only say that nothing was found."""
    if not settings.raw_dir.is_dir():
        given = os.environ.get("KTP_RAW_DIR") or str(settings.raw_dir)
        raise ConfigError(
            "KTP_RAW_DIR",
            given,
            "not a directory; give the folder of the extracts, "
            "<dir>/<YYYY-MM-DD>/<regency code>_*.csv|xlsx (or --raw-dir)",
        )


class NotWritable(Exception):
    """A folder of a setting that this account cannot create or write in."""

    def __init__(self, var: str, value: Path, folder: Path, error: OSError) -> None:
        reason = error.strerror or type(error).__name__
        super().__init__(
            f"{var}={str(value)!r}: cannot write in {folder} ({reason}); make the folder writable for "
            f"this account or point {var} at one that is"
        )


class Unopenable(Exception):
    """A warehouse file DuckDB cannot open for writing: not a database, read-only, of a newer DuckDB."""

    def __init__(self, warehouse: Path, error: Exception) -> None:
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        super().__init__(
            f"KTP_WAREHOUSE={str(warehouse)!r}: DuckDB cannot open it for writing ({first}); point "
            "KTP_WAREHOUSE at a warehouse this account can write, or at a new file name"
        )


class WarehouseBusy(Exception):
    """The warehouse file is open in a process that is not one of our runs."""

    def __init__(self, warehouse: Path, message: str, *, after: str = "") -> None:
        found = _HOLDER.search(message)
        holder = "a process DuckDB did not name"
        if found:
            holder = f"pid {found['pid']}, {Path(found['program']).name}"
        self.pid = int(found["pid"]) if found else None
        if after:
            # Opened while the run was under way: the run stopped at the first step that met the lock.
            said = f"the warehouse {warehouse} was opened in another process ({holder}) during the run"
            super().__init__(f"{said}; close that connection and run again: {after}")
        else:
            super().__init__(
                f"the warehouse {warehouse} is open in another process ({holder}); close that connection "
                "and run again: nothing was done"
            )


def opened_during_run(warehouse: Path, messages: list[str], *, published: bool) -> WarehouseBusy | None:
    """The holder, when a step of the run failed on DuckDB's lock: that is the one thing to say, not the
    failures of every step that met it after."""
    for message in messages:
        if "Conflicting lock" in message:
            after = "the publication is done, its reports are not" if published else "nothing was published"
            return WarehouseBusy(warehouse, message, after=after)
    return None


def writable_folders(settings: Settings) -> list[tuple[str, Path, Path]]:
    """(variable, its value, the folder the run writes in) for every place a run writes."""
    publish = link_path(settings.publish_dir)
    return [
        ("KTP_WAREHOUSE", settings.warehouse, settings.warehouse.parent),
        ("KTP_PUBLISH_DIR", settings.publish_dir, publish.parent),
        ("KTP_REPORTS_DIR", settings.reports_dir, settings.reports_dir),
    ]


def check_writable(settings: Settings) -> None:
    """Create each folder and a file in it: the only test that holds for root, ACLs and read-only
    mounts alike (os.access answers for permission bits only)."""
    for var, value, folder in writable_folders(settings):
        probe = folder / f".write-probe-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            probe.touch()
            probe.unlink()
        except OSError as e:
            raise NotWritable(var, value, folder, e) from None


def check_warehouse_free(settings: Settings) -> None:
    """Open the warehouse for writing and close it again: DuckDB refuses while another process has it
    open, even read-only. Our own runs are kept apart by the run lock, taken before this."""
    if not settings.warehouse.exists():
        return
    try:
        with connect(settings):
            pass
    except duckdb.Error as e:
        if isinstance(e, duckdb.IOException) and "Conflicting lock" in str(e):
            raise WarehouseBusy(settings.warehouse, str(e)) from None
        raise Unopenable(settings.warehouse, e) from None
