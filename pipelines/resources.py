"""Dagster resources: where this deployment's data lives."""

from __future__ import annotations

import dagster as dg

from pipelines.settings import Settings

# Every step that opens the warehouse for writing claims a slot of this pool; dagster.yaml gives it one
# slot, because DuckDB allows a single writing process per file.
WAREHOUSE_POOL = "warehouse"


class KtpSettings(dg.ConfigurableResource):
    """Paths of one deployment. Empty fields fall back to the KTP_* environment variables."""

    raw_dir: str = ""
    warehouse: str = ""
    publish_dir: str = ""
    reports_dir: str = ""

    def resolve(self) -> Settings:
        return Settings.from_env(
            {
                "KTP_RAW_DIR": self.raw_dir,
                "KTP_WAREHOUSE": self.warehouse,
                "KTP_PUBLISH_DIR": self.publish_dir,
                "KTP_REPORTS_DIR": self.reports_dir,
            }
        )
