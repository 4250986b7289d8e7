{#- Fails with every row of `model` in which any of `columns` is NULL; `null_columns` names them. One test
    node per model instead of one not_null per column: every dbt test costs dbt and Dagster (an asset
    check) a fixed overhead. For views, intermediate models and seeds; the marts declare not_null
    constraints in their enforced contracts instead, which DuckDB checks while building the table. -#}
{% test not_null_columns(model, columns) %}
select
    concat_ws(', '
        {%- for column in columns %},
        case when {{ adapter.quote(column) }} is null then '{{ column }}' end
        {%- endfor %}
    ) as null_columns,
    *
from {{ ktp_untested_rows(model) }} as tested_rows
where {% for column in columns -%}
    {{ adapter.quote(column) }} is null{{ " or " if not loop.last }}
{%- endfor %}
{% endtest %}
