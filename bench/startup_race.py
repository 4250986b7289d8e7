"""Start-up, many times over: do the threads of a run's start ever meet a module half-imported?

    python -m bench.startup_race [--repeats 20] [--json OUT]

A run imports on three threads at once: the code location on the main thread while files land, GX's
import on a thread of its own, and dbt's command on another while the build runs. Two threads that
import one module at the same moment can meet it half-initialised ("partially initialized module
'sqlalchemy.orm.exc'", seen once in 68 runs before the imports were ordered). Each repetition is the
real `python -m pipelines run` on the shipped sample into a fresh warehouse, stopped by fault injection
(KTP_FAULT_INJECT=gx_ready) as soon as GX's context exists, i.e. after landing, the whole dbt build and
GX's import: a race on the way ends the process otherwise, and is counted with its last line.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pipelines.lib.faults import EXIT_CODE
from pipelines.lib.settings import REPO_ROOT


def race(repeats: int) -> dict:
    outcomes = []
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw"
        shutil.copytree(REPO_ROOT / "data" / "raw", raw)
        for i in range(repeats):
            root = Path(tmp) / f"run{i}"
            env = {
                **os.environ,
                "PYTHONPATH": str(REPO_ROOT),
                "DO_NOT_TRACK": "1",
                "GX_ANALYTICS_ENABLED": "false",
                "KTP_LOG_LEVEL": "WARNING",
                "KTP_RAW_DIR": str(raw),
                "KTP_WAREHOUSE": str(root / "ktp.duckdb"),
                "KTP_PUBLISH_DIR": str(root / "published"),
                "KTP_REPORTS_DIR": str(root / "reports"),
                "KTP_FAULT_INJECT": "gx_ready",
            }
            started = time.perf_counter()
            run = subprocess.run(
                [sys.executable, "-m", "pipelines", "run"],
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
            )
            last = (run.stderr.strip().splitlines() or run.stdout.strip().splitlines() or [""])[-1]
            outcomes.append(
                {
                    "seconds": round(time.perf_counter() - started, 2),
                    "returncode": run.returncode,
                    "ok": run.returncode == EXIT_CODE,
                    "last_line": "" if run.returncode == EXIT_CODE else last[:300],
                }
            )
            shutil.rmtree(root, ignore_errors=True)
            print(f"    start-up {i + 1}/{repeats}: {'ok' if outcomes[-1]['ok'] else last}", flush=True)
    return {"repeats": repeats, "failures": sum(not o["ok"] for o in outcomes), "runs": outcomes}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.startup_race", description=__doc__)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    result = race(args.repeats)
    print(f"{result['failures']} of {result['repeats']} start-ups failed")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 1 if result["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
