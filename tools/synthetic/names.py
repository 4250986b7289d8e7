"""Synthetic Indonesian names and birth places, assembled from lists of common names (no real persons).

A few names carry commas (academic titles), apostrophes and, for foreign residents (WNA), letters outside
ASCII that Windows-1252 can still hold, so the files exercise quoting and encodings.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

MALE_GIVEN = [
    "AHMAD",
    "MUHAMMAD",
    "BUDI",
    "AGUS",
    "ANDI",
    "RUDI",
    "HENDRA",
    "YOHANES",
    "DEDI",
    "EKO",
    "FAJAR",
    "HASAN",
    "ILHAM",
    "JOKO",
    "KURNIAWAN",
    "LUKAS",
    "MARKUS",
    "RAHMAT",
    "RIZKY",
    "SAMSUL",
    "SYAHRUL",
    "TAUFIK",
    "WAHYU",
    "YUSUF",
    "ZAINAL",
    "ARIF",
    "BAMBANG",
    "DANIEL",
    "FIRMAN",
    "GUNAWAN",
    "HERMAN",
    "IRWAN",
    "JUNAIDI",
    "KADIR",
    "LAHAJI",
    "MUSLIMIN",
    "NASRUL",
    "PETRUS",
    "RAMLI",
    "SUPRIADI",
    "TONI",
    "USMAN",
    "YANTO",
    "ADI",
    "ALFIAN",
    "BAHTIAR",
    "DARMAWAN",
    "ERWIN",
    "FERDI",
    "HAMZAH",
    "IMAM",
    "JEFRI",
    "LAING",
    "MARTINUS",
    "NUH",
    "PAULUS",
    "RIDWAN",
    "SAIFUL",
    "SUDIRMAN",
    "SYAMSUDDIN",
    "YAKOB",
    "ABDUL",
    "ANUGRAH",
]
FEMALE_GIVEN = [
    "SITI",
    "DEWI",
    "SRI",
    "AYU",
    "FITRI",
    "INDAH",
    "LESTARI",
    "MARIA",
    "NOVI",
    "PUTRI",
    "RINA",
    "SARI",
    "WULAN",
    "YULIANA",
    "ANI",
    "BUNGA",
    "DIAN",
    "ELISABET",
    "FATIMAH",
    "HASNAH",
    "IRMA",
    "JULIANTI",
    "KARTINI",
    "LINDA",
    "MARLINA",
    "NURHAYATI",
    "OKTAVIANI",
    "PATIMAH",
    "RAHMAWATI",
    "SUSANTI",
    "TRIANA",
    "UMI",
    "WAHYUNI",
    "YANTI",
    "ZAHRA",
    "AISYAH",
    "BERTA",
    "CITRA",
    "DAHLIA",
    "ERNAWATI",
    "FEBRIANTI",
    "HARTINI",
    "INTAN",
    "JUMIATI",
    "KRISTINA",
    "LUSIANA",
    "MAGDALENA",
    "NURUL",
    "PERAWATI",
    "RATNA",
    "SALMAH",
    "TERESIA",
    "ULFA",
    "VERONIKA",
    "YOHANA",
    "ANGELINA",
]
# Second names: Bugis, Tidung, Dayak, Javanese, Batak and Toraja family or patronymic names.
SECOND = [
    "SAPUTRA",
    "HIDAYAT",
    "PRATAMA",
    "WIJAYA",
    "SETIAWAN",
    "SANTOSO",
    "LAWING",
    "ADING",
    "NGAU",
    "IRANG",
    "AJANG",
    "BILUNG",
    "LAING",
    "SULAIMAN",
    "ABDULLAH",
    "LAMBA",
    "PASOLO",
    "RANTE",
    "HUTAPEA",
    "SIMANJUNTAK",
    "SITORUS",
    "RAHMAN",
    "HASANUDDIN",
    "BAKRI",
    "LATIF",
    "TAMRIN",
    "HALIM",
    "SYARIF",
    "KUSUMA",
    "NUGROHO",
    "WIBOWO",
    "PURNOMO",
    "SUSANTO",
    "LUHAT",
    "BAYA",
    "UJANG",
    "LEDANG",
    "PAREN",
    "TANDI",
    "PALIMBONG",
    "MUIS",
    "NASUTION",
    "LUBIS",
    "RAMBE",
    "BATUBARA",
    "DAENG",
    "PATAWARI",
    "ARSYAD",
]
# Rare spellings that need care in CSV: apostrophes (Arabic-derived names).
MALE_APOSTROPHE = ["MA'RUF", "NU'MAN", "SYA'BAN"]
FEMALE_APOSTROPHE = ["JUM'ATI", "MU'MINAH", "RO'IFAH"]
ACADEMIC_TITLES = [", S.PD", ", S.E.", ", S.H.", ", S.KEP", ", A.MD", ", S.T.", ", S.SOS"]
# Foreign residents with KITAP (WNA); every letter is in Windows-1252.
MALE_FOREIGN = [
    "JOSÉ MARÍA SANTOS",
    "JÜRGEN MÜLLER",
    "JOÃO CONCEIÇÃO",
    "BJÖRN STRÖM",
    "LIM WEI JIAN",
    "MOHD FAIZAL BIN OTHMAN",
]
FEMALE_FOREIGN = ["FRANÇOISE DUBOIS", "ZOË ANDERSSON", "ANGÉLICA REYES", "INÉS NUÑEZ PEÑA"]
# Birth places: towns of Kaltara, of the places most migrants come from, and abroad for WNA.
LOCAL_PLACES = [
    "TANJUNG SELOR",
    "TARAKAN",
    "NUNUKAN",
    "MALINAU",
    "TIDENG PALE",
    "SEBATIK",
    "BUNYU",
    "LONG BAWAN",
    "SESAYAP",
    "TANJUNG PALAS",
    "SEKATAK",
    "MENTARANG",
]
MIGRANT_PLACES = [
    "MAKASSAR",
    "PAREPARE",
    "BONE",
    "SURABAYA",
    "ENDE",
    "KUPANG",
    "BALIKPAPAN",
    "SAMARINDA",
    "TORAJA",
    "SINJAI",
    "FLORES TIMUR",
    "MALANG",
]
FOREIGN_PLACES = ["TAWAU", "KOTA KINABALU", "MANILA", "LISBOA", "MÜNCHEN", "DAVAO"]


def _pick(rng: np.random.Generator, values: list[str], n: int) -> pa.Array:
    return pa.array(values).take(pa.array(rng.integers(0, len(values), n)))


def full_names(
    rng: np.random.Generator,
    male: np.ndarray,
    adult: np.ndarray,
    foreign: np.ndarray,
    with_title: np.ndarray,
    with_apostrophe: np.ndarray,
) -> pa.Array:
    n = len(male)
    given = pc.if_else(pa.array(male), _pick(rng, MALE_GIVEN, n), _pick(rng, FEMALE_GIVEN, n))
    apostrophe = with_apostrophe | (rng.random(n) < 0.004)
    apostrophe_given = pc.if_else(
        pa.array(male), _pick(rng, MALE_APOSTROPHE, n), _pick(rng, FEMALE_APOSTROPHE, n)
    )
    given = pc.if_else(pa.array(apostrophe), apostrophe_given, given)
    has_second = rng.random(n) < 0.75
    second = pc.if_else(pa.array(has_second), pc.binary_join_element_wise(" ", _pick(rng, SECOND, n), ""), "")
    titled = with_title | (adult & (rng.random(n) < 0.01))
    title = pc.if_else(pa.array(titled), _pick(rng, ACADEMIC_TITLES, n), "")
    name = pc.binary_join_element_wise(given, second, title, "")
    foreign_name = pc.if_else(pa.array(male), _pick(rng, MALE_FOREIGN, n), _pick(rng, FEMALE_FOREIGN, n))
    return pc.if_else(pa.array(foreign), foreign_name, name)


def birth_places(
    rng: np.random.Generator, village_name: np.ndarray, migrant: np.ndarray, foreign: np.ndarray
) -> pa.Array:
    n = len(migrant)
    local = pc.if_else(
        pa.array(rng.random(n) < 0.5), pc.utf8_upper(pa.array(village_name)), _pick(rng, LOCAL_PLACES, n)
    )
    place = pc.if_else(pa.array(migrant), _pick(rng, MIGRANT_PLACES, n), local)
    return pc.if_else(pa.array(foreign), _pick(rng, FOREIGN_PLACES, n), place)
