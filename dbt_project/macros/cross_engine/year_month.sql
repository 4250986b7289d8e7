{#- 'YYYY-MM' of a date. -#}
{% macro year_month(date_expr) -%}
    {{ return(adapter.dispatch('year_month', 'ktp_warehouse')(date_expr)) }}
{%- endmacro %}

{% macro default__year_month(date_expr) -%}
    date_format({{ date_expr }}, 'yyyy-MM')
{%- endmacro %}

{% macro duckdb__year_month(date_expr) -%}
    strftime({{ date_expr }}, '%Y-%m')
{%- endmacro %}
