"""The Dagster code location: every definition under pipelines/defs/, one folder per stage.

    defs/ingest/      stage 1, landing: the extract assets, their partitions, the sensors for new files
    defs/dbt/         stages 2-4, judging, deduplication, marts: the dbt project's models and tests
    defs/quality/     stage 5, checks: the GX suites as asset checks
    defs/publish/     stage 6, publication: the published marts and the audit reports
    defs/jobs.py      what `make run`, the sensors and a person in the UI launch
    defs/resources.py the deployment's settings and the warehouse's run lock

Reusable code, which defines nothing Dagster shows, is in pipelines/lib/.
"""

from pathlib import Path

import dagster as dg

from pipelines.lib.runs.run_log import console_logger, file_logger

defs = dg.Definitions.merge(
    # pyproject.toml's [tool.dg] names the package; its defs/ folder holds the definitions.
    dg.load_from_defs_folder(path_within_project=Path(__file__).parent),
    dg.Definitions(
        # Steps run one after another in the run's own process: DuckDB takes one writer per file, and a
        # subprocess per step would only add start-up cost on two cores.
        executor=dg.in_process_executor,
        # The headless run points `run_file` at <reports>/last_run.log and keeps traces off the console.
        loggers={"console": console_logger, "run_file": file_logger},
    ),
)
