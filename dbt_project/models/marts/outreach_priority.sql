-- Villages in the order outreach teams should visit them: most unrecorded and soon-to-be first-time wajib
-- residents first, then most unrecorded wajib residents, then by code so the order is total.
{{ config(partition_by=ktp_partition_by('snapshot'), contract=ktp_contract()) }}
{%- set parts = ktp_partitions('snapshot') %}
{{ ktp_partition_marker(parts) }}

with villages as (
    select
        village.code as village_code,
        village.name as village_name,
        district.code as district_code,
        district.parent_code as regency_code
    from {{ ref('kemendagri_wilayah') }} as village
    inner join {{ ref('kemendagri_wilayah') }} as district
        on district.code = village.parent_code
    where village.level = 'village'
),

counts as (
    select *
    from {{ ref('int_area_counts') }}
    where area_level = 'village'
      and population > 0
      and {{ ktp_partition_filter(parts) }}
)

select
    counts.snapshot_date,
    cast(row_number() over (
        partition by counts.snapshot_date
        order by
            counts.belum_rekam_pemula + counts.upcoming_pemula_unrecorded desc,
            counts.wajib_ktp - counts.sudah_rekam desc,
            counts.area_code
    ) as bigint) as priority_rank,
    villages.regency_code,
    villages.district_code,
    counts.area_code as village_code,
    villages.village_name,
    cast(counts.wajib_ktp - counts.sudah_rekam as bigint) as belum_rekam,
    cast(counts.belum_rekam_pemula as bigint) as belum_rekam_pemula,
    cast(counts.deactivation_risk as bigint) as deactivation_risk,
    cast(counts.upcoming_pemula_unrecorded as bigint) as upcoming_pemula_unrecorded
from counts
inner join villages on villages.village_code = counts.area_code
