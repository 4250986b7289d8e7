"""Stage 1, landing: each (regency, snapshot) file lands as all-text Parquet beside the warehouse.

`extract_inventory` is the first step of every build: it lands every file of the raw directory that is
new or changed, in parallel (landing opens no database), drops the landings of files that left, and
records files whose name names no regency. Each file it lands is recorded as the materialization of
its `regency_extract` partition, in the build's run, and each file it refuses as an observation of
that partition saying why, so the partitions say which run landed what. `regency_extract` lands one
file on its own, for a person re-landing it from the UI.
"""

import dagster as dg

from pipelines.defs.ingest.partitions import extract_partitions, snapshot_partitions
from pipelines.defs.resources import KtpSettings
from pipelines.lib.faults import fault_point
from pipelines.lib.ingest.contract import REGENCIES
from pipelines.lib.ingest.discovery import scan
from pipelines.lib.ingest.landing import Landed, ensure_layout, land_all, land_work, plan

# The group of every ingest asset, the dbt models of schema `ingest` included: a key prefix and a group
# name that agree.
GROUP = "ingest"


def landed_metadata(landed: Landed) -> dict[str, object]:
    """What the UI shows of one landing."""
    meta: dict[str, object] = {
        "source_file": landed.source_file,
        "regency": _regency(landed.regency_code),
        "sha256": landed.sha256 or "",
        "unchanged": landed.status == "unchanged",
        "rows_landed": landed.rows,
    }
    if landed.status == "landed":
        meta.update({**landed.details, "seconds": landed.seconds})
    if landed.landed_again:
        meta["landed_again_because"] = landed.landed_again
    return meta


def _regency(code: str | None) -> str:
    if code is None:
        return ""
    plain = code.replace(".", "")
    return f"{plain} {REGENCIES.get(plain, '')}".strip()


def _events(landed: Landed) -> dg.AssetMaterialization | dg.AssetObservation | None:
    """The event a landing leaves on its partition: a materialization for rows landed, an observation
    naming the reason for a refusal, nothing for a file landed before as it is."""
    if landed.partition_key is None or landed.status == "unchanged":
        return None
    if landed.status == "refused":
        return dg.AssetObservation(
            asset_key=regency_extract.key,
            partition=landed.partition_key,
            description=f"refused: {landed.error}",
            metadata={"source_file": landed.source_file, "refused": landed.error or ""},
        )
    return dg.AssetMaterialization(
        asset_key=regency_extract.key, partition=landed.partition_key, metadata=landed_metadata(landed)
    )


@dg.asset(
    partitions_def=extract_partitions,
    group_name=GROUP,
    kinds={"parquet", "python"},
    description=(
        "One regency's extract for one snapshot, landed as all-text Parquet beside the warehouse after "
        "the whole-file checks of the extract contract (name, encoding, columns, not empty). Every build "
        "lands the changed files itself (extract_inventory); materialize a partition here to land one "
        "file again on its own."
    ),
)
def regency_extract(context: dg.AssetExecutionContext, ktp: KtpSettings) -> dg.MaterializeResult:
    settings = ktp.settings
    work, _ = plan(scan(settings.raw_dir))
    item = next((w for w in work if w.partition_key == context.partition_key), None)
    if item is None:
        raise dg.Failure(
            description=f"no extract for partition {context.partition_key} in {settings.raw_dir}",
            metadata={"raw_dir": str(settings.raw_dir)},
        )
    ensure_layout(settings.landing_dir)
    landed = land_work(settings.landing_dir, item, run_id=context.run.run_id)
    if landed.status == "refused":
        raise dg.Failure(
            description=f"{landed.source_file}: {landed.error}",
            metadata={"file": landed.source_file, "problem": landed.error or ""},
        )
    if landed.status == "unchanged":
        context.log.info(f"{landed.source_file} unchanged (sha256 already landed): nothing read")
    if landed.landed_again:
        context.log.warning(f"{landed.source_file}: landed again from the raw file: {landed.landed_again}")
    # The data version is the file's content: unchanged files do not ripple downstream as new data.
    return dg.MaterializeResult(metadata=landed_metadata(landed), data_version=dg.DataVersion(landed.sha256))


@dg.asset(
    deps=[regency_extract],
    group_name=GROUP,
    kinds={"parquet", "python"},
    description=(
        "The landing folder in step with the raw directory: every new or changed file lands (in "
        "parallel; each landing shows on its regency_extract partition), files that left are dropped "
        "(dbt then deletes their rows), files whose name names no regency are recorded as refused."
    ),
)
def extract_inventory(context: dg.AssetExecutionContext, ktp: KtpSettings) -> dg.MaterializeResult:
    settings = ktp.settings
    inventory = scan(settings.raw_dir)
    known = set(context.instance.get_dynamic_partitions(snapshot_partitions.name))
    context.instance.add_dynamic_partitions(
        snapshot_partitions.name, [s for s in inventory.snapshots if s not in known]
    )

    def landed_one(landed: Landed) -> None:
        event = _events(landed)
        if event is not None:
            context.log_event(event)
        if landed.status == "refused":
            context.log.warning(f"{landed.source_file}: {landed.error}")
        if landed.landed_again:
            context.log.warning(
                f"{landed.source_file}: landed again from the raw file: {landed.landed_again}"
            )

    results, dropped = land_all(
        settings.landing_dir, inventory, run_id=context.run.run_id, on_landed=landed_one
    )
    fault_point("after_landing")  # crash tests: every file landed, nothing judged yet
    counts = {s: sum(r.status == s for r in results) for s in ("landed", "unchanged", "refused")}
    return dg.MaterializeResult(
        metadata={
            "snapshots": dg.MetadataValue.json(inventory.snapshots),
            "files": len(inventory.extracts),
            **{f"files_{status}": n for status, n in counts.items()},
            "files_dropped": dg.MetadataValue.json(dropped),
            "refused": dg.MetadataValue.json(
                {r.source_file: r.error for r in results if r.status == "refused"}
            ),
            "landed_again": dg.MetadataValue.json(
                {r.source_file: r.landed_again for r in results if r.landed_again}
            ),
            "ignored_folders": dg.MetadataValue.json(inventory.ignored),
        }
    )
