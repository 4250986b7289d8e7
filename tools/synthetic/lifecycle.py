"""The state of residents on a given day, derived from their life events (population.py)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipelines.lib.ingest.contract import KTP_STATUSES
from tools.synthetic.calendar import NEVER
from tools.synthetic.population import Population

MARITAL = ["BELUM KAWIN", "KAWIN", "CERAI HIDUP", "CERAI MATI"]
_STATUS = {s: i for i, s in enumerate(KTP_STATUSES)}
_CARD = np.array([_STATUS["CARD PRINTED"], _STATUS["CARD SHIPPED"], _STATUS["CARD ISSUED"]])
_WAITING = np.array([_STATUS["PRINT READY RECORD"], _STATUS["SENT FOR CARD PRINTING"]])


@dataclass
class State:
    marital: np.ndarray  # index into MARITAL
    ktp_status: np.ndarray  # index into contract.KTP_STATUSES
    recorded: np.ndarray  # recording day, NEVER if not recorded by then
    entry: np.ndarray  # day of the last SIAK entry, never after the day asked for


def _happened(event: np.ndarray, day: np.ndarray) -> np.ndarray:
    return event <= day


def state_on(pop: Population, who: np.ndarray, day: np.ndarray) -> State:
    """State of persons `who` on `day` (one day per person, so movers' old listing can lag)."""
    married = _happened(pop.marriage[who], day)
    divorced = _happened(pop.divorce[who], day) & ~_happened(pop.remarriage[who], day)
    widowed = _happened(pop.widowed[who], day) & ~divorced
    marital = np.select([~married, divorced, widowed], [0, 2, 3], default=1)

    rec = pop.recorded[who]
    is_rec = _happened(rec, day)
    is_printed = _happened(pop.printed[who], day)
    waiting = np.where(day - rec < 10, _STATUS["SUDAH REKAM"], _WAITING[pop.waiting_status[who]])
    status = np.select(
        [~is_rec, pop.duplicate_record[who], is_printed],
        [_STATUS["BELUM REKAM"], _STATUS["DUPLICATE RECORD"], _CARD[pop.card_status[who]]],
        default=waiting,
    )

    events = [
        pop.registered[who],
        rec,
        pop.printed[who],
        pop.marriage[who],
        pop.divorce[who],
        pop.remarriage[who],
        pop.widowed[who],
        pop.moved[who],
    ]
    entry = pop.registered[who].copy()
    for e in events:
        entry = np.where(_happened(e, day) & (e > entry), e, entry)
    entry = np.minimum(entry, day)
    return State(
        marital=marital.astype(np.int8),
        ktp_status=status.astype(np.int8),
        recorded=np.where(is_rec, rec, NEVER),
        entry=entry,
    )
