"""publish_marts: export every mart to a staged release, scan it, then swap it in, or change nothing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from pipelines.publish.errors import PiiFoundError, PublishBlockedError
from pipelines.publish.export import export_mart, open_warehouse, resolve_marts, snapshots_in
from pipelines.publish.faults import fault_point
from pipelines.publish.fsio import fsync_tree
from pipelines.publish.manifest import build_manifest, report_entry, write_manifest
from pipelines.publish.pii_scan import scan_for_pii
from pipelines.publish.releases import ReleaseStore, release_name
from pipelines.report import Zones, write_report


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
            manifest = _stage(
                Path(warehouse),
                staging,
                marts,
                run_id,
                name,
                published_at,
                code_list_version,
                validation,
                engine,
                report_zones,
            )
            fault_point("after_export")
            fsync_tree(staging)
            findings = scan_for_pii(staging)
            if findings:
                raise PiiFoundError(findings)
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
    warehouse: Path,
    staging: Path,
    marts: Sequence[str] | None,
    run_id: str,
    name: str,
    published_at: datetime,
    code_list_version: str,
    validation: Mapping[str, object],
    engine: str,
    report_zones: Zones | None,
) -> dict[str, object]:
    con = open_warehouse(warehouse)
    try:
        files = []
        for mart in resolve_marts(con, marts):
            files += export_mart(con, mart, staging)
        snapshots = snapshots_in(con, [staging / f.file for f in files if f.format == "parquet"])
    finally:
        con.close()
    report = None
    if report_zones is not None:
        # From the staged files, not the warehouse: the report shows what this release publishes.
        report = write_report(staging, zones=report_zones, validation=validation)
    manifest = build_manifest(
        run_id=run_id,
        release=name,
        published_at=published_at,
        code_list_version=code_list_version,
        engine=engine,
        snapshots=snapshots,
        validation=validation,
        files=files,
        report=[report_entry(staging, path) for path in report] if report is not None else None,
    )
    write_manifest(manifest, staging)
    return manifest
