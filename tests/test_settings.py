"""Every KTP_* setting is checked before any work starts: a value the pipeline cannot use stops the run
with one line naming the variable, the value and what is allowed, exit status 2, nothing written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from pipelines.lib.settings import (
    DBT_PROJECT_DIR,
    DEFAULT_LOCK_WAIT_SECONDS,
    DEFAULT_MEMORY_LIMIT,
    REPO_ROOT,
    ConfigError,
    Settings,
)

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
    ("KTP_LOCK_WAIT_SECONDS", "nan", "a number of seconds in [0, 86400]"),
    ("KTP_LOCK_WAIT_SECONDS", "-1", "0 to stop at once"),
    ("KTP_LOCK_WAIT_SECONDS", "1e9", "a number of seconds in [0, 86400]"),
    ("KTP_DUCKDB_MEMORY_LIMIT", "8Gbit", "an amount of memory such as 1536MB"),  # DuckDB takes no bits
    ("KTP_ENGINE", "sqlite", "one of duckdb, spark"),
    ("KTP_SPARK_MASTER", "local[x]", "a Spark master URL: local[*], local[2], spark://host:7077"),
    ("KTP_SPARK_MASTER", "spark://", "a Spark master URL"),
    ("KTP_SPARK_DRIVER_MEMORY", "2gb", "a JVM memory size such as 2g or 4096m"),
    ("KTP_SPARK_SHUFFLE_PARTITIONS", "0", "a whole number, at least 1"),
    ("KTP_SPARK_DBT_THREADS", "two", "a whole number, at least 1"),
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
            "KTP_LOCK_WAIT_SECONDS": "0",
        }
    )
    assert settings.lock_wait_seconds == 0
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


def _no_ktp_variables(monkeypatch) -> None:
    for var in [v for v in os.environ if v.startswith("KTP_")]:
        monkeypatch.delenv(var)


def test_unset_or_blank_variables_leave_the_defaults(monkeypatch):
    _no_ktp_variables(monkeypatch)
    monkeypatch.setenv("KTP_LOG_LEVEL", "  ")
    settings = Settings.from_env({"KTP_SPARK_MASTER": "", "KTP_ENGINE": "   "})
    assert (settings.log_level, settings.engine, settings.target_date) == ("WARNING", "duckdb", None)
    assert (settings.duckdb_memory_limit, settings.duckdb_threads) == (DEFAULT_MEMORY_LIMIT, 0)
    assert settings.lock_wait_seconds == DEFAULT_LOCK_WAIT_SECONDS
    assert (settings.max_reject_rate, settings.outlier_z, settings.population_tolerance) == (0.05, 3.5, 0.1)
    assert (settings.zone_kuning_min_pct, settings.zone_hijau_min_pct) == (None, None)
    assert (
        settings.spark_master,
        settings.spark_driver_memory,
        settings.spark_shuffle_partitions,
        settings.spark_dbt_threads,
    ) == ("local[*]", "2g", 8, 2)
    # Defaults are in the repository, wherever the run starts.
    assert settings.raw_dir == REPO_ROOT / "data" / "raw"
    assert settings.warehouse == REPO_ROOT / "data" / "warehouse" / "ktp.duckdb"
    assert (settings.publish_dir, settings.reports_dir) == (
        REPO_ROOT / "data" / "published",
        REPO_ROOT / "data" / "reports",
    )


def test_the_profile_falls_back_to_the_same_defaults_as_the_model():
    """dbt's profile keeps a default for whoever runs dbt by hand (dbt_project/README.md); the pipeline
    passes the model's values on (export_for_dbt), so the two must agree."""
    profile = (DBT_PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8")
    fallbacks = dict(re.findall(r"env_var\('(KTP_\w+)', '([^']*)'\)", profile))
    defaults = {field.alias: field.default for field in Settings.model_fields.values()}
    assert {"KTP_ENGINE", "KTP_DUCKDB_MEMORY_LIMIT", "KTP_SPARK_MASTER", "KTP_SPARK_DBT_THREADS"} <= set(
        fallbacks
    )
    assert {var: str(defaults[var]) for var in fallbacks} == fallbacks


def test_spark_and_log_level_settings_are_fields_of_the_one_model(monkeypatch):
    _no_ktp_variables(monkeypatch)
    settings = Settings.from_env(
        {
            "KTP_LOG_LEVEL": " debug ",
            "KTP_ENGINE": "Spark",
            "KTP_SPARK_MASTER": "spark://head:7077",
            "KTP_SPARK_DRIVER_MEMORY": "4096M",
            "KTP_SPARK_SHUFFLE_PARTITIONS": "16",
            "KTP_SPARK_DBT_THREADS": "4",
        }
    )
    assert (settings.log_level, settings.engine) == ("DEBUG", "spark")
    assert (settings.spark_master, settings.spark_driver_memory) == ("spark://head:7077", "4096M")
    assert (settings.spark_shuffle_partitions, settings.spark_dbt_threads) == (16, 4)
    for master in ("local", "local[2]", "local[*]", "yarn", "k8s://https://host:443", "mesos://m:5050"):
        assert Settings.from_env({"KTP_SPARK_MASTER": master}).spark_master == master
    # dbt's profile reads them as the model has them, not again from the environment.
    exported = settings.export_for_dbt()
    assert {
        k: v for k, v in exported.items() if k.startswith("KTP_SPARK_") and not k.endswith(("DIR", "J"))
    } == {
        "KTP_SPARK_MASTER": "spark://head:7077",
        "KTP_SPARK_DRIVER_MEMORY": "4096M",
        "KTP_SPARK_SHUFFLE_PARTITIONS": "16",
        "KTP_SPARK_DBT_THREADS": "4",
    }
    assert exported["KTP_ENGINE"] == "spark"


def test_the_log_level_is_dagsters_console_level(monkeypatch):
    from pipelines.lib.runs.headless import _run_config

    _no_ktp_variables(monkeypatch)
    for given, level in (("info", "INFO"), ("", "WARNING")):
        config = _run_config(Settings.from_env({"KTP_LOG_LEVEL": given}))
        assert config["loggers"]["console"]["config"]["log_level"] == level


def test_the_warnings_thresholds_in_the_fingerprint_are_the_settings(monkeypatch):
    from pipelines.lib.runs.up_to_date import inputs_fingerprint

    _no_ktp_variables(monkeypatch)
    default = inputs_fingerprint(Settings.from_env(), [])
    # The same value spelled another way is the same input; an override counts as the environment does.
    assert inputs_fingerprint(Settings.from_env({"KTP_OUTLIER_Z": "3.50"}), []) == default
    assert inputs_fingerprint(Settings.from_env({"KTP_OUTLIER_Z": "4"}), []) != default
    assert inputs_fingerprint(Settings.from_env({"KTP_POPULATION_TOLERANCE": "0.2"}), []) != default


def test_several_bad_values_give_one_line_never_pydantics_report():
    with pytest.raises(ConfigError) as refused:
        Settings.from_env(
            {"KTP_MAX_REJECT_RATE": "5", "KTP_SPARK_MASTER": "nowhere", "KTP_LOG_LEVEL": "LOUD"}
        )
    assert str(refused.value) == "KTP_MAX_REJECT_RATE='5': a fraction in [0, 1], e.g. 0.05 for 5 %"
    assert refused.value.__cause__ is None and refused.value.__suppress_context__
    assert isinstance(refused.value, ValueError)


def test_paths_given_are_from_the_working_directory_and_a_symlink_is_kept(tmp_path: Path, monkeypatch):
    (tmp_path / "published.releases" / "r1").mkdir(parents=True)
    (tmp_path / "published").symlink_to(tmp_path / "published.releases" / "r1")
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env({"KTP_PUBLISH_DIR": "published", "KTP_WAREHOUSE": "w/../w/ktp.duckdb"})
    assert settings.publish_dir == tmp_path / "published"  # not the release it points at today
    assert settings.warehouse == tmp_path / "w" / "ktp.duckdb"
    assert settings.landing_dir == tmp_path / "w" / "ktp.landing"
    assert Settings.from_env({"KTP_RAW_DIR": "~/extracts"}).raw_dir == Path.home() / "extracts"


def test_a_warehouse_named_like_a_schema_is_refused_in_one_line(tmp_path: Path):
    warehouse = tmp_path / "Marts.duckdb"
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({"KTP_WAREHOUSE": str(warehouse)})
    assert str(refused.value) == (
        f"KTP_WAREHOUSE={str(warehouse)!r}: the file name 'Marts' is also a schema of the warehouse; "
        "choose another name, e.g. ktp.duckdb"
    )


@pytest.mark.parametrize(
    ("var", "folder", "shown"),
    [
        ("KTP_WAREHOUSE", "o'brien", "'"),
        ("KTP_WAREHOUSE", "run[1]", "[ ]"),
        ("KTP_PUBLISH_DIR", "pub*", "*"),
        ("KTP_REPORTS_DIR", "r{a,b}", "{ }"),
        ("KTP_WAREHOUSE", "a\nb", "\\n"),
    ],
)
def test_a_path_sql_or_a_file_pattern_would_read_as_syntax_is_refused_by_name(tmp_path, var, folder, shown):
    """A quote ended dbt's SQL literal after landing; `[1]` made its glob read another warehouse's files."""
    path = tmp_path / folder / ("ktp.duckdb" if var == "KTP_WAREHOUSE" else "out")
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({var: str(path)})
    message = str(refused.value)
    assert message.startswith(f"{var}={str(path)!r}: a path without {shown}: ") and "\n" not in message
    # any name in the raw directory: Python lists and opens it, no SQL sees it
    assert Settings.from_env({"KTP_RAW_DIR": str(tmp_path / folder)}).raw_dir == tmp_path / folder


def test_settings_are_immutable_and_hashable():
    settings = Settings.from_env({"KTP_OUTLIER_Z": "4"})
    with pytest.raises(ValueError):
        settings.outlier_z = 5.0
    assert settings == Settings.from_env({"KTP_OUTLIER_Z": "4.0"})
    assert hash(settings) == hash(Settings.from_env({"KTP_OUTLIER_Z": "4.0"}))
    assert len({settings, Settings.from_env({"KTP_OUTLIER_Z": "5"})}) == 2


def _run_on_the_sample(tmp_path: Path, **settings: str) -> subprocess.CompletedProcess:
    """`python -m pipelines run` on the shipped sample, writing under tmp_path; `settings` win."""
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "KTP_RAW_DIR": str(REPO_ROOT / "data" / "raw"),
        "KTP_WAREHOUSE": str(tmp_path / "w" / "ktp.duckdb"),
        "KTP_PUBLISH_DIR": str(tmp_path / "published"),
        "KTP_REPORTS_DIR": str(tmp_path / "reports"),
        **settings,
    }
    return subprocess.run(
        [sys.executable, "-m", "pipelines", "run"], env=env, capture_output=True, text=True, timeout=120
    )


