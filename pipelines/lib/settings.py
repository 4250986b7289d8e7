"""Run-time configuration, read from the environment.

Every path is made absolute once, here: dbt runs with its project directory as working directory,
so a relative warehouse path would silently point at a different file there.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
SEEDS_DIR = DBT_PROJECT_DIR / "seeds"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"
# DuckDB's own cap; Arrow buffers, Python and (separately) dbt come on top. At ten times Kaltara's
# population, 1.5 GB keeps the whole process tree under 4 GB for a few seconds more of spilling.
DEFAULT_MEMORY_LIMIT = "1536MB"
# How long a run waits for another run on the same warehouse (pipelines/lib/runs/run_lock.py) before it stops.
DEFAULT_LOCK_WAIT_SECONDS = 600.0
_LOCK_WAIT_MAX = 86400.0
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


class ConfigError(ValueError):
    """A KTP_* variable with a value the pipeline cannot use: one line, naming it and what is allowed."""

    def __init__(self, var: str, raw: str, allowed: str) -> None:
        super().__init__(f"{var}={raw!r}: {allowed}")


def _number(env: Mapping[str, str], var: str, default: float | None, lo: float, hi: float, allowed: str):
    """A finite number in [lo, hi], or `default` when unset. NaN and infinities are refused: a NaN
    limit makes every comparison false, which would switch a blocking check off without a word."""
    raw = (env.get(var) or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(var, raw, allowed) from None
    if not math.isfinite(value) or not lo <= value <= hi:
        raise ConfigError(var, raw, allowed)
    return value


_RATE = "a fraction in [0, 1], e.g. 0.05 for 5 %"
_PCT = "a percentage in [0, 100], e.g. 85"
_MEMORY = re.compile(r"(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)", re.IGNORECASE)
_MEMORY_FLOOR_MB = 256  # below this DuckDB fails part-way at Kaltara's size, with an error instead
_UNIT_MB = {"B": 1 / 2**20, "KB": 1e3 / 2**20, "MB": 1e6 / 2**20, "GB": 1e9 / 2**20, "TB": 1e12 / 2**20,
            "KIB": 1 / 1024, "MIB": 1, "GIB": 1024, "TIB": 1024**2}  # fmt: skip
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
ENGINES = ("duckdb", "spark")
SPARK_LOG4J = REPO_ROOT / "pipelines" / "lib" / "engines" / "spark_log4j2.properties"
# local, local[4], local[*], spark://host:7077, yarn, k8s://https://host:443, mesos://...
_SPARK_MASTER = re.compile(r"local(\[(\d+|\*)\])?|(spark|mesos|k8s)://\S+|yarn")
_SPARK_MEMORY = re.compile(r"\d+[kmgt]?", re.IGNORECASE)


def _memory_limit(env: Mapping[str, str]) -> str:
    raw = (env.get("KTP_DUCKDB_MEMORY_LIMIT") or "").strip()
    if not raw:
        return DEFAULT_MEMORY_LIMIT
    allowed = f"an amount of memory such as 1536MB or 4GB, at least {_MEMORY_FLOOR_MB}MB"
    match = _MEMORY.fullmatch(raw)
    if not match or float(match[1]) * _UNIT_MB[match[2].upper()] < _MEMORY_FLOOR_MB:
        raise ConfigError("KTP_DUCKDB_MEMORY_LIMIT", raw, allowed)
    return raw


def _threads(env: Mapping[str, str]) -> int:
    raw = (env.get("KTP_DUCKDB_THREADS") or "").strip()
    if not raw:
        return 0
    if not raw.isdigit():
        raise ConfigError("KTP_DUCKDB_THREADS", raw, "a whole number of threads, 0 for one per core")
    return int(raw)


def _target_date(env: Mapping[str, str]) -> str | None:
    raw = (env.get("KTP_TARGET_DATE") or "").strip()
    if not raw:
        return None
    try:
        # fromisoformat also takes 20261130 and week dates: only the form the README gives is meant.
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            return dt.date.fromisoformat(raw).isoformat()
    except ValueError:
        pass
    raise ConfigError("KTP_TARGET_DATE", raw, "a date as YYYY-MM-DD, e.g. 2026-11-30")


def _engine(env: Mapping[str, str]) -> str:
    raw = (env.get("KTP_ENGINE") or "").strip()
    if not raw:
        return "duckdb"
    if raw.lower() not in ENGINES:
        raise ConfigError("KTP_ENGINE", raw, "one of " + ", ".join(ENGINES))
    return raw.lower()


def _check_spark(env: Mapping[str, str]) -> None:
    master = (env.get("KTP_SPARK_MASTER") or "").strip()
    if master and not _SPARK_MASTER.fullmatch(master):
        raise ConfigError(
            "KTP_SPARK_MASTER",
            master,
            "a Spark master URL: local[*], local[2], spark://host:7077, yarn, k8s://...",
        )
    memory = (env.get("KTP_SPARK_DRIVER_MEMORY") or "").strip()
    if memory and not _SPARK_MEMORY.fullmatch(memory):
        raise ConfigError("KTP_SPARK_DRIVER_MEMORY", memory, "a JVM memory size such as 2g or 4096m")
    for var in ("KTP_SPARK_SHUFFLE_PARTITIONS", "KTP_SPARK_DBT_THREADS"):
        raw = (env.get(var) or "").strip()
        if raw and not (raw.isdigit() and int(raw) > 0):
            raise ConfigError(var, raw, "a whole number, at least 1")


def check_environment(env: Mapping[str, str]) -> None:
    """Every KTP_* setting that Settings does not carry, checked with the rest before any work starts."""
    _check_spark(env)
    level = (env.get("KTP_LOG_LEVEL") or "").strip()
    if level and level.upper() not in LOG_LEVELS:
        raise ConfigError("KTP_LOG_LEVEL", level, "one of " + ", ".join(LOG_LEVELS))


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
    # What builds the tables: DuckDB in the warehouse file, or Spark beside it (spark_dir).
    engine: str = "duckdb"
    lock_wait_seconds: float = DEFAULT_LOCK_WAIT_SECONDS
    # Limits of the (non-blocking) warnings suite: a district's modified z-score above which its change
    # is reported, and the largest relative gap to Dukcapil's published population.
    outlier_z: float = 3.5
    population_tolerance: float = 0.10

    @classmethod
    def from_env(cls, overrides: Mapping[str, str] | None = None) -> Settings:
        """Settings from the environment; non-empty `overrides` win over it."""
        env = dict(os.environ)
        env.update({k: v for k, v in (overrides or {}).items() if v})
        check_environment(env)
        kuning = _number(env, "KTP_ZONE_KUNING_MIN_PCT", None, 0.0, 100.0, _PCT)
        hijau = _number(env, "KTP_ZONE_HIJAU_MIN_PCT", None, 0.0, 100.0, _PCT)
        if kuning is not None and hijau is not None and not kuning < hijau:
            raise ConfigError(
                "KTP_ZONE_KUNING_MIN_PCT", env["KTP_ZONE_KUNING_MIN_PCT"], "below KTP_ZONE_HIJAU_MIN_PCT"
            )
        return cls(
            raw_dir=_path(env, "KTP_RAW_DIR", "data/raw"),
            warehouse=_path(env, "KTP_WAREHOUSE", "data/warehouse/ktp.duckdb"),
            publish_dir=_path(env, "KTP_PUBLISH_DIR", "data/published"),
            reports_dir=_path(env, "KTP_REPORTS_DIR", "data/reports"),
            duckdb_memory_limit=_memory_limit(env),
            duckdb_threads=_threads(env),
            max_reject_rate=_number(env, "KTP_MAX_REJECT_RATE", 0.05, 0.0, 1.0, _RATE),
            outlier_z=_number(env, "KTP_OUTLIER_Z", 3.5, 1e-9, 1e6, "a positive number, e.g. 3.5"),
            population_tolerance=_number(env, "KTP_POPULATION_TOLERANCE", 0.10, 0.0, 1.0, _RATE),
            zone_kuning_min_pct=kuning,
            zone_hijau_min_pct=hijau,
            target_date=_target_date(env),
            engine=_engine(env),
            lock_wait_seconds=_number(
                env,
                "KTP_LOCK_WAIT_SECONDS",
                DEFAULT_LOCK_WAIT_SECONDS,
                0.0,
                _LOCK_WAIT_MAX,
                f"a number of seconds in [0, {_LOCK_WAIT_MAX:g}], 0 to stop at once when another run holds "
                "the warehouse",
            ),
        )

    def checks_switched_off(self) -> list[str]:
        """The blocking checks a setting has switched off. One setting can, and says so: a reject rate of
        1 lets every file reject all its rows. Said in the run's output and in the manifest."""
        if self.max_reject_rate >= 1.0:
            return [
                f"reject_rate_within_limit (KTP_MAX_REJECT_RATE={self.max_reject_rate:g}: a file may reject "
                "all its rows)"
            ]
        return []

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
            raise ConfigError(
                "KTP_WAREHOUSE",
                str(self.warehouse),
                f"the file name {self.warehouse.stem!r} is also a schema of the warehouse; choose another "
                "name, e.g. ktp.duckdb",
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
        """Where extracts land as Parquet before dbt judges them (pipelines/lib/ingest/landing.py)."""
        return self.warehouse.parent / (self.warehouse.stem + ".landing")

    @property
    def spark_dir(self) -> Path:
        """On Spark: its tables (warehouse/), its metastore, its scratch space and its log."""
        return self.warehouse.parent / (self.warehouse.stem + ".spark")

    def export_for_dbt(self) -> dict[str, str]:
        """Environment the dbt subprocess needs to find the same warehouse and its landing folder."""
        return {
            "KTP_ENGINE": self.engine,
            "KTP_SPARK_DIR": str(self.spark_dir),
            "KTP_SPARK_LOG4J": str(SPARK_LOG4J),
            "KTP_WAREHOUSE": str(self.warehouse),
            "KTP_LANDING_DIR": str(self.landing_dir),
            "KTP_DUCKDB_MEMORY_LIMIT": self.duckdb_memory_limit,
            "KTP_DUCKDB_TEMP_DIR": str(self.duckdb_temp_dir),
        }
