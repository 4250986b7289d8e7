"""SIAK's own biodata columns that raw exports carry along: PDDK_AKH, JENIS_PKRJN and GOL_DRH (AGAMA is in
population.py). The contract ignores them; they are there so files are as wide and as varied as real ones.

Drawn once per person from their own random stream (never from the population's or a file's, so the
default family's output and every family's answer key stay the same), and read on the listing's day:
education and occupation follow age, so the same person is a pupil in one snapshot and may have
finished school in the next.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from tools.synthetic.calendar import DAYS_PER_YEAR
from tools.synthetic.population import Population

COLUMNS = ("PDDK_AKH", "JENIS_PKRJN", "GOL_DRH")

# SIAK's PDDK_AKH code table (1..10), and the age from which each level can be the last one reached.
EDUCATION = [
    "TIDAK/BELUM SEKOLAH",
    "BELUM TAMAT SD/SEDERAJAT",
    "TAMAT SD/SEDERAJAT",
    "SLTP/SEDERAJAT",
    "SLTA/SEDERAJAT",
    "DIPLOMA I/II",
    "AKADEMI/DIPLOMA III/SARJANA MUDA",
    "DIPLOMA IV/STRATA I",
    "STRATA II",
    "STRATA III",
]
_EDUCATION_FROM_AGE = np.array([0, 7, 12, 15, 18, 20, 21, 22, 25, 29])
# Last level reached by adults (Kaltara, roughly SUSENAS shares).
_EDUCATION_FINAL = np.array([0.04, 0.08, 0.20, 0.17, 0.33, 0.02, 0.03, 0.11, 0.015, 0.005])

# Part of SIAK's JENIS_PKRJN code table (89 entries), the common ones.
NOT_WORKING, HOMEMAKER, PUPIL, RETIRED = (
    "BELUM/TIDAK BEKERJA",
    "MENGURUS RUMAH TANGGA",
    "PELAJAR/MAHASISWA",
    "PENSIUNAN",
)
_CIVIL_SERVICE = ["PEGAWAI NEGERI SIPIL (PNS)", "TENTARA NASIONAL INDONESIA (TNI)", "KEPOLISIAN RI (POLRI)"]
_WORK = [
    "WIRASWASTA",
    "PETANI/PEKEBUN",
    "NELAYAN/PERIKANAN",
    "KARYAWAN SWASTA",
    "KARYAWAN HONORER",
    "BURUH HARIAN LEPAS",
    "PERDAGANGAN",
    "GURU",
    "SOPIR",
    "PERAWAT",
    *_CIVIL_SERVICE,
    HOMEMAKER,
    NOT_WORKING,
]
OCCUPATIONS = [NOT_WORKING, HOMEMAKER, PUPIL, RETIRED, *_WORK[:-2]]
_WORK_INDEX = np.array([OCCUPATIONS.index(w) for w in _WORK])
# Adult occupation by sex, without and with a diploma or degree (share per _WORK entry).
_WORK_SHARES = {
    (True, False): [0.26, 0.22, 0.08, 0.14, 0.03, 0.09, 0.04, 0.0, 0.04, 0.0, 0.02, 0.01, 0.01, 0.0, 0.06],
    (True, True): [0.14, 0.04, 0.01, 0.24, 0.08, 0.01, 0.04, 0.08, 0.01, 0.03, 0.18, 0.04, 0.04, 0.0, 0.06],
    (False, False): [0.12, 0.12, 0.01, 0.07, 0.02, 0.02, 0.06, 0.0, 0.0, 0.0, 0.01, 0.0, 0.0, 0.46, 0.11],
    (False, True): [0.08, 0.02, 0.0, 0.18, 0.1, 0.0, 0.03, 0.17, 0.0, 0.08, 0.17, 0.0, 0.01, 0.1, 0.06],
}
_RETIREMENT_AGE = 58

# GOL_DRH: most residents never had their blood group tested.
BLOOD_GROUPS = ["A", "B", "AB", "O", "TIDAK TAHU"]
_BLOOD_SHARES = [0.09, 0.1, 0.03, 0.15, 0.63]


@dataclass
class SiakAttributes:
    education_final: np.ndarray  # index into EDUCATION: the last level this person reaches
    occupation: np.ndarray  # index into OCCUPATIONS: the adult occupation once out of school
    blood: np.ndarray  # index into BLOOD_GROUPS


def draw(pop: Population, rng: np.random.Generator) -> SiakAttributes:
    n = len(pop)
    education = rng.choice(len(EDUCATION), size=n, p=_EDUCATION_FINAL / _EDUCATION_FINAL.sum())
    educated = education >= EDUCATION.index("DIPLOMA I/II")
    occupation = np.empty(n, dtype=np.int64)
    for (male, degree), shares in _WORK_SHARES.items():
        who = np.flatnonzero((pop.male == male) & (educated == degree))
        p = np.asarray(shares) / np.sum(shares)
        occupation[who] = _WORK_INDEX[rng.choice(len(_WORK), size=len(who), p=p)]
    blood = rng.choice(len(BLOOD_GROUPS), size=n, p=_BLOOD_SHARES)
    return SiakAttributes(education, occupation, blood)


def columns(
    attrs: SiakAttributes, pop: Population, person: np.ndarray, day: np.ndarray
) -> dict[str, pa.Array]:
    """PDDK_AKH, JENIS_PKRJN and GOL_DRH of the listed persons on the listing's day."""
    age = (day - pop.birth[person]) / DAYS_PER_YEAR
    final = attrs.education_final[person]
    reached = np.searchsorted(_EDUCATION_FROM_AGE, age, side="right") - 1
    education = np.minimum(final, reached)
    # At school from 7 until the last level is reached (final level 1: left primary school unfinished).
    in_school = (age >= 7) & (age < _EDUCATION_FROM_AGE[final])
    occupation = attrs.occupation[person]
    civil = np.isin(occupation, [OCCUPATIONS.index(c) for c in _CIVIL_SERVICE])
    occupation = np.select(
        [in_school, age < 15, civil & (age >= _RETIREMENT_AGE)],
        [OCCUPATIONS.index(PUPIL), OCCUPATIONS.index(NOT_WORKING), OCCUPATIONS.index(RETIRED)],
        default=occupation,
    )
    return {
        "PDDK_AKH": _take(EDUCATION, education),
        "JENIS_PKRJN": _take(OCCUPATIONS, occupation),
        "GOL_DRH": _take(BLOOD_GROUPS, attrs.blood[person]),
    }


def _take(values: list[str], idx: np.ndarray) -> pa.Array:
    return pa.array(values).take(pa.array(np.asarray(idx, dtype=np.int64)))
