"""manifest.json: what a release holds and why it was allowed out, for readers and auditors."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from pipelines.lib.fsio import sha256_of
from pipelines.lib.publish.export import ExportedFile

MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1


def build_manifest(
    *,
    run_id: str,
    release: str,
    published_at: datetime,
    code_list_version: str,
    engine: str,
    snapshots: Sequence[str],
    validation: Mapping[str, object],
    files: Sequence[ExportedFile],
    report: Sequence[Mapping[str, object]] | None = None,
) -> dict[str, object]:
    return {
        "manifest_version": MANIFEST_VERSION,
        "run_id": run_id,
        "release": release,
        "published_at": published_at.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "code_list_version": code_list_version,
        # what built the marts (KTP_ENGINE): the files are the same on either
        "engine": engine,
        "snapshots": list(snapshots),
        # Round-tripped through JSON so the returned dict equals what a reader loads from the file.
        "validation": json.loads(json.dumps(dict(validation), default=str)),
        "files": [f.as_manifest_entry() for f in files],
        # The coverage report (pipelines/lib/publish/report/), made from these files; None when not asked for.
        "report": None if report is None else {"page": "report/index.html", "files": list(report)},
    }


def report_entry(release: Path, path: Path) -> dict[str, object]:
    return {
        "file": path.relative_to(release).as_posix(),
        "bytes": path.stat().st_size,
        "sha256": sha256_of(path),
    }


def write_manifest(manifest: Mapping[str, object], directory: Path) -> Path:
    path = directory / MANIFEST_NAME
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
