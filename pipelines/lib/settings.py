"""Run-time configuration: every KTP_* setting of a deployment, read from the environment once.

Settings is one typed, frozen model. Each field is read from its variable, KTP_ and its name in capitals
(`max_reject_rate` from KTP_MAX_REJECT_RATE), its range is in the field and what is allowed is its
description. A value the pipeline cannot use stops the run with one line, `VAR='value': what is
allowed`, never with pydantic's report. Unset and blank variables leave the default.

Every path is made absolute once, here: dbt runs with its project directory as working directory,
so a relative warehouse path would silently point at a different file there.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Literal, get_args

from pydantic import (
    BaseModel,
    ByteSize,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

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
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
Engine = Literal["duckdb", "spark"]
LOG_LEVELS: tuple[str, ...] = get_args(LogLevel)
ENGINES: tuple[str, ...] = get_args(Engine)
SPARK_LOG4J = REPO_ROOT / "pipelines" / "lib" / "engines" / "spark_log4j2.properties"

_RATE = "a fraction in [0, 1], e.g. 0.05 for 5 %"
_PCT = "a percentage in [0, 100], e.g. 85"
_WHOLE = "a whole number, at least 1"
# The units DuckDB takes (ByteSize alone would also take bits and petabytes); ByteSize reads the amount.
_MEMORY = re.compile(r"\d+(?:\.\d+)?\s*(?:[KMGT]I?)?B", re.IGNORECASE)
_MEMORY_FLOOR_MB = 256  # below this DuckDB fails part-way at Kaltara's size, with an error instead
_BYTES = TypeAdapter(ByteSize)


# Characters of a path that SQL or a file pattern would read as syntax, and control characters.
_UNSAFE_IN_PATHS = re.compile(r"['\"\[\]*?{}\\\x00-\x1f\x7f]")


class ConfigError(ValueError):
    """A KTP_* variable with a value the pipeline cannot use: one line, naming it and what is allowed."""

    def __init__(self, var: str, raw: str, allowed: str) -> None:
        super().__init__(f"{var}={raw!r}: {allowed}")


class _Refused(ValueError):
    """A rule across fields broken: the variable it names and what is allowed (from_env adds the value)."""

    def __init__(self, var: str, allowed: str) -> None:
        super().__init__(allowed)
        self.var, self.allowed = var, allowed


def _in_repo(relative: str) -> Path:
    # Defaults are repo-relative; values given by the user are relative to where they ran it.
    return Path(os.path.abspath(REPO_ROOT / relative))


class Settings(BaseModel):
    """Every KTP_* setting of one deployment, checked; `from_env` reads them."""

    model_config = ConfigDict(
        frozen=True,
        alias_generator=lambda name: "KTP_" + name.upper(),
        validate_by_name=True,
        # A NaN limit makes every comparison false, which would switch a blocking check off without a word.
        allow_inf_nan=False,
    )

    raw_dir: Path = Field(_in_repo("data/raw"), description="a directory")
    warehouse: Path = Field(_in_repo("data/warehouse/ktp.duckdb"), description="a file name")
    publish_dir: Path = Field(_in_repo("data/published"), description="a path")
    reports_dir: Path = Field(_in_repo("data/reports"), description="a path")
    # DuckDB resource limits: large snapshots spill to disk instead of failing.
    duckdb_memory_limit: str = Field(
        DEFAULT_MEMORY_LIMIT,
        description=f"an amount of memory such as 1536MB or 4GB, at least {_MEMORY_FLOOR_MB}MB",
    )
    duckdb_threads: int = Field(0, ge=0, description="a whole number of threads, 0 for one per core")
    max_reject_rate: float = Field(0.05, ge=0.0, le=1.0, description=_RATE)
    # dbt vars of the marts (dbt_project.yml documents them); None leaves dbt's default.
    zone_kuning_min_pct: float | None = Field(None, ge=0.0, le=100.0, description=_PCT)
    zone_hijau_min_pct: float | None = Field(None, ge=0.0, le=100.0, description=_PCT)
    # fromisoformat also takes 20261130 and week dates: only the form the README gives is meant.
    target_date: str | None = Field(
        None, pattern=r"^\d{4}-\d{2}-\d{2}$", description="a date as YYYY-MM-DD, e.g. 2026-11-30"
    )
    # What builds the tables: DuckDB in the warehouse file, or Spark beside it (spark_dir).
    engine: Engine = Field("duckdb", description="one of " + ", ".join(ENGINES))
    lock_wait_seconds: float = Field(
        DEFAULT_LOCK_WAIT_SECONDS,
        ge=0.0,
        le=_LOCK_WAIT_MAX,
        description=f"a number of seconds in [0, {_LOCK_WAIT_MAX:g}], 0 to stop at once when another run "
        "holds the warehouse",
    )
    # Limits of the (non-blocking) warnings suite: a district's modified z-score above which its change
    # is reported, and the largest relative gap to Dukcapil's published population.
    outlier_z: float = Field(3.5, ge=1e-9, le=1e6, description="a positive number, e.g. 3.5")
    population_tolerance: float = Field(0.10, ge=0.0, le=1.0, description=_RATE)
    # Dagster's console log level (pipelines/cli/run.py).
    log_level: LogLevel = Field("WARNING", description="one of " + ", ".join(LOG_LEVELS))
    # On Spark (the profile's spark target, dbt_project/profiles.yml, has the same defaults):
    # local, local[4], local[*], spark://host:7077, yarn, k8s://https://host:443, mesos://...
    spark_master: str = Field(
        "local[*]",
        pattern=r"^(?:local(?:\[(?:\d+|\*)\])?|(?:spark|mesos|k8s)://\S+|yarn)$",
        description="a Spark master URL: local[*], local[2], spark://host:7077, yarn, k8s://...",
    )
    spark_driver_memory: str = Field(
        "2g", pattern=r"^(?i:\d+[kmgt]?)$", description="a JVM memory size such as 2g or 4096m"
    )
    spark_shuffle_partitions: int = Field(8, ge=1, description=_WHOLE)
    spark_dbt_threads: int = Field(2, ge=1, description=_WHOLE)

    @classmethod
    def from_env(cls, overrides: Mapping[str, str] | None = None) -> Settings:
        """Settings from the environment; non-empty `overrides` win over it."""
        env = {**os.environ, **{k: v for k, v in (overrides or {}).items() if v}}
        given = {}
        for field in cls.model_fields.values():
            raw = env.get(field.alias) or ""
            raw = raw if field.annotation is Path else raw.strip()  # a path is taken as given
            if raw:
                given[field.alias] = raw
        try:
            return cls.model_validate(given)
        except ValidationError as e:
            # One line naming the variable, never pydantic's report.
            error = e.errors()[0]
            cause = error.get("ctx", {}).get("error")
            if isinstance(cause, ConfigError):
                raise cause from None
            if isinstance(cause, _Refused):
                raise ConfigError(cause.var, given[cause.var], cause.allowed) from None
            var = str(error["loc"][0])
            allowed = next(f.description for f in cls.model_fields.values() if f.alias == var)
            raise ConfigError(var, given[var], str(allowed)) from None

    @field_validator("raw_dir", "warehouse", "publish_dir", "reports_dir")
    @classmethod
    def _absolute(cls, path: Path) -> Path:
        # abspath, not resolve(): the publication directory is a symlink swapped on every release, and
        # resolving it would pin one release.
        return Path(os.path.abspath(Path.cwd() / path.expanduser()))

    @field_validator("warehouse", "publish_dir", "reports_dir")
    @classmethod
    def _plain_path(cls, path: Path, info: ValidationInfo) -> Path:
        # These paths reach SQL string literals and file patterns (dbt's sources glob the landing beside
        # the warehouse; read_parquet and COPY ... TO the publication and the reports): a quote ends the
        # literal, and [1] or * make the path a pattern that can match another warehouse's files, even
        # quoted. Refused before any work rather than escaped in every place. (The raw directory is
        # only listed and opened by Python: any name is fine there.)
        found = sorted(set(_UNSAFE_IN_PATHS.findall(str(path))))
        if found:
            shown = " ".join(c if c.isprintable() else repr(c)[1:-1] for c in found)
            raise ConfigError(
                "KTP_" + info.field_name.upper(),
                str(path),
                f"a path without {shown}: SQL and file patterns would take it for syntax (quotes, "
                "[ ] * ? { }, backslashes and control characters are refused); choose another folder",
            )
        return path

    @field_validator("warehouse")
    @classmethod
    def _not_a_schema_name(cls, warehouse: Path) -> Path:
        # DuckDB names the catalog after the file: `ingest.duckdb` would make `ingest.files` ambiguous.
        if warehouse.stem.lower() in WAREHOUSE_SCHEMAS:
            raise ConfigError(
                "KTP_WAREHOUSE",
                str(warehouse),
                f"the file name {warehouse.stem!r} is also a schema of the warehouse; choose another "
                "name, e.g. ktp.duckdb",
            )
        return warehouse

    @field_validator("duckdb_memory_limit")
    @classmethod
    def _memory_limit(cls, raw: str) -> str:
        if not _MEMORY.fullmatch(raw) or _BYTES.validate_python(raw) < _MEMORY_FLOOR_MB * 2**20:
            raise ValueError("not an amount DuckDB takes, or below the floor")
        return raw  # as given: DuckDB reads it

    @field_validator("target_date")
    @classmethod
    def _a_real_date(cls, raw: str | None) -> str | None:
        return None if raw is None else dt.date.fromisoformat(raw).isoformat()  # 2026-02-30 is refused

    @field_validator("engine", mode="before")
    @classmethod
    def _lower_case(cls, raw: object) -> object:
        return raw.lower() if isinstance(raw, str) else raw

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_case(cls, raw: object) -> object:
        return raw.upper() if isinstance(raw, str) else raw

    @model_validator(mode="after")
    def _zones_in_order(self) -> Settings:
        kuning, hijau = self.zone_kuning_min_pct, self.zone_hijau_min_pct
        if kuning is not None and hijau is not None and not kuning < hijau:
            raise _Refused("KTP_ZONE_KUNING_MIN_PCT", "below KTP_ZONE_HIJAU_MIN_PCT")
        return self

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
        """Environment the dbt subprocess needs: the same warehouse, its landing folder, and the settings
        its profile reads (dbt_project/profiles.yml)."""
        return {
            "KTP_ENGINE": self.engine,
            "KTP_SPARK_DIR": str(self.spark_dir),
            "KTP_SPARK_LOG4J": str(SPARK_LOG4J),
            "KTP_SPARK_MASTER": self.spark_master,
            "KTP_SPARK_DRIVER_MEMORY": self.spark_driver_memory,
            "KTP_SPARK_SHUFFLE_PARTITIONS": str(self.spark_shuffle_partitions),
            "KTP_SPARK_DBT_THREADS": str(self.spark_dbt_threads),
            "KTP_WAREHOUSE": str(self.warehouse),
            "KTP_LANDING_DIR": str(self.landing_dir),
            "KTP_DUCKDB_MEMORY_LIMIT": self.duckdb_memory_limit,
            "KTP_DUCKDB_TEMP_DIR": str(self.duckdb_temp_dir),
        }
