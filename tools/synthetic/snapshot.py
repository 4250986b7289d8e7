"""One snapshot: who is listed by which regency, rendered in each office's style, defects planted, written."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from tools.synthetic import checks, defects, siak, writers
from tools.synthetic.calendar import NEVER
from tools.synthetic.lifecycle import State, state_on
from tools.synthetic.population import Population
from tools.synthetic.reference import villages
from tools.synthetic.render import draws, render
from tools.synthetic.styles import STYLES, FileStyle

EXACT_DUPLICATE_RATE = 0.0005


@dataclass
class WrittenFile:
    """What was written for one regency, row-aligned, for the answer key."""

    code: str
    style: FileStyle
    path: Path
    cols: dict[str, pa.Array]
    person: np.ndarray
    state: State
    kind: np.ndarray  # 0 listed where they live, 1 old listing of a mover, 2 exact duplicate copy
    reason: np.ndarray  # first reject reason index per row, -1 valid


def _listings(pop: Population, day: int):
    """Rows of the snapshot before formatting: person, village listed, state day, kind."""
    present = (pop.registered <= day) & (pop.death > day)
    moved = pop.moved <= day
    home = np.where(moved, pop.move_village, pop.village)
    double = present & moved & (day < pop.old_listing_until)
    persons = np.flatnonzero(present)
    olds = np.flatnonzero(double)
    person = np.concatenate([persons, olds])
    village = np.concatenate([home[persons], pop.village[olds]])
    state_day = np.concatenate([np.full(len(persons), day), pop.moved[olds] - 1])
    kind = np.concatenate([np.zeros(len(persons), np.int8), np.ones(len(olds), np.int8)])
    newcomer = (kind == 0) & double[person]
    return person, village, state_day, kind, newcomer


def write_snapshot(
    pop: Population,
    day: int,
    folder: Path,
    seed: int,
    index: int,
    styles: dict[str, FileStyle] = STYLES,
    attrs: siak.SiakAttributes | None = None,
) -> list[WrittenFile]:
    """Write one file per regency in `styles` (a family of styles.FAMILIES); `attrs` feed SIAK's columns.

    The random streams depend on the regency and on its default style only, so every family lists the
    same rows with the same defects and duplicates: the same answer key, only presented differently.
    """
    folder.mkdir(parents=True, exist_ok=True)
    v = villages()
    person_all, village_all, day_all, kind_all, newcomer_all = _listings(pop, day)
    file_of_row = v.regency4[village_all]
    out = []
    for f_index, (code, style) in enumerate(styles.items()):
        rng = np.random.default_rng([seed, 1, index, f_index])
        spare = np.random.default_rng([seed, 2, index, f_index])  # draws only other families need
        sel = np.flatnonzero(file_of_row == code)
        person, village, state_day, kind, newcomer = (
            a[sel] for a in (person_all, village_all, day_all, kind_all, newcomer_all)
        )
        order = np.lexsort((kind, pop.nik[person], pop.no_kk[person], village))
        person, village, state_day, kind, newcomer = (
            a[order] for a in (person, village, state_day, kind, newcomer)
        )
        state = state_on(pop, person, state_day)
        draw = draws(STYLES[code], len(person), rng, spare)
        needs_siak = set(style.columns) & set(siak.COLUMNS)
        if needs_siak and attrs is None:
            raise ValueError(f"{style.file_name}: SIAK columns {sorted(needs_siak)} need SiakAttributes")
        extra = siak.columns(attrs, pop, person, state_day) if needs_siak else None
        cols = render(style, pop, person, village, state, newcomer, draw, extra)
        days_of = {"TGL_LHR": pop.birth[person], "TGL_REKAM": state.recorded, "TGL_ENTRI": state.entry}
        cells = {c: days_of[c].copy() for c in sorted(style.xlsx_date_cells)}

        plain = (kind == 0) & ~pop.protected[person] & (pop.moved[person] == NEVER)
        n_dup = max(1, int(rng.binomial(len(person), EXACT_DUPLICATE_RATE)))
        dup_rows = np.sort(rng.choice(np.flatnonzero(plain), size=n_dup, replace=False))
        plain[dup_rows] = False
        planted = defects.plant(style, cols, cells, np.flatnonzero(plain), rng, day)

        # Each duplicated row is repeated right after itself, byte for byte.
        take = np.sort(np.concatenate([np.arange(len(person)), dup_rows]), kind="stable")
        is_copy = np.r_[False, take[1:] == take[:-1]]
        cols = {c: a.take(pa.array(take)) for c, a in cols.items()}
        cells = {c: a[take] for c, a in cells.items()}
        kind = np.where(is_copy, 2, kind[take]).astype(np.int8)
        person, planted = person[take], planted[take]
        state = State(*(getattr(state, f)[take] for f in ("marital", "ktp_status", "recorded", "entry")))

        reason = checks.first_reject(cols, code, day)
        if not np.array_equal(reason, planted):
            bad = np.flatnonzero(reason != planted)[:5]
            raise AssertionError(f"{style.file_name}: planted {planted[bad]} but rows read as {reason[bad]}")

        path = folder / style.file_name
        if style.fmt == "csv":
            writers.write_csv(path, style, cols)
        else:
            writers.write_xlsx(path, style, cols, cells)
        out.append(WrittenFile(code, style, path, cols, person, state, kind, reason))
    return out


def snapshot_name(day: int) -> str:
    return str(dt.date(1970, 1, 1) + dt.timedelta(days=day))
