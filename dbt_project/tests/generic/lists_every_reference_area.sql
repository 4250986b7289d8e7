{#- Zero-fill: `model` holds exactly one row per snapshot and reference area of `level`. Fails with each
    (snapshot, area) that is missing from the model or that the reference does not have. -#}
{% test lists_every_reference_area(model, level) %}
with expected as (
    select snapshots.snapshot_date, areas.code as area_code
    from {{ ref('int_snapshots') }} as snapshots
    cross join {{ ref('kemendagri_wilayah') }} as areas
    where areas.level = '{{ level }}'
),

actual as (
    select distinct snapshot_date, area_code from {{ model }}
)

select
    coalesce(expected.snapshot_date, actual.snapshot_date) as snapshot_date,
    coalesce(expected.area_code, actual.area_code) as area_code,
    case when actual.area_code is null then 'missing' else 'not in reference' end as problem
from expected
full outer join actual
    on actual.snapshot_date = expected.snapshot_date
    and actual.area_code = expected.area_code
where expected.area_code is null or actual.area_code is null
{% endtest %}
