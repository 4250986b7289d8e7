-- One person per NIK per snapshot, classified at the snapshot's cut-off date C = snapshot_date.
-- Which row wins a NIK listed twice is decided by int_ingest__nik_duplicates; here the losers are dropped.
-- Built per listing file: a changed file rebuilds its own rows, and those of any file of its snapshot
-- whose rows lost or won back a NIK (the listing regency is the domicile regency, see wrong_regency).
-- depends_on: {{ ref('int_ingest__nik_duplicates') }}
{{ config(materialized='incremental', partition_by=ktp_partition_by('file')) }}
{%- set parts = ktp_partitions('file_and_duplicates') %}
{{ ktp_partition_marker(parts) }}

with current_rows as (
    select
        snapshot_date,
        regency_code as listing_regency_code,
        nik,
        sex,
        birth_date,
        marital_status,
        citizenship,
        province_code,
        domicile_regency as regency_code,
        district_code,
        village_code,
        ktp_status
    from {{ ref('int_ingest__persons') }}
    where not superseded and {{ ktp_partition_filter(parts) }}
),

aged as (
    select
        *,
        cast({{ age_in_years('birth_date', 'snapshot_date') }} as integer) as age_years
    from current_rows
),

classified as (
    select
        *,
        -- Marriage makes a minor wajib KTP at any age.
        (age_years >= 17 or marital_status in ('KAWIN', 'CERAI HIDUP', 'CERAI MATI')) as is_wajib_ktp,
        ktp_status <> 'BELUM REKAM' as is_recorded
    from aged
)

select
    snapshot_date,
    nik,
    listing_regency_code,
    sex,
    birth_date,
    age_years,
    marital_status,
    citizenship,
    province_code,
    regency_code,
    district_code,
    village_code,
    ktp_status,
    is_wajib_ktp,
    is_recorded,
    is_wajib_ktp and is_recorded as is_sudah_rekam,
    is_wajib_ktp and ktp_status in ('CARD PRINTED', 'CARD SHIPPED', 'CARD ISSUED') as is_sudah_cetak,
    is_wajib_ktp and age_years = 17 as is_pemula,
    -- Recording by 16-year-olds who are not wajib yet is counted here, not in coverage.
    age_years = 16 and not is_wajib_ktp as is_upcoming_pemula,
    {{ birthday_at_age('birth_date', 17) }} as turns_17_on,
    case
        when not is_wajib_ktp then null
        when age_years < 17 then '<17'
        when age_years = 17 then '17'
        when age_years <= 19 then '18-19'
        when age_years >= 75 then '75+'
        else cast(20 + 5 * {{ int_div('age_years - 20', 5) }} as {{ dbt.type_string() }})
            || '-' || cast(24 + 5 * {{ int_div('age_years - 20', 5) }} as {{ dbt.type_string() }})
    end as age_cohort
from classified
