-- Every landed row judged by the contract's row rules: the first reject reason that applies (contract
-- order), the three flags on kept rows, and the village placement. Built per file: only files whose
-- landing changed are judged again (macros/incremental/partitions.sql).
{{ config(alias='judged_rows', materialized='incremental', partition_by=ktp_partition_by('file')) }}
{%- set c = var('contract') %}
{%- set parts = ktp_partitions('file') %}
{%- set raw_columns = ['nik', 'no_kk', 'nama_lgkp', 'jenis_klmin', 'tmpt_lhr', 'tgl_lhr', 'stat_kwn', 'kwrngrn',
    'no_prop', 'no_kab', 'no_kec', 'no_kel', 'status_ktp_el', 'tgl_rekam', 'tgl_entri', 'lokasi_rekam'] %}
{{ ktp_partition_marker(parts) }}

with landed_files as (
    select snapshot_date, regency_code, sha256, landed_at
    from {{ ref('stg_landing__extract_files') }}
    where error is null and regency_code is not null and {{ ktp_partition_filter(parts) }}
),

-- Joined on sha256: only the rows of the landing that its bookkeeping row names (see landing.py).
landed_rows as (
    select rows.*, landed_files.landed_at
    from {{ ref('stg_landing__extract_rows') }} as rows
    inner join landed_files
        on landed_files.snapshot_date = rows.snapshot_date
        and landed_files.regency_code = rows.regency_code
        and landed_files.sha256 = rows.sha256
    where {{ ktp_partition_filter(parts, 'rows') }}
),

villages as (
    select
        substr(code, 1, 5) as regency_code,
        substr(code, 1, 8) as district_code,
        code as village_code,
        cast(substr(code, 7, 2) as integer) as district_num,
        cast(substr(code, 10) as integer) as village_num
    from {{ ref('kemendagri_wilayah') }}
    where level = 'village'
),

provinces as (
    select cast(code as {{ dbt.type_string() }}) as province_prefix from {{ ref('indonesia_provinces') }}
),

placed as (
    select
        landed_rows.*,
        villages.district_code,
        villages.village_code,
        provinces.province_prefix is not null as nik_region_known
    from landed_rows
    left join villages
        on villages.regency_code = landed_rows.regency_code
        and villages.district_num = landed_rows.no_kec
        and villages.village_num = landed_rows.no_kel
    left join provinces
        on provinces.province_prefix = substr(landed_rows.nik, 1, 2)
),

judged as (
    select
        *,
        case
            when nik is null or not {{ regex_full_match('nik', '[0-9]{16}') }} then 'nik_malformed'
            when not nik_region_known then 'nik_region_invalid'
            when birth_date is null or birth_date > snapshot_date
                or birth_date < {{ add_years('snapshot_date', -c['max_age_years']) }} then 'birth_date_invalid'
            when sex is null then 'sex_invalid'
            when marital_status is null then 'marital_status_invalid'
            when ktp_status is null then 'ktp_status_invalid'
            when no_prop is null or no_prop <> {{ c['province_code'] | int }}
                or no_kab is null or no_kab <> cast(substr(regency_code, 4, 2) as integer) then 'wrong_regency'
            when village_code is null then 'unknown_area'
        end as reason
    from placed
),

-- NIK digits 7-12 are the birth date DDMMYY, with 40 added to the day for women. A cast that may fail
-- because SQL does not promise to test `reason is null` first.
nik_parts as (
    select
        *,
        {{ try_cast_to('substr(nik, 7, 2)', 'integer') }} as nik_day,
        {{ try_cast_to('substr(nik, 9, 2)', 'integer') }} as nik_month,
        {{ try_cast_to('substr(nik, 11, 2)', 'integer') }} as nik_yy
    from judged
)

select
    snapshot_date,
    regency_code,
    source_file,
    sha256,
    landed_at,
    row_number,
    reason,
    nik,
    no_kk,
    full_name,
    sex,
    birth_place,
    birth_date,
    marital_status,
    citizenship,
    district_code,
    village_code,
    ktp_status,
    recorded_date,
    entry_date,
    record_location,
    coalesce(reason is null and substr(nik, 1, 2) <> '{{ c['province_code'] }}', false)
        as flag_nik_issued_outside_kaltara,
    coalesce(reason is null and (
        (case when nik_day > 40 then nik_day - 40 else nik_day end) <> day(birth_date)
        or nik_month <> month(birth_date)
        or nik_yy <> year(birth_date) % 100
    ), false) as flag_nik_birth_date_mismatch,
    coalesce(reason is null and ((nik_day > 40) <> (sex = 'P')), false) as flag_nik_sex_mismatch,
    -- Raw text is kept for rejected rows only (the quarantine): kept rows would double the table.
    {%- for col in raw_columns %}
    case when reason is not null then raw_{{ col }} end as raw_{{ col }},
    {%- endfor %}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp) as judged_at
from nik_parts
