{#- Coverage of every reference area of `level` for every snapshot, zero-filled where nobody lives, so a
    published table never silently lacks an area. Shared by the four coverage_<level> marts. -#}
{% macro coverage_by_area(level, parts) %}
with snapshots as (
    select snapshot_date from {{ ref('int_snapshots') }}
    where {{ ktp_partition_filter(parts) }}
),

areas as (
    select code as area_code, name as area_name, parent_code
    from {{ ref('kemendagri_wilayah') }}
    where level = '{{ level }}'
),

counts as (
    select *
    from {{ ref('int_area_counts') }}
    where area_level = '{{ level }}' and {{ ktp_partition_filter(parts) }}
),

filled as (
    select
        snapshots.snapshot_date,
        areas.area_code,
        areas.area_name,
        areas.parent_code,
        cast(coalesce(counts.population, 0) as bigint) as population,
        cast(coalesce(counts.wajib_ktp, 0) as bigint) as wajib_ktp,
        cast(coalesce(counts.sudah_rekam, 0) as bigint) as sudah_rekam,
        cast(coalesce(counts.sudah_cetak, 0) as bigint) as sudah_cetak,
        cast(coalesce(counts.pemula_wajib, 0) as bigint) as pemula_wajib,
        cast(coalesce(counts.pemula_rekam, 0) as bigint) as pemula_rekam
    from snapshots
    cross join areas
    left join counts
        on counts.snapshot_date = snapshots.snapshot_date
        and counts.area_code = areas.area_code
),

rated as (
    select
        *,
        {{ coverage_pct('sudah_rekam', 'wajib_ktp') }} as coverage_pct,
        {{ coverage_pct('pemula_rekam', 'pemula_wajib') }} as pemula_coverage_pct
    from filled
)

select
    snapshot_date,
    area_code,
    area_name,
    parent_code,
    population,
    wajib_ktp,
    sudah_rekam,
    wajib_ktp - sudah_rekam as belum_rekam,
    sudah_cetak,
    coverage_pct,
    pemula_wajib,
    pemula_rekam,
    pemula_coverage_pct,
    {{ coverage_zone('coverage_pct') }} as zone
from rated
{% endmacro %}
