{#- A cast that gives NULL for text that is not of the type. dbt's own safe_cast is a plain CAST on
    several adapters (Spark among them), which fails the whole query under ANSI mode. -#}
{% macro try_cast_to(expr, type) -%}
    {{ return(adapter.dispatch('try_cast_to', 'ktp_warehouse')(expr, type)) }}
{%- endmacro %}

{% macro default__try_cast_to(expr, type) -%}
    try_cast({{ expr }} as {{ type }})
{%- endmacro %}
