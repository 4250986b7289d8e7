{#- The date of year, month and day numbers (each an integer expression). -#}
{% macro make_date_of(year, month, day) -%}
    {{ return(adapter.dispatch('make_date_of', 'ktp_warehouse')(year, month, day)) }}
{%- endmacro %}

{% macro default__make_date_of(year, month, day) -%}
    make_date(cast({{ year }} as int), cast({{ month }} as int), cast({{ day }} as int))
{%- endmacro %}

{#- DuckDB's make_date takes BIGINT. -#}
{% macro duckdb__make_date_of(year, month, day) -%}
    make_date(cast({{ year }} as bigint), {{ month }}, {{ day }})
{%- endmacro %}
