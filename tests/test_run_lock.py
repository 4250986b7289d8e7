"""Two runs on one warehouse, and a warehouse another process holds open: real `python -m pipelines run`
processes started side by side. A second run waits for the first (one line saying so) or, with
KTP_LOCK_WAIT_SECONDS=0, stops at once with one line naming the holder; it never half-runs. A DuckDB
session held by some other program stops a run with one line too, not a cascade of failed steps."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

from bench.publication_state import publication_state
from pipelines.cli.run import BUSY
from pipelines.lib.runs.run_lock import lock_path
from pipelines.lib.settings import REPO_ROOT, Settings
from tests.support.incremental import (
    REGENCIES,
    S1,
    fresh_deployment,
    fresh_env,
    process_env,
    run,
    write_snapshot,
)

__all__ = ["fresh_env"]  # a fixture, used by name

_HOLD = """
import sys, time, duckdb
conn = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "ro")
print("holding", flush=True)
time.sleep(120)
"""


def _start(settings: Settings, wait: str) -> subprocess.Popen:
    env = process_env(settings, KTP_LOCK_WAIT_SECONDS=wait, KTP_LOG_LEVEL="WARNING")
    return subprocess.Popen(
        [sys.executable, "-m", "pipelines", "run"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _holder_recorded(settings: Settings, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        path = lock_path(settings)
        if path.exists() and path.stat().st_size > 0:
            return
        time.sleep(0.05)
    raise AssertionError("no run took the lock")


def _assert_plain_progress(out: str, files: list[str], rows: int) -> None:
    """Not a terminal: no bar, no escape code; a line per file landed and judged, then per stage."""
    assert "\x1b" not in out and "\r" not in out and "━" not in out
    lines = out.splitlines()
    landed = [line for line in lines if line.startswith("landed   ")]
    assert sorted(line.split(":")[0].split()[1] for line in landed) == sorted(files)
    assert all(re.fullmatch(rf"landed   \S+: {rows} rows in \d+\.\d\d s", line) for line in landed)
    judged = [re.fullmatch(r"judged   (\S+): (\d+) rows, (\d+) loaded, (\d+) rejected", x) for x in lines
              if x.startswith("judged ")]  # fmt: skip
    assert sorted(m[1] for m in judged) == sorted(files)
    assert all(int(m[2]) == rows == int(m[3]) + int(m[4]) for m in judged)
    stages = [
        re.match(r"stage    ([^:]+(?:: \w+)?): (done|FAILED) in", x) for x in lines if x.startswith("stage ")
    ]
    assert all(stages) and {m[2] for m in stages} == {"done"}
    names = [m[1] for m in stages]
    # landing is the build's first step now, the inventory of the landing folder with it
    assert names[:2] == ["landing", "dbt build"] and names[-2:] == [
        "publication",
        "audit reports",
    ]
    assert {"checks: files", "checks: snapshots", "checks: marts"} <= set(names)
    # each file's lines come as the work happens: landed, then the stages, judged right after dbt's
    first_judged = lines.index(next(x for x in lines if x.startswith("judged ")))
    assert lines.index(landed[-1]) < lines.index(next(x for x in lines if x.startswith("stage    dbt build")))
    assert lines[first_judged - 1].startswith("stage    dbt build")


def _releases(settings: Settings) -> list[str]:
    root = settings.publish_dir.parent / (settings.publish_dir.name + ".releases")
    return sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))


def test_a_second_run_waits_for_the_first_and_a_third_that_may_not_wait_stops_at_once(
    ktp_env, tmp_path, fresh_env
):
    write_snapshot(ktp_env.raw_dir, S1, n=40)
    first, second = _start(ktp_env, "300"), _start(ktp_env, "300")
    _holder_recorded(ktp_env)
    holder_pid = int(lock_path(ktp_env).read_text(encoding="utf-8").split('"pid": ')[1].split(",")[0])
    impatient = _start(ktp_env, "0")
    out, err = impatient.communicate(timeout=120)
    assert impatient.returncode == BUSY
    assert out == ""
    (line,) = err.strip().splitlines()
    assert line.startswith(f"not started: another run holds {lock_path(ktp_env)} (pid {holder_pid} ")
    assert "KTP_LOCK_WAIT_SECONDS" in line

    results = [(p, *p.communicate(timeout=600)) for p in (first, second)]
    assert [p.returncode for p, _, _ in results] == [0, 0], [e[-2000:] for _, _, e in results]
    waited = [out for p, out, _ in results if p.pid != holder_pid]
    ran = [out for p, out, _ in results if p.pid == holder_pid]
    assert len(waited) == len(ran) == 1
    assert (
        waited[0]
        .splitlines()[0]
        .startswith(f"waiting for the run that holds {lock_path(ktp_env)} (pid {holder_pid} ")
    )
    assert sum("waiting for the run" in out for out in waited + ran) == 1
    # The one that waited found the other's publication complete: it changed nothing.
    assert f"published to {ktp_env.publish_dir}" in ran[0]
    assert "nothing changed since the current publication" in waited[0]
    _assert_plain_progress(ran[0], [f"{S1}/{code}.csv" for code in REGENCIES], rows=40)
    assert "stage " not in waited[0]  # nothing was done, so no stage to tell of
    assert len(_releases(ktp_env)) == 1
    assert lock_path(ktp_env).read_text(encoding="utf-8") == ""  # no holder named once all ended

    fresh = fresh_deployment(tmp_path, ktp_env.raw_dir)
    fresh_env(fresh)
    assert run(fresh).ok
    assert publication_state(ktp_env.publish_dir) == publication_state(fresh.publish_dir)


def test_a_warehouse_held_open_by_another_process_stops_the_run_with_one_line(ktp_env):
    write_snapshot(ktp_env.raw_dir, S1)
    ktp_env.warehouse.parent.mkdir(parents=True)
    import duckdb

    duckdb.connect(str(ktp_env.warehouse)).execute("create table held (x int)").close()
    for mode in ("rw", "ro"):  # a writer, and a reader: DuckDB refuses a writer beside either
        holder = subprocess.Popen(
            [sys.executable, "-c", _HOLD, str(ktp_env.warehouse), mode], stdout=subprocess.PIPE, text=True
        )
        try:
            assert holder.stdout.readline().strip() == "holding"
            blocked = _start(ktp_env, "0")
            out, err = blocked.communicate(timeout=120)
        finally:
            holder.kill()
            holder.wait()
        assert blocked.returncode == BUSY
        assert out == "" and "Traceback" not in err
        program = os.path.basename(os.path.realpath(sys.executable))
        assert err.strip().splitlines() == [
            f"not started: the warehouse {ktp_env.warehouse} is open in another process (pid {holder.pid}, "
            f"{program}); close that connection and run again: nothing was done"
        ]
        # Nothing of the run happened: not even landing, nor the summary of a run.
        assert not ktp_env.landing_dir.exists()
        assert not (ktp_env.reports_dir / "last_run.json").exists()


def test_a_warehouse_opened_by_another_process_during_the_run_stops_it_with_one_line(ktp_env, tmp_path):
    """Opened after the checks at the start, between landing and the build (the run paused there by a
    fault point): the first step that meets the lock stops the run, and that is all it says."""
    write_snapshot(ktp_env.raw_dir, S1)
    ktp_env.warehouse.parent.mkdir(parents=True)
    import duckdb

    duckdb.connect(str(ktp_env.warehouse)).execute("create table held (x int)").close()
    marker = tmp_path / "paused"
    env = process_env(
        ktp_env,
        KTP_LOCK_WAIT_SECONDS="0",
        KTP_LOG_LEVEL="CRITICAL",  # Dagster's console lines for the failed steps are not the point here
        KTP_FAULT_PAUSE="after_landing",
        KTP_FAULT_PAUSE_FILE=str(marker),
    )
    run = subprocess.Popen(
        [sys.executable, "-m", "pipelines", "run"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    holder = None
    try:
        deadline = time.monotonic() + 180
        while not marker.exists() and run.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), run.communicate()
        holder = subprocess.Popen(
            [sys.executable, "-c", _HOLD, str(ktp_env.warehouse), "ro"], stdout=subprocess.PIPE, text=True
        )
        assert holder.stdout.readline().strip() == "holding"
        marker.unlink()
        out, err = run.communicate(timeout=300)
    finally:
        if holder is not None:
            holder.kill()
            holder.wait()
        run.kill()
    assert run.returncode == BUSY, (out, err)
    assert "Traceback" not in out + err
    # the progress lines say which stages did not finish; no failure of each step that met the lock
    assert not [line for line in out.splitlines() if line.startswith("FAILED")], out
    program = os.path.basename(os.path.realpath(sys.executable))
    log = ktp_env.reports_dir / "last_run.log"
    assert err.strip().splitlines() == [
        f"not finished: the warehouse {ktp_env.warehouse} was opened in another process (pid {holder.pid}, "
        f"{program}) during the run; close that connection and run again: nothing was published "
        f"(run log: {log})"
    ]
    assert not ktp_env.publish_dir.exists()


_HOLD_LOCK = """
import time
from pipelines.lib.runs.run_lock import run_lock
from pipelines.lib.settings import Settings
with run_lock(Settings.from_env(), 0):
    print("holding", flush=True)
    time.sleep(120)
"""


def test_a_dagster_run_as_make_dev_starts_it_takes_the_same_lock(ktp_env, monkeypatch):
    """The build and report jobs hold the run lock through their resource: while a headless run holds
    it, a `make dev` run of them does not start a step."""
    from pipelines.definitions import defs
    from tests.support.dagster import dagster_instance

    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    holder = subprocess.Popen([sys.executable, "-c", _HOLD_LOCK], env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        monkeypatch.setenv("KTP_LOCK_WAIT_SECONDS", "0")
        with dagster_instance() as instance:
            result = defs.resolve_job_def("write_audit_reports").execute_in_process(
                instance=instance, raise_on_error=False
            )
    finally:
        holder.kill()
        holder.wait()
    assert not result.success
    messages = " ".join(
        str(e.event_specific_data.error.cause or e.event_specific_data.error)
        for e in result.all_events
        if e.is_failure and getattr(e.event_specific_data, "error", None) is not None
    )
    assert f"another run holds {lock_path(ktp_env)} (pid {holder.pid} " in messages
    assert not result.get_asset_materialization_events()
    assert not (ktp_env.reports_dir / "reports.made_from.json").exists()
