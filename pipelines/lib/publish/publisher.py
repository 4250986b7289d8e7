"""publish_marts: export every mart to a staged release, scan it, then swap it in, or change nothing.

A release holds each mart as Parquet and CSV, the workbook (a sheet per mart), datapackage.json (their
schemas), the coverage report (report/, made from the staged marts) and manifest.json. The PII scan
looks at every file; the manifest, which records the scan's result, is written after the scan of the
others and scanned on its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from pipelines.lib.faults import fault_point
from pipelines.lib.fsio import fsync_tree
from pipelines.lib.publish.datapackage import build_datapackage, write_datapackage
from pipelines.lib.publish.errors import PiiFoundError, PublishBlockedError
from pipelines.lib.publish.export import (
    ExportedFile,
    export_mart,
    open_warehouse,
    resolve_marts,
    snapshots_in,
)
from pipelines.lib.publish.manifest import MANIFEST_NAME, build_manifest, report_entry, write_manifest
from pipelines.lib.publish.pii_scan import scan_files, scan_for_pii
from pipelines.lib.publish.releases import ReleaseStore, release_name
from pipelines.lib.publish.report import Zones, write_report
from pipelines.lib.publish.workbook import write_workbook


def publish_marts(
    warehouse: Path,
    publish_dir: Path,
    *,
    run_id: str,
    code_list_version: str,
    validation: Mapping[str, object],
    marts: Sequence[str] | None = None,
    keep: int = 3,
    engine: str = "duckdb",
    report_zones: Zones | None = None,
) -> dict[str, object]:
    """Publish the marts of `warehouse` at `publish_dir` (a symlink to the newest release).

    `validation` is recorded in the manifest as given (e.g. {"success": True, "report": "/path"});
    a `"success": False` in it refuses the run. With `report_zones`, the release also holds the coverage
    report (report/, made from the release's own marts and scanned with them). Raises PublishError
    (PiiFoundError for personal data) with the previous publication untouched. Returns the manifest
    written.
    """
    if keep < 1:
        raise ValueError("keep must be at least 1: the current release is always kept")
    if not run_id:
        raise ValueError("run_id is required")
    if validation.get("success") is False:
        raise PublishBlockedError(f"validation did not pass, nothing published: {dict(validation)}")

    store = ReleaseStore(Path(publish_dir))
    published_at = datetime.now(UTC)
    name = release_name(run_id, published_at)
    with store.locked():
        staging = store.new_staging(name)
        try:
            files, snapshots = _stage(Path(warehouse), staging, marts, code_list_version)
            report = None
            if report_zones is not None:
                # From the staged files, not the warehouse: the report shows what this release publishes.
                report = [
                    report_entry(staging, path)
                    for path in write_report(staging, zones=report_zones, validation=validation)
                ]
            findings = scan_for_pii(staging)
            if findings:
                raise PiiFoundError(findings)
            pii = {
                "check": "pii_scan",
                "blocking": True,
                "passed": True,
                "files_scanned": sorted(f.file for f in files)
                + [entry["file"] for entry in report or []]
                + [MANIFEST_NAME],
            }
            manifest = build_manifest(
                run_id=run_id,
                release=name,
                published_at=published_at,
                code_list_version=code_list_version,
                engine=engine,
                snapshots=snapshots,
                validation={**validation, "checks": [*validation.get("checks", []), pii]},
                files=files,
                report=report,
            )
            findings = scan_files([write_manifest(manifest, staging)])
            if findings:
                raise PiiFoundError(findings)
            fault_point("after_export")
            fsync_tree(staging)
            release = store.finalize(staging, name)
        except BaseException:
            store.discard(staging)
            raise
        fault_point("before_swap")
        store.swap_to(release)
        fault_point("after_swap")
        store.prune(keep)
    return manifest


def _stage(
    warehouse: Path, staging: Path, marts: Sequence[str] | None, code_list_version: str
) -> tuple[list[ExportedFile], list[str]]:
    """Every file of the release but the manifest; the files and the snapshots they hold."""
    with open_warehouse(warehouse) as con:
        files = []
        for mart in resolve_marts(con, marts):
            files += export_mart(con, mart, staging)
        snapshots = snapshots_in(con, [staging / f.file for f in files if f.format == "parquet"])
        newest = dt.date.fromisoformat(max(snapshots)) if snapshots else dt.date(2000, 1, 1)
        workbook = write_workbook(con, files, staging, created=newest)
    package = build_datapackage(
        files=files, workbook=workbook, snapshots=snapshots, code_list_version=code_list_version
    )
    path = write_datapackage(package, staging)
    return [*files, workbook, ExportedFile.of(path, None, "json", None)], snapshots
