{#- A 64-bit hash of a text value, for narrowing a search before comparing the values themselves: two
    values may share a hash, so a query that uses it must still compare the values. -#}
{% macro hash64(expression) -%}
    {{ return(adapter.dispatch('hash64', 'ktp_warehouse')(expression)) }}
{%- endmacro %}

{% macro default__hash64(expression) -%}
    xxhash64({{ expression }})
{%- endmacro %}

{% macro duckdb__hash64(expression) -%}
    hash({{ expression }})
{%- endmacro %}
