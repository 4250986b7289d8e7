"""The crash matrix: kill a real run at every fault point and at random moments, then re-run it.

    python -m bench.crash_matrix [--kills 3] [--seed 6500] [--json OUT]

One deployment on a copy of the shipped sample starts published. Each case changes the input (one
regency file of the latest snapshot flips between its shipped content and a copy with 25 residents now
recorded, so every case has a different publication to make), runs `python -m pipelines run` with
KTP_FAULT_INJECT=<point> (the process exits at the point, without cleanup) or kills its process group
with SIGKILL after a random delay, and checks:

- killed before the swap: every file of the current publication (manifest included) is byte-identical
  to before the kill; killed after it: the publication already equals a clean run's;
- the re-run without faults exits 0, and its publication equals that of a clean run on a fresh
  deployment of the same raw data (mart files by sha256, the manifest without run ids, times and
  paths); its reports belong to that publication, and a further run finds nothing changed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.publication_state import file_hashes, publication_state
from pipelines.lib.faults import EXIT_CODE
from pipelines.lib.publish import report_stamp
from pipelines.lib.settings import REPO_ROOT, Settings

# Where the fault points are, in the order a run passes them; which ones precede the swap.
POINTS = [
    ("landing_before_record", True),
    ("after_landing", True),
    ("gx_ready", True),
    ("after_export", True),
    ("before_swap", True),
    ("after_swap", False),
    ("before_reports", False),
]
AFTER_SWAP = {point for point, before_swap in POINTS if not before_swap}
CHANGED = "6502"  # Malinau: a small file, so the cases spend their time on the run, not on landing


class Deployment:
    def __init__(self, root: Path, raw: Path):
        self.root, self.raw = root, raw
        self.settings = Settings.from_env(
            {
                "KTP_RAW_DIR": str(raw),
                "KTP_WAREHOUSE": str(root / "warehouse" / "ktp.duckdb"),
                "KTP_PUBLISH_DIR": str(root / "published"),
                "KTP_REPORTS_DIR": str(root / "reports"),
            }
        )

    def env(self, fault: str | None = None) -> dict[str, str]:
        s = self.settings
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO_ROOT),
            "DO_NOT_TRACK": "1",
            "GX_ANALYTICS_ENABLED": "false",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
            "KTP_LOG_LEVEL": "WARNING",
            "KTP_RAW_DIR": str(s.raw_dir),
            "KTP_WAREHOUSE": str(s.warehouse),
            "KTP_PUBLISH_DIR": str(s.publish_dir),
            "KTP_REPORTS_DIR": str(s.reports_dir),
            "KTP_LOCK_WAIT_SECONDS": "0",
        }
        env.pop("KTP_FAULT_INJECT", None)
        if fault:
            env["KTP_FAULT_INJECT"] = fault
        return env

    def run(self, fault: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "pipelines", "run"],
            env=self.env(fault),
            capture_output=True,
            text=True,
            timeout=900,
        )

    def run_killed_after(self, seconds: float) -> int:
        """SIGKILL to the run's whole process group (dbt's parse runs in a child) after `seconds`."""
        proc = subprocess.Popen(
            [sys.executable, "-m", "pipelines", "run"],
            env=self.env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            proc.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        return proc.wait()


def _variant(original: bytes, changed: bool) -> bytes:
    if not changed:
        return original
    for old, new in ((b"BELUM_REKAM", b"SUDAH_REKAM"), (b"BELUM REKAM", b"SUDAH REKAM")):
        if old in original:
            return original.replace(old, new, 25)
    raise RuntimeError("no BELUM REKAM row to change")


def _differences(got: dict, want: dict) -> list[str]:
    files = sorted(
        k for k in got["files"].keys() | want["files"].keys() if got["files"].get(k) != want["files"].get(k)
    )
    manifest = sorted(
        k
        for k in got["manifest"].keys() | want["manifest"].keys()
        if got["manifest"].get(k) != want["manifest"].get(k)
    )
    return files + [f"manifest:{k}" for k in manifest]


def _fail(case: str, why: str, proc: subprocess.CompletedProcess | None = None) -> None:
    detail = f"\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}" if proc is not None else ""
    raise AssertionError(f"{case}: {why}{detail}")


def crash_matrix(kills: int, seed: int, workdir: Path) -> dict:
    rng = random.Random(seed)
    raw = workdir / "raw"
    shutil.copytree(REPO_ROOT / "data" / "raw", raw)
    latest = sorted(p for p in raw.iterdir() if p.is_dir())[-1]
    (extract,) = [p for p in latest.iterdir() if p.name.startswith(CHANGED)]
    original = extract.read_bytes()

    # The reference of each input state: a clean run on a fresh deployment of the same raw data.
    references, clean_seconds = {}, []
    for changed in (False, True):
        extract.write_bytes(_variant(original, changed))
        fresh = Deployment(workdir / f"clean-{int(changed)}", raw)
        started = time.perf_counter()
        done = fresh.run()
        clean_seconds.append(time.perf_counter() - started)
        if done.returncode != 0:
            _fail(f"clean run ({'changed' if changed else 'shipped'} input)", "did not publish", done)
        references[changed] = publication_state(fresh.settings.publish_dir)
    if references[False] == references[True]:
        raise AssertionError("the two input states publish the same: the matrix would prove nothing")

    target = Deployment(workdir / "crashed", raw)
    state = False
    extract.write_bytes(_variant(original, state))
    first = target.run()
    if first.returncode != 0:
        _fail("first publication", "did not publish", first)

    outcomes = []
    cases = [(point, before) for point, before in POINTS] + [(None, None)] * kills
    for case, before_swap in cases:
        if case is None:
            # A moment inside a run of this deployment: before the fastest of the runs that got past the
            # swap reached its fault point, so that the kill lands in the run, not after it has ended.
            whole = min(o["killed_run_s"] for o in outcomes if o["case"] in AFTER_SWAP)
            case = f"SIGKILL after {rng.uniform(1.0, 0.9 * whole):.1f} s"
        state = not state
        extract.write_bytes(_variant(original, state))
        published_before = file_hashes(target.settings.publish_dir)
        started = time.perf_counter()
        if case.startswith("SIGKILL"):
            code = target.run_killed_after(float(case.split()[2]))
        else:
            killed = target.run(case)
            code = killed.returncode
            if code != EXIT_CODE:
                _fail(case, f"exited {code}, not at the fault point ({EXIT_CODE})", killed)
        killed_seconds = time.perf_counter() - started
        after_kill = file_hashes(target.settings.publish_dir)
        untouched = after_kill == published_before
        swapped = publication_state(target.settings.publish_dir) == references[state]
        if before_swap is True and not untouched:
            _fail(case, "killed before the swap, but the publication changed")
        if before_swap is False and not swapped:
            _fail(case, "killed after the swap, but the publication is not the new one")
        if not (untouched or swapped):
            _fail(case, "the publication is neither the previous one nor the new one")

        started = time.perf_counter()
        rerun = target.run()
        rerun_seconds = time.perf_counter() - started
        if rerun.returncode != 0:
            _fail(case, f"the re-run exited {rerun.returncode}", rerun)
        converged = publication_state(target.settings.publish_dir) == references[state]
        if not converged:
            what = _differences(publication_state(target.settings.publish_dir), references[state])
            _fail(case, f"after the re-run the publication differs from a clean run's in {what}", rerun)
        if not report_stamp.reports_current(target.settings):
            _fail(case, "after the re-run the reports do not belong to the publication", rerun)
        again = target.run()
        if "nothing changed since the current publication" not in again.stdout:
            _fail(case, "a run after the re-run did not find everything current", again)
        outcome = "before the swap" if untouched else "after the swap"
        if code == 0:
            outcome = "not at all (the run had finished)"
        outcomes.append(
            {
                "case": case,
                "exit": code,
                "killed": outcome,
                "publication_untouched": untouched,
                "converged": converged,
                "killed_run_s": round(killed_seconds, 1),
                "rerun_s": round(rerun_seconds, 1),
            }
        )
        print(f"    {case}: killed {outcome}, re-run converged in {rerun_seconds:.1f} s", flush=True)
    return {
        "sample": "data/raw (shipped)",
        "clean_run_s": [round(s, 1) for s in clean_seconds],
        "cases": outcomes,
        "failures": 0,
    }


def run_matrix(kills: int = 3, seed: int = 6500) -> dict:
    with tempfile.TemporaryDirectory(prefix="crash-matrix-") as tmp:
        try:
            return crash_matrix(kills, seed, Path(tmp))
        except AssertionError as e:
            return {"cases": [], "failures": 1, "error": str(e)[:4000]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.crash_matrix", description=__doc__)
    parser.add_argument("--kills", type=int, default=3, help="runs killed with SIGKILL at random moments")
    parser.add_argument("--seed", type=int, default=6500)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    result = run_matrix(args.kills, args.seed)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    if result["failures"]:
        print(f"CRASH MATRIX FAILED: {result['error']}", file=sys.stderr)
        return 1
    print(f"{len(result['cases'])} kills, each re-run converged on a clean run's publication")
    return 0


if __name__ == "__main__":
    sys.exit(main())
