"""One partition per extract file: the snapshot it belongs to and the regency that sent it."""

import dagster as dg

from pipelines.lib.ingest.contract import REGENCIES
from pipelines.lib.ingest.discovery import regency_key

snapshot_partitions = dg.DynamicPartitionsDefinition(name="snapshots")
# The UI lists partitions by key: the regency's code and name, "6501 Bulungan".
regency_partitions = dg.StaticPartitionsDefinition([regency_key(code) for code in REGENCIES])
# Dimension names sort to (regency, snapshot): a key reads "6501 Bulungan|2026-03-31".
extract_partitions = dg.MultiPartitionsDefinition(
    {"snapshot": snapshot_partitions, "regency": regency_partitions}
)
