"""Data checks of the publish gate: Great Expectations suites validated inside DuckDB.

How a suite file maps to what is checked
----------------------------------------
Each file expectations/<suite>.json is one suite (ingested_file, snapshot, marts, warnings):

* `meta.batch` is a SELECT on the warehouse. It becomes a GX query asset, so GX's column expectations
  (`expect_column_values_to_be_between`, `expect_compound_columns_to_be_unique`, ...) judge its rows,
  compiled by GX to aggregate SQL that DuckDB runs; rows are never pulled into Python.
* `unexpected_rows_expectation` entries carry their own SQL returning the offending rows (cross-table
  rules: sums between levels, duplicate keys); it fails when that SQL returns any row, and the first
  rows are shown in Data Docs. Such SQL names its tables directly rather than using `{batch}`.
* `:snapshot_date`, `:regency_code` and the limits (`:outlier_z`, ...) inside SQL, and
  `{"$PARAMETER": "max_reject_rate"}` in kwargs, are filled in per run from the run's scope and
  `parameters.suite_parameters` (KTP_MAX_REJECT_RATE, KTP_OUTLIER_Z, KTP_POPULATION_TOLERANCE).
* `meta.scope` lists what a run must be given; `severity` "critical" blocks, "warning" only reports;
  `meta.rule` names the check in outcomes and in audit.validation_history.

Use: `from pipelines.lib.quality.runner import run_suite` (see runner.py), or the command line
`python -m pipelines.lib.quality <suite> [--snapshot-date D] [--regency-code C] [--run-id R]`.
Importing this package does not import GX (that costs seconds); the first run does, once per process.
"""
