"""generate(): write synthetic regency extracts for several snapshots and their answer key."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np

from tools.synthetic import population, siak
from tools.synthetic.answer_key import NOTES, snapshot_key
from tools.synthetic.calendar import day_number
from tools.synthetic.snapshot import write_snapshot
from tools.synthetic.styles import FAMILIES, describe

DEFAULT_SNAPSHOTS = ("2026-03-31", "2026-09-30")
DEFAULT_SEED = 6500
KEY_FILE = "GENERATED.json"


def generate(
    out_dir: str | Path,
    scale: float = 1.0,
    snapshots: list[str | dt.date] | tuple = DEFAULT_SNAPSHOTS,
    seed: int = DEFAULT_SEED,
    styles: str = "default",
) -> dict:
    """Write `<out_dir>/<YYYY-MM-DD>/<code>_<name>.<ext>` for each snapshot and `<out_dir>/GENERATED.json`.

    The same (scale, snapshots, seed, styles) always gives byte-identical files. Returns the answer key.
    `styles` names a family of styles.FAMILIES: 'default' (one fixed style per regency, the shipped sample)
    or 'messy' (raw SIAK exports with SIAK's extra columns, shuffled columns and every delimiter, encoding,
    date format and spelling the contract accepts). A family changes how the files look, not what they
    hold: the answer key's counts are the same for every family. With a family other than 'default' the
    key names it ('style_family') and records each file's style ('styles', file -> styles.describe).
    """
    if scale <= 0:
        raise ValueError("scale must be positive")
    if styles not in FAMILIES:
        raise ValueError(f"unknown styles {styles!r}: one of {', '.join(FAMILIES)}")
    family = FAMILIES[styles]
    out = Path(out_dir)
    days = sorted({day_number(s) for s in snapshots})
    if not days:
        raise ValueError("at least one snapshot date is needed")
    pop = population.build(np.random.default_rng([seed, 0]), scale, days[0], days[-1])
    needs_siak = any(set(s.columns) & set(siak.COLUMNS) for s in family.values())
    attrs = siak.draw(pop, np.random.default_rng([seed, 3])) if needs_siak else None
    key = {
        "generator": "tools.synthetic",
        "seed": seed,
        "scale": scale,
        "snapshots": {},
        "notes": NOTES,
    }
    if styles != "default":  # the default key stays as it always was (data/raw/GENERATED.json)
        key["style_family"] = styles
        key["styles"] = {}
    for index, day in enumerate(days):
        name = str(np.datetime64(day, "D"))
        files = write_snapshot(pop, day, out / name, seed, index, family, attrs)
        key["snapshots"][name] = snapshot_key(files, day, name, pop)
        if "styles" in key:
            key["styles"].update({f"{name}/{f.style.file_name}": describe(f.style) for f in files})
    out.mkdir(parents=True, exist_ok=True)
    (out / KEY_FILE).write_text(json.dumps(key, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return key
