"""The same rows in every file style: what a style itself costs, with the content held fixed.

    python -m bench.style_matrix [--regency 6502] [--scale 1] [--repeats 5] [--json OUT]

The generator's 'messy' family gives each regency its own style, so comparing its files compares
styles and contents at once (regencies differ in size, quoting, spelling, share of defects). Here one
regency's rows (the generator's own, defects included) are written once in each of the five messy
styles, each copy in a snapshot folder of its own, and bench.ingestion_styles measures each copy:
landing, judging, the format's fastest reader alone, and per CSV style the marginal cost per MB. The
spread across styles is then the styles' alone.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

from bench.ingestion_styles import measure, print_results
from tools.synthetic import population, siak
from tools.synthetic.calendar import day_number
from tools.synthetic.snapshot import write_snapshot
from tools.synthetic.styles import MESSY_STYLES
from tools.synthetic.styles import describe as describe_style

LAST_SNAPSHOT = "2026-09-30"


def write_matrix(out: Path, *, regency: str, scale: float, seed: int) -> dict[str, dict]:
    """`out/<date>/<regency>_as_<style's regency>.<ext>` for each messy style, one date per style (a week
    apart, ending on LAST_SNAPSHOT), all holding the rows the generator lists for `regency` on
    LAST_SNAPSHOT; returns file -> style description."""
    day = day_number(LAST_SNAPSHOT)
    pop = population.build(np.random.default_rng([seed, 0]), scale, day, day)
    attrs = siak.draw(pop, np.random.default_rng([seed, 3]))
    described = {}
    for offset, (source, style) in enumerate(MESSY_STYLES.items()):
        folder = (dt.date.fromisoformat(LAST_SNAPSHOT) - dt.timedelta(days=7 * offset)).isoformat()
        copy = dataclasses.replace(style, code=regency, slug=f"as_{source}")
        # One style at a time, at the same position: the random streams (rows, defects) are the same.
        write_snapshot(pop, day, out / folder, seed, 0, {regency: copy}, attrs)
        described[f"{folder}/{copy.file_name}"] = describe_style(copy)
    (out / "GENERATED.json").write_text(json.dumps({"styles": described}, indent=2), encoding="utf-8")
    return described


def measure_matrix(*, regency: str, scale: float, seed: int, repeats: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "styles"
        write_matrix(data, regency=regency, scale=scale, seed=seed)
        files = measure(data, repeats)
    return {"regency": regency, "scale": scale, "repeats": repeats, "files": files}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.style_matrix", description=__doc__)
    parser.add_argument("--regency", default="6502", help="whose rows (4 digits); Malinau by default")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=6500)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    payload = measure_matrix(regency=args.regency, scale=args.scale, seed=args.seed, repeats=args.repeats)
    print_results(payload["files"])
    if args.json:
        args.json.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
