"""generate(): write synthetic regency extracts for several snapshots and their answer key."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np

from pipelines.synthetic import population
from pipelines.synthetic.answer_key import NOTES, snapshot_key
from pipelines.synthetic.calendar import day_number
from pipelines.synthetic.snapshot import write_snapshot

DEFAULT_SNAPSHOTS = ("2026-03-31", "2026-09-30")
DEFAULT_SEED = 6500
KEY_FILE = "GENERATED.json"


def generate(
    out_dir: str | Path,
    scale: float = 1.0,
    snapshots: list[str | dt.date] | tuple = DEFAULT_SNAPSHOTS,
    seed: int = DEFAULT_SEED,
) -> dict:
    """Write `<out_dir>/<YYYY-MM-DD>/<code>_<name>.<ext>` for each snapshot and `<out_dir>/GENERATED.json`.

    The same (scale, snapshots, seed) always gives byte-identical files. Returns the answer key.
    """
    if scale <= 0:
        raise ValueError("scale must be positive")
    out = Path(out_dir)
    days = sorted({day_number(s) for s in snapshots})
    if not days:
        raise ValueError("at least one snapshot date is needed")
    pop = population.build(np.random.default_rng([seed, 0]), scale, days[0], days[-1])
    key = {
        "generator": "pipelines.synthetic",
        "seed": seed,
        "scale": scale,
        "snapshots": {},
        "notes": NOTES,
    }
    for index, day in enumerate(days):
        name = str(np.datetime64(day, "D"))
        files = write_snapshot(pop, day, out / name, seed, index)
        key["snapshots"][name] = snapshot_key(files, day, name, pop)
    out.mkdir(parents=True, exist_ok=True)
    (out / KEY_FILE).write_text(json.dumps(key, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return key
