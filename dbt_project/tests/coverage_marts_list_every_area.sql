-- Zero-fill: each coverage mart holds exactly one row per snapshot and reference area of its level.
{%- set marts = {
    'province': ref('coverage_province'),
    'regency': ref('coverage_regency'),
    'district': ref('coverage_district'),
    'village': ref('coverage_village'),
} %}

with expected as (
    select level, count(*) * (select count(*) from {{ ref('int_snapshots') }}) as expected_rows
    from {{ ref('kemendagri_wilayah') }}
    group by level
),

actual as (
    {%- for level, mart in marts.items() %}
    select '{{ level }}' as level, count(*) as actual_rows from {{ mart }}
    {{ 'union all' if not loop.last }}
    {%- endfor %}
)

select expected.level, expected.expected_rows, actual.actual_rows
from expected
full outer join actual on actual.level = expected.level
where coalesce(expected.expected_rows, -1) <> coalesce(actual.actual_rows, -1)
