"""What the process must do before dbt runs on Spark (KTP_ENGINE=spark).

dbt-spark's `session` method starts Spark in this process, with the settings of the profile
(dbt_project/profiles.yml), the first time a dbt command connects; later commands, and the views of
spark_mirror.py, use the same session. A Spark session's warehouse folder and metastore are fixed when
it starts, so one process serves one warehouse: a second one is refused here, not mixed into the first.
"""

from __future__ import annotations

import importlib

from pipelines.lib.settings import Settings


class SparkWarehouseError(RuntimeError):
    """The Spark session of this process belongs to another warehouse."""


def prepare(settings: Settings) -> None:
    """Call on the main thread before a dbt command on Spark."""
    # dbt's thread would import these on first use; imported here as the DuckDB adapter is, against
    # two threads importing one module at once (dbt_in_process.py).
    for module in ("dbt.adapters.spark", "dbt.adapters.spark.session", "pyspark.sql"):
        importlib.import_module(module)
    from pyspark.logger import PySparkLogger
    from pyspark.sql import SparkSession

    # pyspark prints every failed statement's Java stack as JSON on stderr; dbt reports the error
    # itself, in one message, and Spark's own log is in <warehouse>.spark/spark.log.
    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        PySparkLogger.getLogger(name).disabled = True
    active = SparkSession.getActiveSession()
    if active is None:
        from pyspark import SparkContext

        context = SparkContext._active_spark_context
        if context is None:
            settings.spark_dir.mkdir(parents=True, exist_ok=True)
            return
        warehouse = context.getConf().get("spark.sql.warehouse.dir", "")
    else:
        warehouse = active.conf.get("spark.sql.warehouse.dir", "")
    wanted = str(settings.spark_dir / "warehouse")
    if warehouse.removeprefix("file:") != wanted:
        raise SparkWarehouseError(
            f"this process's Spark session serves {warehouse}, not {wanted}: one Spark warehouse per process"
        )
