{#- True when the whole text matches `pattern`, not just a part of it. -#}
{% macro regex_full_match(expr, pattern) -%}
    {{ return(adapter.dispatch('regex_full_match', 'ktp_warehouse')(expr, pattern)) }}
{%- endmacro %}

{#- Anchored, for engines whose regex operator matches anywhere in the text (Spark's rlike). -#}
{% macro default__regex_full_match(expr, pattern) -%}
    ({{ expr }} rlike '^(?:{{ pattern }})$')
{%- endmacro %}

{% macro duckdb__regex_full_match(expr, pattern) -%}
    regexp_full_match({{ expr }}, '{{ pattern }}')
{%- endmacro %}
