-- Province and regency coverage across snapshots, with the change since the previous snapshot and a
-- straight-line projection of when belum_rekam reaches zero at the latest pace.
{{ config(partition_by=ktp_partition_by('snapshot'), contract=ktp_contract()) }}
{%- set parts = ktp_partitions('snapshot_and_previous') %}
{{ ktp_partition_marker(parts) }}

-- Every snapshot is read (two small tables), the rows of the partitions being built are written.
with areas as (
    select snapshot_date, area_code, area_name, wajib_ktp, sudah_rekam, belum_rekam, coverage_pct
    from {{ ref('coverage_province') }}
    union all
    select snapshot_date, area_code, area_name, wajib_ktp, sudah_rekam, belum_rekam, coverage_pct
    from {{ ref('coverage_regency') }}
),

with_previous as (
    select
        *,
        lag(snapshot_date) over by_area as previous_snapshot_date,
        lag(coverage_pct) over by_area as previous_coverage_pct,
        lag(belum_rekam) over by_area as previous_belum_rekam
    from areas
    window by_area as (partition by area_code order by snapshot_date)
),

projected as (
    select
        *,
        case
            when belum_rekam = 0 then snapshot_date
            when previous_belum_rekam > belum_rekam then
                -- Days to zero = belum_rekam / (drop per day), rounded up to a whole day, in exact
                -- integer arithmetic; capped so a very slow pace still gives a valid DuckDB date.
                snapshot_date + cast(least(
                    {{ int_div(
                        'belum_rekam * ' ~ days_between('previous_snapshot_date', 'snapshot_date')
                        ~ ' + (previous_belum_rekam - belum_rekam) - 1',
                        'previous_belum_rekam - belum_rekam'
                    ) }},
                    2000000000
                ) as integer)
        end as projected_zero_date,
        {% if var('target_date') -%}
        cast('{{ var("target_date") }}' as date)
        {%- else -%}
        {{ make_date_of('year(snapshot_date)', '11', '30') }}
        {%- endif %} as target_date
    from with_previous
)

select
    snapshot_date,
    area_code,
    area_name,
    wajib_ktp,
    sudah_rekam,
    belum_rekam,
    coverage_pct,
    cast(coverage_pct - previous_coverage_pct as decimal(6, 2)) as coverage_change_pts,
    cast(belum_rekam - previous_belum_rekam as bigint) as belum_rekam_change,
    cast(projected_zero_date as date) as projected_zero_date,
    target_date,
    coalesce(belum_rekam = 0 or projected_zero_date <= target_date, false) as on_track
from projected
where {{ ktp_partition_filter(parts) }}
