"""Spark SQL for the Spark engine's tests, run as the pipeline's mirror runs Spark: in a short process of
its own, with the session of the profile (pipelines/lib/engines/spark.py), never in the test's process,
so the embedded Derby metastore is free again for the next dbt command."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

from pipelines.lib.dbt.project import dbt_env
from pipelines.lib.settings import REPO_ROOT, Settings


def spark_sql(settings: Settings, *statements: str, conf: dict[str, str] | None = None) -> list[tuple]:
    """Run `statements` in order on `settings`' Spark warehouse, with `conf` set on the session first;
    returns the rows of the last one as tuples of Python values."""
    with tempfile.TemporaryDirectory() as tmp:
        rows = Path(tmp) / "rows.pickle"
        request = {"statements": list(statements), "conf": conf or {}, "rows": str(rows)}
        done = subprocess.run(
            [sys.executable, "-m", __name__],
            input=json.dumps(request),
            cwd=REPO_ROOT,
            env=dbt_env(settings),
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr[-4000:]
        return pickle.loads(rows.read_bytes())


def main() -> None:
    from pipelines.lib.engines.spark import session

    request = json.load(sys.stdin)
    rows: list[tuple] = []
    with session() as spark:
        for key, value in request["conf"].items():
            spark.conf.set(key, value)
        for statement in request["statements"]:
            rows = [tuple(row) for row in spark.sql(statement).collect()]
    Path(request["rows"]).write_bytes(pickle.dumps(rows))


if __name__ == "__main__":
    main()
