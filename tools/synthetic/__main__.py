"""CLI: python -m tools.synthetic --scale 1 --out DIR [--seed N] [--snapshots 2026-03-31,2026-09-30]
[--styles default|messy]"""

from __future__ import annotations

import argparse
import sys
import time

from tools.synthetic.generate import DEFAULT_SEED, DEFAULT_SNAPSHOTS, generate
from tools.synthetic.styles import FAMILIES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.synthetic", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="1 = Kaltara's ~770,000 residents")
    parser.add_argument("--out", required=True, help="output directory (snapshot folders + GENERATED.json)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--snapshots", default=",".join(DEFAULT_SNAPSHOTS), help="comma-separated YYYY-MM-DD")
    parser.add_argument(
        "--styles",
        choices=list(FAMILIES),
        default="default",
        help="'default': one fixed style per regency, as the shipped sample; 'messy': raw SIAK exports "
        "(extra columns, shuffled order, every delimiter, encoding, date format and spelling the contract "
        "accepts), same answer key counts, each file's style in GENERATED.json 'styles'",
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    snapshots = [s.strip() for s in args.snapshots.split(",") if s.strip()]
    key = generate(args.out, scale=args.scale, snapshots=snapshots, seed=args.seed, styles=args.styles)
    for name, snap in key["snapshots"].items():
        print(
            f"{name}: {snap['rows_written']:,} rows in {len(snap['files'])} files, "
            f"{snap['distinct_valid_persons']:,} distinct valid persons"
        )
    print(f"written to {args.out} in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
