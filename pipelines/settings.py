"""Run-time configuration, read from the environment.

Every path is made absolute once, here: dbt runs with its project directory as working directory,
so a relative warehouse path would silently point at a different file there.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
SEEDS_DIR = DBT_PROJECT_DIR / "seeds"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"


def _path(var: str, default: str) -> Path:
    raw = os.environ.get(var) or default
    p = Path(raw).expanduser()
    if not p.is_absolute():
        # Defaults are repo-relative; values given by the user are relative to where they ran it.
        base = REPO_ROOT if var not in os.environ or not os.environ.get(var) else Path.cwd()
        p = base / p
    return p.resolve()


def _float(var: str, default: float) -> float:
    raw = os.environ.get(var)
    return float(raw) if raw not in (None, "") else default


@dataclass(frozen=True)
class Settings:
    raw_dir: Path
    warehouse: Path
    publish_dir: Path
    reports_dir: Path
    # DuckDB resource limits: large snapshots spill to disk instead of failing.
    duckdb_memory_limit: str
    duckdb_threads: int
    max_reject_rate: float

    @classmethod
    def from_env(cls) -> Settings:
        warehouse = _path("KTP_WAREHOUSE", "data/warehouse/ktp.duckdb")
        return cls(
            raw_dir=_path("KTP_RAW_DIR", "data/raw"),
            warehouse=warehouse,
            publish_dir=_path("KTP_PUBLISH_DIR", "data/published"),
            reports_dir=_path("KTP_REPORTS_DIR", "data/reports"),
            duckdb_memory_limit=os.environ.get("KTP_DUCKDB_MEMORY_LIMIT", "3GB"),
            duckdb_threads=int(os.environ.get("KTP_DUCKDB_THREADS", "0") or 0),
            max_reject_rate=_float("KTP_MAX_REJECT_RATE", 0.05),
        )

    @property
    def duckdb_temp_dir(self) -> Path:
        return self.warehouse.parent / (self.warehouse.stem + ".tmp")

    def export_for_dbt(self) -> dict[str, str]:
        """Environment the dbt subprocess needs to find the same warehouse."""
        return {
            "KTP_WAREHOUSE": str(self.warehouse),
            "KTP_DUCKDB_MEMORY_LIMIT": self.duckdb_memory_limit,
            "KTP_DUCKDB_TEMP_DIR": str(self.duckdb_temp_dir),
        }
