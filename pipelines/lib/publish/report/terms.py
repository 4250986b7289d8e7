"""Dukcapil's words for what the marts count, and the zone colours, as the report shows them."""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.lib.ingest.contract import DBT_VARS
from pipelines.lib.settings import Settings

ZONE_COLOURS = {"merah": "#d7301f", "kuning": "#f2b705", "hijau": "#2e9e4f"}
NO_DATA_COLOUR = "#d9d9d9"
SEX = {"L": "Laki-laki", "P": "Perempuan"}

REJECT_REASONS = {
    "nik_malformed": "NIK bukan 16 angka",
    "nik_region_invalid": "kode wilayah NIK tidak dikenal",
    "birth_date_invalid": "tanggal lahir tidak sah",
    "sex_invalid": "jenis kelamin tidak sah",
    "marital_status_invalid": "status perkawinan tidak sah",
    "ktp_status_invalid": "status KTP-el tidak sah",
    "wrong_regency": "domisili di luar kabupaten/kota pengirim",
    "unknown_area": "kode kecamatan/desa tidak dikenal",
}
QUALITY_FLAGS = {
    "nik_issued_outside_kaltara": "NIK terbit di luar Kaltara",
    "nik_birth_date_mismatch": "tanggal lahir berbeda dengan NIK",
    "nik_sex_mismatch": "jenis kelamin berbeda dengan NIK",
}


def reason_label(code: str) -> str:
    # A reason added to the contract later still shows, under its code.
    return REJECT_REASONS.get(code, code)


def flag_label(code: str) -> str:
    return QUALITY_FLAGS.get(code, code)


@dataclass(frozen=True)
class Zones:
    """The thresholds the marts' zones were computed with (dbt vars zone_kuning/hijau_min_pct)."""

    kuning_min_pct: float = 75.0
    hijau_min_pct: float = 85.0


def zones_of(settings: Settings) -> Zones:
    """The deployment's thresholds: its settings, else the dbt project's defaults."""
    values = {**DBT_VARS, **settings.dbt_vars()}
    return Zones(float(values["zone_kuning_min_pct"]), float(values["zone_hijau_min_pct"]))
