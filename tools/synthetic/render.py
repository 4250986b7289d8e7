"""Turn snapshot rows into the text values a regency office would send, in that office's style."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.lib.ingest.contract import KTP_STATUSES
from tools.synthetic.calendar import NEVER
from tools.synthetic.lifecycle import MARITAL, State
from tools.synthetic.population import Population
from tools.synthetic.reference import villages
from tools.synthetic.styles import FileStyle

RELIGIONS = ["ISLAM", "KRISTEN", "KATHOLIK", "HINDU", "BUDHA", "KONGHUCU"]
OCCUPATIONS = [
    "WIRASWASTA",
    "PETANI/PEKEBUN",
    "NELAYAN/PERIKANAN",
    "KARYAWAN SWASTA",
    "MENGURUS RUMAH TANGGA",
    "PEGAWAI NEGERI SIPIL",
    "BURUH HARIAN LEPAS",
    "BELUM/TIDAK BEKERJA",
]
_OFFICE_CODES = np.array(["6501", "6502", "6503", "6504", "6571"])
_OFFICES = np.array(
    [
        "DISDUKCAPIL KAB. BULUNGAN",
        "DISDUKCAPIL KAB. MALINAU",
        "DISDUKCAPIL KAB. NUNUKAN",
        "DISDUKCAPIL KAB. TANA TIDUNG",
        "DISDUKCAPIL KOTA TARAKAN",
    ]
)
_SEX = {"code": ("1", "2"), "word": ("LAKI-LAKI", "PEREMPUAN"), "letter": ("L", "P")}


def format_days(days: np.ndarray, fmt: str) -> pa.Array:
    """Day numbers as text in `fmt`; NEVER (no date) as an empty string."""
    arr = pa.array(np.where(days >= NEVER, 0, days).astype(np.int32), pa.date32())
    text = pc.strftime(arr.cast(pa.timestamp("s")), format=fmt)
    return pc.if_else(pa.array(days >= NEVER), "", text)


def _lookup(values: list[str], idx: np.ndarray) -> pa.Array:
    return pa.array(values).take(pa.array(np.asarray(idx, dtype=np.int64)))


def _code(values: np.ndarray, pad: bool) -> pa.Array:
    return pa.array(np.char.zfill(values.astype("U4"), 2) if pad else values.astype("U4"))


@dataclass
class Draws:
    """The random numbers rendering needs, one per row."""

    location: np.ndarray  # < 0.6: recorded at the district office, else at the regency office
    registered: np.ndarray  # < 0.8: a marriage registered with the state (KAWIN TERCATAT)


def draws(default: FileStyle, n: int, rng: np.random.Generator, spare: np.random.Generator) -> Draws:
    """Draw from the file's stream exactly what the regency's default style uses, in its order, and the rest
    from `spare`: the file's stream then goes on to pick the same duplicate and defect rows in every style
    family, so a family changes the presentation only, never the answer key."""
    location = rng.random(n)
    registered = (rng if default.spelling("STAT_KWN")[0] == "word_tercatat" else spare).random(n)
    return Draws(location, registered)


def spell(text: pa.Array, modifiers: list[str]) -> pa.Array:
    """Apply spelling modifiers (styles.SPELLING_MODIFIERS) to upper-case text: the readers undo them all."""
    if "lower" in modifiers:
        text = pc.utf8_lower(text)
    elif "title" in modifiers:
        text = pc.utf8_title(text)
    if "underscore" in modifiers:
        text = pc.replace_substring(text, " ", "_")
    if "spaced" in modifiers:
        text = pc.binary_join_element_wise(" ", text, " ", "")
    return text


def _status(style: FileStyle, status: np.ndarray) -> pa.Array:
    return spell(_lookup(KTP_STATUSES, status), style.spelling("STATUS_KTP_EL")[1])


def _sex(style: FileStyle, male: np.ndarray) -> pa.Array:
    form, modifiers = style.spelling("JENIS_KLMIN")
    return spell(pc.if_else(pa.array(male), *_SEX[form]), modifiers)


def _marital(style: FileStyle, marital: np.ndarray, registered: np.ndarray) -> pa.Array:
    form, modifiers = style.spelling("STAT_KWN")
    if form == "code":
        return spell(pa.array((marital + 1).astype("U1")), modifiers)
    text = _lookup(MARITAL, marital)
    if form == "word_tercatat":
        # Since 2019 SIAK tells registered from unregistered (religious-only) marriages.
        variant = pc.if_else(pa.array(registered < 0.8), "KAWIN TERCATAT", "KAWIN BELUM TERCATAT")
        text = pc.if_else(pa.array(marital == 1), variant, text)
    elif form != "word":
        raise ValueError(f"{style.code}: unknown marital form {form!r}")
    return spell(text, modifiers)


def render(
    style: FileStyle,
    pop: Population,
    person: np.ndarray,
    village: np.ndarray,
    state: State,
    newcomer: np.ndarray,
    draw: Draws,
    extra: dict[str, pa.Array] | None = None,
) -> dict[str, pa.Array]:
    """Text of every column of the style, one value per row (no defects yet); `extra`: more columns."""
    v = villages()
    regency4 = v.regency4[village]
    recorded = state.recorded < NEVER
    age_years = (state.entry - pop.birth[person]) / 365.25
    name = pop.name.take(pa.array(person))
    if style.name_case == "title":
        name = pc.utf8_title(name)
    occupation = np.where(age_years < 18, 7, pop.occupation_code[person])
    district = np.char.upper(v.district_name[village].astype(str))
    office = _OFFICES[np.searchsorted(_OFFICE_CODES, regency4)]
    location = np.where(draw.location < 0.6, np.char.add("KEC. ", district), office)
    values = {
        "NIK": pa.array(pop.nik[person]),
        "NO_KK": pa.array(pop.no_kk[person]),
        "NAMA_LGKP": name,
        "JENIS_KLMIN": _sex(style, pop.male[person]),
        "TMPT_LHR": pop.birth_place.take(pa.array(person)),
        "TGL_LHR": format_days(pop.birth[person], style.date_format),
        "STAT_KWN": _marital(style, state.marital, draw.registered),
        "KWRNGRN": spell(
            pc.if_else(pa.array(pop.foreign[person]), "WNA", "WNI"), style.spelling("KWRNGRN")[1]
        ),
        "NO_PROP": pa.array(np.full(len(person), "65")),
        "NO_KAB": regency_code_text(regency4, style.pad_codes),
        "NO_KEC": _code(v.district_no[village], style.pad_codes),
        "NO_KEL": pa.array(v.village_no[village].astype("U4")),
        "STATUS_KTP_EL": _status(style, state.ktp_status),
        "TGL_REKAM": format_days(state.recorded, style.date_format),
        "TGL_ENTRI": format_days(state.entry, style.entry_date_format),
        "LOKASI_REKAM": pc.if_else(pa.array(recorded), pa.array(location), ""),
        "AGAMA": _lookup([*RELIGIONS[:-1], style.religion_spelling], pop.religion[person]),
        "PEKERJAAN": _lookup(OCCUPATIONS, occupation),
        "KET": pc.if_else(pa.array(newcomer), "PINDAH DATANG", ""),
        **(extra or {}),
    }
    return {c: values[c] for c in style.columns}


def regency_code_text(regency4: np.ndarray, pad: bool) -> pa.Array:
    """NO_KAB: '01' or '1' for 65.01, '71' for 65.71."""
    kab = regency4.astype("U4").astype(np.int64) % 100
    return _code(kab, pad)
