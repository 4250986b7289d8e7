"""What has landed already, read from the landing records alone (no database, no Dagster instance).

The landing folder is the truth about which version of each file was dealt with, whoever landed it:
a headless run, a `make dev` landing run, or a session whose Dagster instance is gone. The sensor asks
here so that its first tick does not land again what is landed already.
"""

from __future__ import annotations

from pathlib import Path

from pipelines.lib.ingest.discovery import partition_key
from pipelines.lib.ingest.landing import ANCHOR_SNAPSHOT, FILE_RECORD, read_record


def landed_partitions(landing: Path) -> dict[str, Path]:
    """Partition key -> folder, for every (snapshot, regency) folder in the landing (the anchor aside)."""
    out = {}
    for part in landing.glob("snapshot_date=*/regency_code=*"):
        snapshot = part.parent.name.removeprefix("snapshot_date=")
        if snapshot != ANCHOR_SNAPSHOT:
            out[partition_key(snapshot, part.name.removeprefix("regency_code=").replace(".", ""))] = part
    return out


def landed_record(part: Path | None) -> dict | None:
    return read_record(part / FILE_RECORD) if part is not None else None


def landed_version(record: dict | None) -> tuple[str, int, int] | None:
    """(source file, size, modification time) of the file version a landing record was made from.

    A refused file's record counts too: that version was judged, and landing it again refuses it again.
    None when there is no record or it does not say (e.g. two files claimed the regency).
    """
    if record is None or record["size_bytes"] is None or record["mtime_ns"] is None:
        return None
    return record["source_file"], record["size_bytes"], record["mtime_ns"]


def record_metadata(record: dict) -> dict[str, object]:
    """What the UI shows of a landing known only from its record."""
    return {
        "source_file": record["source_file"],
        "sha256": record["sha256"] or "",
        "rows_landed": record["rows_landed"],
        "landed_at": record["landed_at"].isoformat(),
        "landed_by_run": record["run_id"] or "",
    }
