"""DuckDB running out of memory is said as the setting to change, in one line, with the trace left to
the run's log.

The pipeline's own models spill to disk: on the generator's data at three times Kaltara's size, 256 MiB
(the least KTP_DUCKDB_MEMORY_LIMIT accepted) is enough. What DuckDB cannot spill is an aggregate's
state, so a dbt project of one model that builds a string of ~500 MB runs out of memory for real under
the limit, in a dbt process with the deployment's profile (the limit is its memory_limit), and the
failure is read from dbt's run_results.json as the pipeline's build reads it."""

from __future__ import annotations

import dagster as dg
import pytest

from pipelines.lib.dbt.project import run_dbt
from pipelines.lib.out_of_memory import is_out_of_memory
from pipelines.lib.settings import Settings

# The deployment's profile (dbt_project/profiles.yml): its warehouse, memory limit and temp directory.
_PROJECT = """
name: starved
version: "1.0"
profile: ktp_warehouse
config-version: 2
"""


def test_a_model_that_runs_duckdb_out_of_memory_fails_with_the_setting_named(tmp_path):
    project = tmp_path / "starved"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text(_PROJECT, encoding="utf-8")
    (project / "models" / "one_big_string.sql").write_text(
        "{{ config(materialized='table') }}\n"
        "select length(string_agg(range::varchar, ',')) as n from range(60000000)\n",
        encoding="utf-8",
    )
    settings = Settings.from_env(
        {
            "KTP_WAREHOUSE": str(tmp_path / "w.duckdb"),
            "KTP_RAW_DIR": str(tmp_path / "raw"),
            "KTP_PUBLISH_DIR": str(tmp_path / "published"),
            "KTP_REPORTS_DIR": str(tmp_path / "reports"),
            "KTP_DUCKDB_MEMORY_LIMIT": "256MiB",
        }
    )
    target = tmp_path / "target"
    with pytest.raises(dg.Failure) as failed:
        run_dbt(settings, "run", "--target-path", str(target), log_dir=target, project_dir=project)
    assert failed.value.description == (
        "DuckDB ran out of memory in model.starved.one_big_string with KTP_DUCKDB_MEMORY_LIMIT=256MiB: "
        "raise KTP_DUCKDB_MEMORY_LIMIT (the default is 1536MB) and run again"
    )
    # DuckDB's own words, with its SQL advice, stay in dbt's log.
    assert is_out_of_memory((target / "dbt.log").read_text(encoding="utf-8"))
