{#- Rows per judged file and reason (kind='reason') or flag (kind='flag'), every one of `names` listed. -#}
{% macro ktp_counts_per_file(parts, kind, names) %}
with files as (
    select distinct snapshot_date, regency_code
    from {{ ref('int_ingest__judged_rows') }}
    where {{ ktp_partition_filter(parts) }}
),

names as (
    {%- for name in names %}
    select '{{ name }}' as {{ kind }}{{ ' union all' if not loop.last }}
    {%- endfor %}
),

counts as (
    select
        snapshot_date,
        regency_code,
        {%- for name in names %}
        {%- if kind == 'reason' %}
        count(case when reason = '{{ name }}' then 1 end) as n_{{ name }}
        {%- else %}
        count(case when flag_{{ name }} then 1 end) as n_{{ name }}
        {%- endif %}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ref('int_ingest__judged_rows') }}
    where {{ ktp_partition_filter(parts) }}
    group by snapshot_date, regency_code
)

select
    files.snapshot_date,
    files.regency_code,
    names.{{ kind }},
    cast(case
        {%- for name in names %}
        when names.{{ kind }} = '{{ name }}' then counts.n_{{ name }}
        {%- endfor %}
    end as bigint) as row_count
from files
cross join names
inner join counts
    on counts.snapshot_date = files.snapshot_date and counts.regency_code = files.regency_code
{% endmacro %}
