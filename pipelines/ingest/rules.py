"""The row rules as one set-based DuckDB statement: typing, the first reject reason, the flags.

The statement reads a relation `extract_raw` (text columns named as in the contract, plus `_row`) and
creates the temp table `staged`, one row per input row, with typed values, `reason` (NULL for kept
rows) and the three flags. pipelines/ingest/load.py moves `staged` into the warehouse.
"""

from __future__ import annotations

import csv
from functools import cache

from pipelines.ingest.contract import (
    CITIZENSHIP_CODES,
    COLUMNS,
    DATE_FORMATS,
    KTP_STATUSES,
    MARITAL_CODES,
    MAX_AGE_YEARS,
    PROVINCE_CODE,
    SEX_CODES,
)
from pipelines.settings import SEEDS_DIR


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _norm(column: str) -> str:
    """Trimmed, upper case, '_' read as a space, runs of spaces collapsed; '' becomes NULL."""
    return f"nullif(upper(regexp_replace(trim(replace({column}, '_', ' ')), '\\s+', ' ', 'g')), '')"


def _text(column: str) -> str:
    return f"nullif(trim({column}), '')"


def _map(expr: str, mapping: dict[str, str]) -> str:
    whens = " ".join(f"when {_lit(k)} then {_lit(v)}" for k, v in mapping.items())
    return f"(case {expr} {whens} else null end)"


def _lookup(column: str, mapping: dict[str, str]) -> str:
    """The code of a coded column, normalised as `_norm` does.

    The regular expression of `_norm` is the costly part. Every key is in normal form (checked in
    tests/test_ingest_rules.py), so a value that is a key once trimmed, upper-cased and with '_' read
    as a space has the same normal form; only values with inner runs of white space, or no match,
    pay for the regular expression.
    """
    quick = f"upper(trim(replace({column}, '_', ' ')))"
    return f"coalesce({_map(quick, mapping)}, {_map(_norm(column), mapping)})"


def _date_shape(fmt: str, text: str) -> str:
    """A cheap test that `text` has exactly the shape of `fmt`: its length and separator positions."""
    template = fmt.replace("%d", "dd").replace("%m", "mm").replace("%Y", "yyyy")
    seps = [f"substr({text}, {i + 1}, 1) = {_lit(ch)}" for i, ch in enumerate(template) if not ch.isalpha()]
    return " and ".join([f"length({text}) = {len(template)}", *seps])


def _date(column: str) -> str:
    """Dates in any of DATE_FORMATS (tried in order).

    Trying the formats one after the other costs a failed parse per format ahead of the right one. A
    text whose shape fits one format is parsed with that format first; that gives the same date as the
    list, since the formats' separators sit in different places, so those ahead of it fail on that text
    (tests/test_ingest_rules.py compares both on tricky texts). Texts of any other shape, and those the
    first parse refuses, still go through the full list.
    """
    text = _text(column)
    formats = "[" + ", ".join(_lit(f) for f in DATE_FORMATS) + "]"
    whens = " ".join(
        f"when {_date_shape(f, text)} then try_strptime({text}, {_lit(f)})" for f in DATE_FORMATS
    )
    return f"cast(coalesce(case {whens} end, try_strptime({text}, {formats})) as date)"


def _int(column: str) -> str:
    return f"try_cast({_text(column)} as integer)"


@cache
def province_codes() -> tuple[str, ...]:
    with (SEEDS_DIR / "indonesia_provinces.csv").open(encoding="utf-8") as f:
        return tuple(sorted(row["code"].strip() for row in csv.DictReader(f)))


RAW_COLUMNS = tuple(f"raw_{c.lower()}" for c in COLUMNS)


