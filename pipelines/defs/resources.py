"""Resources every stage uses: the deployment's settings, and the warehouse's run lock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
from pydantic import PrivateAttr

from pipelines.lib.runs.run_lock import run_lock
from pipelines.lib.settings import Settings

# Every step that opens the warehouse for writing is in this pool, so the UI shows which steps write it.
# One writing run at a time is the run lock's job (WarehouseRunLock), not the pool's: see dagster.yaml.
WAREHOUSE_POOL = "warehouse"


class KtpSettings(dg.ConfigurableResource):
    """The deployment's settings (pipelines/lib/settings.py), read once per run. Empty fields fall back
    to the KTP_* environment variables."""

    raw_dir: str = ""
    warehouse: str = ""
    publish_dir: str = ""
    reports_dir: str = ""
    _settings: Settings | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._settings = self._read()

    @property
    def settings(self) -> Settings:
        return self._settings if self._settings is not None else self._read()

    def _read(self) -> Settings:
        return Settings.from_env(
            {
                "KTP_RAW_DIR": self.raw_dir,
                "KTP_WAREHOUSE": self.warehouse,
                "KTP_PUBLISH_DIR": self.publish_dir,
                "KTP_REPORTS_DIR": self.reports_dir,
            }
        )


class WarehouseRunLock(dg.ConfigurableResource):
    """The warehouse's run lock (pipelines/lib/runs/run_lock.py) for the length of a Dagster run.

    Runs execute in one process (in_process_executor), so the resource is set up once per run: a build
    holds the lock from its first step to its last, whoever launched it, and two builds wait for each
    other. The headless run takes the lock before its Dagster runs; the lock is re-entrant within the
    process, so they pass straight through.
    """

    ktp: KtpSettings

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[WarehouseRunLock]:
        settings = self.ktp.settings
        say = context.log.info if context.log is not None else print
        with run_lock(settings, settings.lock_wait_seconds, say=say):
            yield self


ktp = KtpSettings()
defs = dg.Definitions(resources={"ktp": ktp, "run_lock": WarehouseRunLock(ktp=ktp)})
