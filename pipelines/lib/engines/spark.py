"""Spark outside dbt (KTP_ENGINE=spark): a session with exactly the settings dbt's has.

dbt runs as a process of its own, and dbt-spark's `session` method starts Spark in it with the
`server_side_parameters` of the profile's spark target (dbt_project/profiles.yml); the JVM ends with the
command. A process that reads Spark's catalog besides dbt (spark_mirror.py) starts its session with the
same parameters, rendered from the same profile with the same environment (Settings.export_for_dbt), so
it sees dbt's warehouse folder and metastore: the profile is the one place the Spark configuration is
written. The metastore is embedded Derby, which one JVM opens at a time, so such a session lives in a
short process of its own, run between two dbt commands and ended before the next, never in the Dagster
process.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import yaml
from jinja2 import Environment, StrictUndefined

from pipelines.lib.settings import DBT_PROJECT_DIR

_TARGET = "spark"


def _env_var(env: Mapping[str, str]):
    """dbt's env_var(): the variable, else the default, else an error in dbt's words."""

    def env_var(name: str, default: str | None = None) -> str:
        if name in env:
            return env[name]
        if default is not None:
            return default
        raise RuntimeError(f"Env var required but not provided: '{name}'")

    return env_var


def server_side_parameters(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The Spark settings of the profile's spark target, rendered as dbt renders them with `env`
    (os.environ by default): the variables of Settings.export_for_dbt must be in it."""
    env = os.environ if env is None else env
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    profiles = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8"))
    given: dict[str, Any] = profiles[project["profile"]]["outputs"][_TARGET]["server_side_parameters"]
    jinja = Environment(undefined=StrictUndefined)
    jinja.globals["env_var"] = _env_var(env)
    return {key: jinja.from_string(str(value)).render() for key, value in given.items()}


@contextmanager
def session(env: Mapping[str, str] | None = None) -> Iterator[Any]:
    """A Spark session as dbt-spark's `session` method starts it (Hive support, the profile's
    parameters), stopped at the end. Only for a process that ends soon after (see the module's
    docstring): the JVM, and with it the metastore, is released when the process exits."""
    from pyspark.logger import PySparkLogger
    from pyspark.sql import SparkSession

    # pyspark prints every failed statement's Java stack as JSON on stderr; the caller reports the
    # error itself, and Spark's own log is in <warehouse>.spark/spark.log.
    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        PySparkLogger.getLogger(name).disabled = True
    builder = SparkSession.builder.enableHiveSupport()
    for key, value in server_side_parameters(env).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    try:
        yield spark
    finally:
        spark.stop()
