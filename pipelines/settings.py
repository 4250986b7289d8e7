"""Run-time configuration, read from the environment.

Every path is made absolute once, here: dbt runs with its project directory as working directory,
so a relative warehouse path would silently point at a different file there.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
SEEDS_DIR = DBT_PROJECT_DIR / "seeds"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"
# DuckDB's own cap; Arrow buffers, Python and (separately) dbt come on top. At ten times Kaltara's
# population, 1.5 GB keeps the whole process tree under 4 GB for a few seconds more of spilling.
DEFAULT_MEMORY_LIMIT = "1536MB"
WAREHOUSE_SCHEMAS = ("ingest", "audit", "staging", "intermediate", "marts", "reference", "main")


def _path(env: Mapping[str, str], var: str, default: str) -> Path:
    given = env.get(var) or ""
    p = Path(given or default).expanduser()
    if not p.is_absolute():
        # Defaults are repo-relative; values given by the user are relative to where they ran it.
        p = (Path.cwd() if given else REPO_ROOT) / p
    # abspath, not resolve(): the publication directory is a symlink swapped on every release, and
    # resolving it would pin one release.
    return Path(os.path.abspath(p))


def _float(env: Mapping[str, str], var: str, default: float) -> float:
    raw = env.get(var)
    return float(raw) if raw not in (None, "") else default


def _optional_float(env: Mapping[str, str], var: str) -> float | None:
    raw = env.get(var)
    return float(raw) if raw else None


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
    # dbt vars of the marts (dbt_project.yml documents them); None leaves dbt's default.
    zone_kuning_min_pct: float | None = None
    zone_hijau_min_pct: float | None = None
    target_date: str | None = None

    @classmethod
    def from_env(cls, overrides: Mapping[str, str] | None = None) -> Settings:
        """Settings from the environment; non-empty `overrides` win over it."""
        env = dict(os.environ)
        env.update({k: v for k, v in (overrides or {}).items() if v})
        return cls(
            raw_dir=_path(env, "KTP_RAW_DIR", "data/raw"),
            warehouse=_path(env, "KTP_WAREHOUSE", "data/warehouse/ktp.duckdb"),
            publish_dir=_path(env, "KTP_PUBLISH_DIR", "data/published"),
            reports_dir=_path(env, "KTP_REPORTS_DIR", "data/reports"),
            duckdb_memory_limit=env.get("KTP_DUCKDB_MEMORY_LIMIT") or DEFAULT_MEMORY_LIMIT,
            duckdb_threads=int(env.get("KTP_DUCKDB_THREADS") or 0),
            max_reject_rate=_float(env, "KTP_MAX_REJECT_RATE", 0.05),
            zone_kuning_min_pct=_optional_float(env, "KTP_ZONE_KUNING_MIN_PCT"),
            zone_hijau_min_pct=_optional_float(env, "KTP_ZONE_HIJAU_MIN_PCT"),
            target_date=env.get("KTP_TARGET_DATE") or None,
        )

    def dbt_vars(self) -> dict[str, object]:
        given = {
            "zone_kuning_min_pct": self.zone_kuning_min_pct,
            "zone_hijau_min_pct": self.zone_hijau_min_pct,
            "target_date": self.target_date,
        }
        return {k: v for k, v in given.items() if v is not None}

    def __post_init__(self) -> None:
        # DuckDB names the catalog after the file: `ingest.duckdb` would make `ingest.files` ambiguous.
        if self.warehouse.stem.lower() in WAREHOUSE_SCHEMAS:
            raise ValueError(
                f"KTP_WAREHOUSE {self.warehouse}: the file name {self.warehouse.stem!r} is also a schema of "
                "the warehouse; choose another name, e.g. ktp.duckdb"
            )

    @property
    def duckdb_temp_dir(self) -> Path:
        return self.warehouse.parent / (self.warehouse.stem + ".tmp")

    @property
    def dbt_target_dir(self) -> Path:
        """dbt's target folder for this warehouse: its partial_parse.msgpack stays valid between runs
        (dbt re-parses everything when the profile, which names the warehouse, differs)."""
        return self.warehouse.parent / (self.warehouse.stem + ".dbt")

    @property
    def landing_dir(self) -> Path:
        """Where extracts land as Parquet before dbt judges them (pipelines/ingest/landing.py)."""
        return self.warehouse.parent / (self.warehouse.stem + ".landing")

    def export_for_dbt(self) -> dict[str, str]:
        """Environment the dbt subprocess needs to find the same warehouse and its landing folder."""
        return {
            "KTP_WAREHOUSE": str(self.warehouse),
            "KTP_LANDING_DIR": str(self.landing_dir),
            "KTP_DUCKDB_MEMORY_LIMIT": self.duckdb_memory_limit,
            "KTP_DUCKDB_TEMP_DIR": str(self.duckdb_temp_dir),
        }