def test_the_run_stops_with_one_line_and_status_2_before_writing_anything(tmp_path: Path):
    run = _run_on_the_sample(tmp_path, KTP_MAX_REJECT_RATE="5")
    assert run.returncode == 2
    assert run.stdout == ""
    assert run.stderr.strip().splitlines() == [
        "configuration error: KTP_MAX_REJECT_RATE='5': a fraction in [0, 1], e.g. 0.05 for 5 %"
    ]
    assert list(tmp_path.iterdir()) == []  # no warehouse, landing, publication or report


def test_a_warehouse_path_with_a_pattern_in_it_stops_the_run_before_any_work(tmp_path: Path):
    warehouse = tmp_path / "w[1]" / "ktp.duckdb"
    run = _run_on_the_sample(tmp_path, KTP_WAREHOUSE=str(warehouse))
    assert run.returncode == 2 and run.stdout == ""
    (line,) = run.stderr.strip().splitlines()
    assert line.startswith(f"configuration error: KTP_WAREHOUSE='{warehouse}': a path without [ ]")
    assert list(tmp_path.iterdir()) == []  # nothing landed, built or published


def test_help_runs_nothing_and_an_option_wins_over_its_variable(tmp_path: Path):
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "KTP_WAREHOUSE": str(tmp_path / "w" / "ktp.duckdb")}
    env |= {"KTP_PUBLISH_DIR": str(tmp_path / "p"), "KTP_REPORTS_DIR": str(tmp_path / "r")}
    command = [sys.executable, "-m", "pipelines", "run"]
    shown = subprocess.run([*command, "--help"], env=env, capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0 and "usage: python -m pipelines run" in shown.stdout
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


@contextmanager
def _unwritable(folder: Path):
    """A folder this account cannot write in, for real. chmod does not stop root, the immutable
    attribute does (ext4, xfs, btrfs; chattr needs CAP_LINUX_IMMUTABLE)."""
    folder.mkdir(parents=True)
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    made = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"running as root and chattr +i is refused here ({made.stderr.strip()})")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


