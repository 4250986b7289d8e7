{#- `date_expr` moved by `years` calendar years (negative: back). 29 February lands on 28 February
    in a year without one, on every engine. -#}
{% macro add_years(date_expr, years) -%}
    {{ return(adapter.dispatch('add_years', 'ktp_warehouse')(date_expr, years)) }}
{%- endmacro %}

{% macro default__add_years(date_expr, years) -%}
    add_months({{ date_expr }}, {{ 12 * years }})
{%- endmacro %}

{% macro duckdb__add_years(date_expr, years) -%}
    cast({{ date_expr }} + interval ({{ years }}) year as date)
{%- endmacro %}
