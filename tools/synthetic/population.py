"""The synthetic residents: who they are and when things happen in their lives, drawn once for all snapshots.

Every attribute is an array over persons. Life events are stored as day numbers (calendar.NEVER when they
never happen), so the state at any snapshot date follows by comparison (see lifecycle.py) and people age,
marry and get recorded consistently between snapshots.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from tools.synthetic import names, nik
from tools.synthetic.calendar import DAYS_PER_YEAR, NEVER, add_years, day_number
from tools.synthetic.reference import male_share, regency_population, villages

# Share of residents per 5-year age group 0-4 ... 95-99: a young pyramid like Kaltara's (SP2020 shape).
AGE_GROUP_WEIGHTS = np.array(
    [9.3, 9.4, 9.0, 8.6, 8.6, 8.6, 8.5, 8.1, 7.5, 6.6, 5.5, 4.2, 3.0, 1.8, 1.0, 0.6, 0.3, 0.15, 0.05, 0.02]
)
BIRTHS_PER_PERSON_YEAR = 0.017
EKTP_START = day_number("2011-08-01")  # nationwide KTP-el recording began in 2011
KALTARA_SPLIT = day_number("2012-10-25")  # NIKs issued before can carry Kalimantan Timur's 64
MOVER_SHARE = 0.002  # residents listed by two regencies in one snapshot
ADULT_SHARE = 0.69
OLD_LISTING_DAYS = (60, 300)  # how long the old regency keeps listing a mover
FORCED_PER_REGENCY = 2  # residents per regency guaranteed to carry each NIK mismatch


@dataclass
class Population:
    regency: np.ndarray  # '6501' of the village lived in (before any move)
    village: np.ndarray  # index into reference.villages()
    male: np.ndarray
    birth: np.ndarray  # day numbers
    registered: np.ndarray  # first entered in SIAK (birth registration or arrival)
    death: np.ndarray
    foreign: np.ndarray  # WNA with KITAP
    migrant: np.ndarray  # NIK issued in another province
    nik: np.ndarray  # 16-character strings
    no_kk: np.ndarray
    name: pa.Array
    birth_place: pa.Array
    religion: np.ndarray
    occupation_code: np.ndarray
    marriage: np.ndarray
    divorce: np.ndarray
    remarriage: np.ndarray
    widowed: np.ndarray
    recorded: np.ndarray
    printed: np.ndarray
    duplicate_record: np.ndarray
    waiting_status: np.ndarray  # 0 PRINT READY RECORD, 1 SENT FOR CARD PRINTING while waiting for a card
    card_status: np.ndarray  # 0 CARD PRINTED, 1 CARD SHIPPED, 2 CARD ISSUED once printed
    moved: np.ndarray  # day of a move to another regency
    move_village: np.ndarray
    old_listing_until: np.ndarray  # the old regency still lists the mover before this day
    protected: np.ndarray  # a forced case (NIK mismatch, WNA, name to quote): never rejected, moved or dead

    def __len__(self) -> int:
        return len(self.birth)


def _years(values: np.ndarray) -> np.ndarray:
    return np.round(values * DAYS_PER_YEAR).astype(np.int64)


def _ages_in_days(rng: np.random.Generator, n: int) -> np.ndarray:
    w = AGE_GROUP_WEIGHTS / AGE_GROUP_WEIGHTS.sum()
    group = rng.choice(len(w), size=n, p=w)
    return _years(group * 5 + rng.random(n) * 5)


def _village_weights(rng: np.random.Generator) -> np.ndarray:
    v = villages()
    w = rng.lognormal(0.0, 0.8, len(v.code)) * np.where(v.is_kelurahan, 3.0, 1.0)
    return w


def _pick_villages(rng: np.random.Generator, regency: np.ndarray, weights: np.ndarray) -> np.ndarray:
    v = villages()
    out = np.empty(len(regency), dtype=np.int64)
    for code in np.unique(regency):
        idx = np.flatnonzero(v.regency4 == code)
        sel = regency == code
        out[sel] = rng.choice(idx, size=int(sel.sum()), p=weights[idx] / weights[idx].sum())
    return out


def _marriages(rng, n, male, birth):
    first_age = np.where(male, 17 + rng.gamma(3.0, 2.8, n), 15 + rng.gamma(3.0, 2.6, n))
    never = rng.random(n) < 0.06
    marriage = np.where(never, NEVER, birth + _years(first_age))
    widow_age = np.where(male, rng.normal(74, 11, n), rng.normal(67, 11, n))
    widowed = birth + _years(widow_age)
    widowed = np.where(never | (widowed <= marriage), NEVER, widowed)
    divorces = ~never & (rng.random(n) < 0.12)
    divorce = np.where(divorces, marriage + _years(rng.exponential(9.0, n)) + 1, NEVER)
    divorce = np.where(divorce >= widowed, NEVER, divorce)
    remarries = (divorce < NEVER) & (rng.random(n) < 0.55)
    remarriage = np.where(remarries, divorce + _years(1 + 5 * rng.random(n)), NEVER)
    return marriage, divorce, remarriage, widowed


def _recording(rng, n, birth, marriage):
    """KTP-el recording and card printing days: ~99 % of adults recorded, the rest mostly aged 17-21."""
    turns16 = add_years(birth, 16)
    turns17 = add_years(birth, 17)
    eligible = np.minimum(turns17, np.where(marriage < turns17, marriage + 30, NEVER))
    legacy = eligible < EKTP_START
    legacy_day = EKTP_START + np.round(rng.gamma(1.5, 300.0, n)).astype(np.int64)
    early = rng.random(n) < 0.33
    slow = rng.random(n) < 0.08
    delay = np.round(np.where(slow, rng.exponential(3 * 365.0, n), rng.exponential(120.0, n))).astype(
        np.int64
    )
    young_day = np.where(early, turns16 + rng.integers(0, 240, n), eligible + delay)
    young_day = np.maximum(young_day, EKTP_START)
    recorded = np.where(legacy, np.maximum(legacy_day, turns16), young_day)
    recorded = np.where(rng.random(n) < 0.0025, NEVER, recorded)
    printed = np.maximum(recorded, turns17) + np.round(rng.exponential(45.0, n)).astype(np.int64) + 1
    printed = np.where((recorded >= NEVER) | (rng.random(n) < 0.02), NEVER, printed)
    duplicate = (recorded < NEVER) & (rng.random(n) < 0.001)
    return recorded, printed, duplicate


def build(rng: np.random.Generator, scale: float, first: int, last: int) -> Population:
    v = villages()
    pops = regency_population()
    codes = sorted(pops)
    counts = {c: max(1, round(pops[c] * scale)) for c in codes}
    base = np.repeat(np.array(codes), [counts[c] for c in codes])
    n_base = len(base)
    span_years = (last - first) / DAYS_PER_YEAR
    n_births = int(round(n_base * BIRTHS_PER_PERSON_YEAR * span_years))
    reg_p = np.array([counts[c] for c in codes], dtype=float) / n_base
    regency = np.concatenate([base, rng.choice(np.array(codes), size=n_births, p=reg_p)])
    n = len(regency)
    vweights = _village_weights(rng)
    village = _pick_villages(rng, regency, vweights)

    male = rng.random(n) < male_share()
    birth = np.concatenate(
        [first - _ages_in_days(rng, n_base), first + 1 + rng.integers(0, max(1, last - first), n_births)]
    )
    lag = np.round(rng.exponential(60.0, n)).astype(np.int64)
    registered = np.where(np.arange(n) < n_base, np.minimum(birth + lag, first), birth + lag)
    age_at_first = (first - birth) / DAYS_PER_YEAR
    # Annual mortality rising with age (Gompertz-like); deaths fall between the first and last snapshot.
    q = np.clip(0.0004 * np.exp(0.085 * (age_at_first - 30)), 0.0002, 0.3) * span_years
    dies = (rng.random(n) < q) & (np.arange(n) < n_base)
    death = np.where(dies, first + 1 + rng.integers(0, max(1, last - first), n), NEVER)

    adult = age_at_first >= 17
    foreign = adult & (rng.random(n) < 0.0008)
    migrant = adult & ~foreign & (rng.random(n) < 0.04)
    marriage, divorce, remarriage, widowed = _marriages(rng, n, male, birth)
    recorded, printed, duplicate = _recording(rng, n, birth, marriage)

    protected = np.zeros(n, dtype=bool)
    stable = (np.arange(n) < n_base) & ~dies & ~foreign & (age_at_first >= 20)
    # Every file, however small, carries each NIK mismatch and a name needing care (quotes, encoding).
    forced = {k: np.zeros(n, dtype=bool) for k in ("date", "sex", "foreign", "title", "apostrophe")}
    for code in codes:
        cand = np.flatnonzero(stable & (regency == code))
        pick = rng.choice(cand, size=min(len(cand), FORCED_PER_REGENCY * len(forced)), replace=False)
        for i, mask in enumerate(forced.values()):
            mask[pick[i * FORCED_PER_REGENCY : (i + 1) * FORCED_PER_REGENCY]] = True
        protected[pick] = True
    forced_date, forced_sex = forced["date"], forced["sex"]
    foreign |= forced["foreign"]
    migrant &= ~forced["foreign"]

    nik_birth = birth.copy()
    date_mismatch = forced_date | (rng.random(n) < 0.0025)
    shift = rng.integers(1, 400, n) * np.where(rng.random(n) < 0.5, -1, 1)
    nik_birth[date_mismatch] += shift[date_mismatch]
    nik_female = ~male ^ (forced_sex | (rng.random(n) < 0.001))
    issued_64 = (
        ~migrant
        & ~foreign
        & (birth < KALTARA_SPLIT)
        & (rng.random(n) < np.where(birth < day_number("1995-01-01"), 0.12, 0.05))
    )
    district_no = v.district_no[village]
    nik_region = nik.issue_regions(rng, regency, district_no, issued_64, migrant)
    niks = nik.assign_niks(nik_region, nik_birth, nik_female)

    household = nik.households(rng, village)
    kk_issue = rng.integers(day_number("2012-01-01"), day_number("2025-12-31"), household.max() + 1)
    no_kk = nik.assign_kks(regency, district_no, household, kk_issue)

    # Movers: a move to another regency some time around the snapshots, listed twice for a while.
    window = (first - OLD_LISTING_DAYS[1], last)
    # Only adults move on their own, so their rate is higher than the share over all residents.
    p_move = MOVER_SHARE / ADULT_SHARE * (window[1] - window[0]) / np.mean(OLD_LISTING_DAYS)
    moves = adult & ~foreign & ~protected & ~dies & (rng.random(n) < p_move)
    moved = np.where(moves, rng.integers(window[0], window[1] + 1, n), NEVER)
    moved = np.where(moved <= registered, NEVER, moved)
    shifted = rng.integers(1, len(codes), n)
    new_regency = np.array(codes)[(np.searchsorted(codes, regency) + shifted) % len(codes)]
    move_village = _pick_villages(rng, new_regency, vweights)
    old_listing_until = moved + rng.integers(*OLD_LISTING_DAYS, n)

    return Population(
        regency=regency,
        village=village,
        male=male,
        birth=birth,
        registered=registered,
        death=death,
        foreign=foreign,
        migrant=migrant,
        nik=niks,
        no_kk=no_kk,
        name=names.full_names(rng, male, adult, foreign, forced["title"], forced["apostrophe"]),
        birth_place=names.birth_places(rng, v.name[village], migrant, foreign),
        religion=rng.choice(6, size=n, p=[0.72, 0.2, 0.05, 0.01, 0.01, 0.01]),
        occupation_code=rng.integers(0, 8, n),
        marriage=marriage,
        divorce=divorce,
        remarriage=remarriage,
        widowed=widowed,
        recorded=recorded,
        printed=printed,
        duplicate_record=duplicate,
        waiting_status=(rng.random(n) < 0.15).astype(np.int8),
        card_status=rng.choice(3, size=n, p=[0.55, 0.05, 0.40]).astype(np.int8),
        moved=moved,
        move_village=move_village,
        old_listing_until=old_listing_until,
        protected=protected,
    )
