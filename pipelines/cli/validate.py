"""`python -m pipelines validate <suite> [--snapshot-date YYYY-MM-DD] [--regency-code 65.01]`.

Validates the warehouse of the current KTP_* settings, prints the outcome and exits 1 when a blocking
check failed, so a suite can be run by hand or from a shell script.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from pipelines.lib.quality.runner import run_suite
from pipelines.lib.quality.suites import available_suites
from pipelines.lib.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines validate", description=__doc__)
    parser.add_argument("suite", choices=available_suites())
    parser.add_argument("--snapshot-date", type=dt.date.fromisoformat)
    parser.add_argument("--regency-code")
    parser.add_argument("--asset", default="manual")
    parser.add_argument("--run-id", default=f"manual-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}")
    args = parser.parse_args(argv)
    outcome = run_suite(
        Settings.from_env(),
        args.suite,
        asset=args.asset,
        snapshot_date=args.snapshot_date,
        regency_code=args.regency_code,
        run_id=args.run_id,
    )
    print(outcome.summary())
    print(f"Data Docs: {outcome.docs_page}")
    return 0 if outcome.success else 1


if __name__ == "__main__":
    sys.exit(main())
