"""Every KTP_* setting is checked before any work starts: a value the pipeline cannot use stops the run
with one line naming the variable, the value and what is allowed, exit status 2, nothing written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.settings import REPO_ROOT, ConfigError, Settings

REFUSED = [
    ("KTP_MAX_REJECT_RATE", "5", "a fraction in [0, 1], e.g. 0.05 for 5 %"),  # meant 5 %: 500 %
    ("KTP_MAX_REJECT_RATE", "5%", "a fraction in [0, 1]"),
    ("KTP_MAX_REJECT_RATE", "nan", "a fraction in [0, 1]"),  # NaN would switch the rule off
    ("KTP_MAX_REJECT_RATE", "-0.1", "a fraction in [0, 1]"),
    ("KTP_POPULATION_TOLERANCE", "inf", "a fraction in [0, 1]"),
    ("KTP_OUTLIER_Z", "0", "a positive number"),
    ("KTP_ZONE_HIJAU_MIN_PCT", "185", "a percentage in [0, 100]"),
    ("KTP_TARGET_DATE", "30-11-2026", "a date as YYYY-MM-DD"),
    ("KTP_TARGET_DATE", "2026-02-30", "a date as YYYY-MM-DD"),
    ("KTP_DUCKDB_THREADS", "two", "a whole number of threads"),
    ("KTP_DUCKDB_MEMORY_LIMIT", "lots", "an amount of memory such as 1536MB"),
    ("KTP_DUCKDB_MEMORY_LIMIT", "16MB", "at least 256MB"),
    ("KTP_LOG_LEVEL", "LOUD", "one of DEBUG, INFO"),
]


@pytest.mark.parametrize(("var", "value", "allowed"), REFUSED)
def test_a_value_out_of_range_or_of_the_wrong_form_is_refused_by_name(var, value, allowed):
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({var: value})
    message = str(refused.value)
    assert message.startswith(f"{var}={value!r}: ") and allowed in message
    assert "\n" not in message


def test_zone_thresholds_must_be_in_order():
    with pytest.raises(ConfigError, match="below KTP_ZONE_HIJAU_MIN_PCT"):
        Settings.from_env({"KTP_ZONE_KUNING_MIN_PCT": "90", "KTP_ZONE_HIJAU_MIN_PCT": "85"})


def test_good_values_are_taken_as_given():
    settings = Settings.from_env(
        {
            "KTP_MAX_REJECT_RATE": "0.1",
            "KTP_ZONE_KUNING_MIN_PCT": "70",
            "KTP_ZONE_HIJAU_MIN_PCT": "90",
            "KTP_TARGET_DATE": "2026-11-30",
            "KTP_DUCKDB_MEMORY_LIMIT": "2GB",
            "KTP_DUCKDB_THREADS": "2",
        }
    )
    assert (settings.max_reject_rate, settings.zone_kuning_min_pct, settings.zone_hijau_min_pct) == (
        0.1,
        70,
        90,
    )
    assert (settings.target_date, settings.duckdb_memory_limit, settings.duckdb_threads) == (
        "2026-11-30",
        "2GB",
        2,
    )
    assert Settings.from_env({"KTP_MAX_REJECT_RATE": "1"}).max_reject_rate == 1.0


def test_the_run_stops_with_one_line_and_status_2_before_writing_anything(tmp_path: Path):
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "KTP_RAW_DIR": str(REPO_ROOT / "data" / "raw"),
        "KTP_WAREHOUSE": str(tmp_path / "w" / "ktp.duckdb"),
        "KTP_PUBLISH_DIR": str(tmp_path / "published"),
        "KTP_REPORTS_DIR": str(tmp_path / "reports"),
        "KTP_MAX_REJECT_RATE": "5",
    }
    run = subprocess.run(
        [sys.executable, "-m", "pipelines.run"], env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 2
    assert run.stdout == ""
    assert run.stderr.strip().splitlines() == [
        "configuration error: KTP_MAX_REJECT_RATE='5': a fraction in [0, 1], e.g. 0.05 for 5 %"
    ]
    assert list(tmp_path.iterdir()) == []  # no warehouse, landing, publication or report


def test_help_runs_nothing_and_an_option_wins_over_its_variable(tmp_path: Path):
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "KTP_WAREHOUSE": str(tmp_path / "w" / "ktp.duckdb")}
    env |= {"KTP_PUBLISH_DIR": str(tmp_path / "p"), "KTP_REPORTS_DIR": str(tmp_path / "r")}
    command = [sys.executable, "-m", "pipelines.run"]
    shown = subprocess.run([*command, "--help"], env=env, capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0 and "usage: python -m pipelines.run" in shown.stdout
    assert "--max-reject-rate" in shown.stdout and "[KTP_MAX_REJECT_RATE]" in shown.stdout
    assert list(tmp_path.iterdir()) == []  # --help ran nothing
    # The variable says 5 %, the option 500 %: the option is the one checked (and refused).
    env["KTP_MAX_REJECT_RATE"] = "0.05"
    refused = subprocess.run(
        [*command, "--max-reject-rate", "5"], env=env, capture_output=True, text=True, timeout=120
    )
    assert refused.returncode == 2 and "KTP_MAX_REJECT_RATE='5'" in refused.stderr
    unknown = subprocess.run([*command, "--bogus"], env=env, capture_output=True, text=True, timeout=120)
    assert unknown.returncode == 2 and "unrecognized arguments: --bogus" in unknown.stderr
    assert list(tmp_path.iterdir()) == []