def staging_sql(present_columns: set[str]) -> str:
    """SQL for `staged`; parameters: $snapshot (DATE), $regency (dotted), $kab (int)."""
    col = {c: (c if c in present_columns else "cast(null as varchar)") for c in COLUMNS}
    provinces = ", ".join(_lit(p) for p in province_codes())
    statuses = {s: s for s in KTP_STATUSES}
    return f"""
create or replace temp table staged as
with typed as (
    select
        r._row,
        {
        ", ".join(
            f"r.{c} as raw_{c.lower()}" if c in present_columns else f"{col[c]} as raw_{c.lower()}"
            for c in COLUMNS
        )
    },
        {_text(col["NIK"])} as nik,
        {_text(col["NO_KK"])} as no_kk,
        {_text(col["NAMA_LGKP"])} as full_name,
        {_lookup(col["JENIS_KLMIN"], SEX_CODES)} as sex,
        {_text(col["TMPT_LHR"])} as birth_place,
        {_date(col["TGL_LHR"])} as birth_date,
        {_lookup(col["STAT_KWN"], MARITAL_CODES)} as marital_status,
        coalesce({_lookup(col["KWRNGRN"], CITIZENSHIP_CODES)},
                 case when {_norm(col["KWRNGRN"])} is null then 'WNI' end) as citizenship,
        {_int(col["NO_PROP"])} as no_prop,
        {_int(col["NO_KAB"])} as no_kab,
        {_int(col["NO_KEC"])} as no_kec,
        {_int(col["NO_KEL"])} as no_kel,
        {_lookup(col["STATUS_KTP_EL"], statuses)} as ktp_status,
        {_date(col["TGL_REKAM"])} as recorded_date,
        {_date(col["TGL_ENTRI"])} as entry_date,
        {_text(col["LOKASI_REKAM"])} as record_location
    from extract_raw as r
),
placed as (
    select t.*, v.district_code, v.village_code
    from typed as t
    left join ref_villages as v
      on v.regency_code = $regency and v.district_num = t.no_kec and v.village_num = t.no_kel
),
judged as (
    select *,
        case
            when nik is null or not regexp_full_match(nik, '[0-9]{{16}}') then 'nik_malformed'
            when substr(nik, 1, 2) not in ({provinces}) then 'nik_region_invalid'
            when birth_date is null or birth_date > $snapshot
                 or birth_date < $snapshot - interval {MAX_AGE_YEARS} year then 'birth_date_invalid'
            when sex is null then 'sex_invalid'
            when marital_status is null then 'marital_status_invalid'
            when ktp_status is null then 'ktp_status_invalid'
            when no_prop is distinct from {int(PROVINCE_CODE)} or no_kab is distinct from $kab
                then 'wrong_regency'
            when village_code is null then 'unknown_area'
        end as reason
    from placed
)
-- NIK digits 7-12 are the birth date DDMMYY, with 40 added to the day for women. Flags apply to
-- kept rows only; try_cast because SQL does not promise to test `reason is null` first.
, nik_parts as (
    select *,
        try_cast(substr(nik, 7, 2) as integer) as nik_day,
        try_cast(substr(nik, 9, 2) as integer) as nik_month,
        try_cast(substr(nik, 11, 2) as integer) as nik_yy
    from judged
)
select * exclude (nik_day, nik_month, nik_yy, {", ".join(RAW_COLUMNS)}),
    -- Raw text is kept for rejected rows only (the quarantine): kept rows would double the table.
    {", ".join(f"case when reason is not null then {c} end as {c}" for c in RAW_COLUMNS)},
    coalesce(reason is null and substr(nik, 1, 2) <> {_lit(PROVINCE_CODE)}, false)
        as flag_nik_issued_outside_kaltara,
    coalesce(reason is null and (
        (case when nik_day > 40 then nik_day - 40 else nik_day end) <> day(birth_date)
        or nik_month <> month(birth_date)
        or nik_yy <> year(birth_date) % 100
    ), false) as flag_nik_birth_date_mismatch,
    coalesce(reason is null and ((nik_day > 40) <> (sex = 'P')), false) as flag_nik_sex_mismatch
from nik_parts
"""


REF_VILLAGES_SQL = """
create or replace temp table ref_villages as
select
    substr(code, 1, 5) as regency_code,
    substr(code, 1, 8) as district_code,
    code as village_code,
    cast(substr(code, 7, 2) as integer) as district_num,
    cast(substr(code, 10) as integer) as village_num
from read_csv($path, header = true, all_varchar = true)
where level = 'village'
"""
