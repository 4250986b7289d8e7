"""One partition per extract file: the snapshot it belongs to and the regency that sent it."""

import dagster as dg

from pipelines.lib.ingest.contract import REGENCIES

snapshot_partitions = dg.DynamicPartitionsDefinition(name="snapshots")
regency_partitions = dg.StaticPartitionsDefinition(list(REGENCIES))
# Dimension names sort to (regency, snapshot): a key reads "6501|2026-03-31".
extract_partitions = dg.MultiPartitionsDefinition(
    {"snapshot": snapshot_partitions, "regency": regency_partitions}
)