def test_a_warehouse_folder_the_run_cannot_write_stops_it_with_one_line(tmp_path: Path):
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "KTP_RAW_DIR": str(REPO_ROOT / "data" / "raw"),
        "KTP_PUBLISH_DIR": str(tmp_path / "published"),
        "KTP_REPORTS_DIR": str(tmp_path / "reports"),
    }
    command = [sys.executable, "-m", "pipelines", "run"]
    locked = tmp_path / "locked"
    with _unwritable(locked):
        env["KTP_WAREHOUSE"] = str(locked / "ktp.duckdb")
        run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        assert list(locked.iterdir()) == []
    assert run.returncode == 2 and run.stdout == ""
    reason = "Operation not permitted" if os.geteuid() == 0 else "Permission denied"
    assert run.stderr.strip().splitlines() == [
        f"configuration error: KTP_WAREHOUSE={str(locked / 'ktp.duckdb')!r}: cannot write in {locked} "
        f"({reason}); make the folder writable for this account or point KTP_WAREHOUSE at one that is"
    ]
    # A folder that cannot even be created (a file is in the way) is said the same way.
    (tmp_path / "a-file").write_text("not a folder")
    env["KTP_WAREHOUSE"] = str(tmp_path / "a-file" / "w" / "ktp.duckdb")
    run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    (line,) = run.stderr.strip().splitlines()
    assert f"cannot write in {tmp_path / 'a-file' / 'w'} (Not a directory)" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "locked"]  # nothing else written
    # A warehouse file DuckDB cannot open (here: not a database at all) is said in one line too.
    junk = tmp_path / "junk" / "ktp.duckdb"
    junk.parent.mkdir()
    junk.write_text("not a database")
    env["KTP_WAREHOUSE"] = str(junk)
    run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and run.stdout == "" and "Traceback" not in run.stderr
    (line,) = run.stderr.strip().splitlines()
    assert line.startswith(
        f"configuration error: KTP_WAREHOUSE={str(junk)!r}: DuckDB cannot open it for writing ("
    )
    assert junk.read_text() == "not a database" and not (tmp_path / "junk" / "ktp.landing").exists()
    # A raw directory that is not there: one line, before anything is written.
    env["KTP_WAREHOUSE"] = str(tmp_path / "w" / "ktp.duckdb")
    env["KTP_RAW_DIR"] = str(tmp_path / "no-such-raw")
    run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.strip().splitlines() == [
        f"configuration error: KTP_RAW_DIR={str(tmp_path / 'no-such-raw')!r}: not a directory; give the "
        "folder of the extracts, <dir>/<YYYY-MM-DD>/<regency code>_*.csv|xlsx (or --raw-dir)"
    ]
    assert not (tmp_path / "w").exists()  # not even the warehouse folder
