"""Which publication the audit reports belong to: `<reports>/reports.made_from.json`.

The reports are written after the swap, so a run killed in between leaves a new publication beside the
previous run's listings and docs. Their existence says nothing about that; this stamp does. It is
removed when the reports start and written last, atomically, once every report is in place, naming
the release they were made for and what each report was made from: the warehouse's inputs
fingerprint (the one the manifest records), the quarantine's own per-snapshot stamps
(quarantine.made_from.json, by hash) and the dbt docs' fingerprint. The nothing-changed check trusts
the reports only when all of it still matches the current manifest and the files on disk.
"""

from __future__ import annotations

import json
from pathlib import Path

from pipelines.lib.fsio import atomic_write, sha256_of
from pipelines.lib.publish.dbt_docs import FINGERPRINT, docs_dir
from pipelines.lib.publish.quarantine import SOURCE_STAMPS
from pipelines.lib.quality.context import data_docs_dir
from pipelines.lib.settings import Settings

STAMP = "reports.made_from.json"


def stamp_path(settings: Settings) -> Path:
    return settings.reports_dir / STAMP


def current_manifest(settings: Settings) -> dict | None:
    try:
        data = json.loads((Path(settings.publish_dir) / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def publication_of(manifest: dict | None) -> tuple[str | None, str | None]:
    """(release, inputs fingerprint) of a manifest."""
    if manifest is None:
        return None, None
    validation = manifest.get("validation") or {}
    return manifest.get("release"), validation.get("inputs_fingerprint")


def _file_digest(path: Path) -> str | None:
    try:
        return sha256_of(path)
    except OSError:
        return None


def _parts(settings: Settings) -> dict[str, str | None]:
    """What the reports on disk were made from, as their own stamps say."""
    try:
        docs = (docs_dir(settings) / FINGERPRINT).read_text(encoding="utf-8")
    except OSError:
        docs = None
    return {"quarantine": _file_digest(settings.reports_dir / SOURCE_STAMPS), "dbt_docs": docs}


def invalidate(settings: Settings) -> None:
    """Before any report is touched: a run that dies while writing them leaves no stamp at all."""
    stamp_path(settings).unlink(missing_ok=True)


def write(settings: Settings, inputs_fingerprint: str) -> dict:
    """Stamp the reports just written. `inputs_fingerprint` is the warehouse's now: the release is named
    only when the current publication was made from the same inputs (a blocked run's reports belong to
    no publication)."""
    release, published = publication_of(current_manifest(settings))
    stamp = {
        "release": release if published == inputs_fingerprint else None,
        "inputs_fingerprint": inputs_fingerprint,
        **_parts(settings),
    }
    atomic_write(stamp_path(settings), json.dumps(stamp, indent=1, sort_keys=True))
    return stamp


def reports_current(settings: Settings) -> bool:
    """True when the reports on disk were made for the current publication and not touched since."""
    release, published = publication_of(current_manifest(settings))
    try:
        stamp = json.loads(stamp_path(settings).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(stamp, dict) or release is None or published is None:
        return False
    if stamp.get("release") != release or stamp.get("inputs_fingerprint") != published:
        return False
    parts = _parts(settings)
    if any(value is None or stamp.get(name) != value for name, value in parts.items()):
        return False
    return (docs_dir(settings) / "index.html").is_file() and (
        data_docs_dir(settings.reports_dir) / "index.html"
    ).is_file()
