{#- A coded value in normal form: trimmed, upper case, '_' read as a space, runs of white space
    collapsed; '' becomes NULL. The keys of the contract's code lists are in this form. -#}
{% macro normalise_text(expr) -%}
    {{ return(adapter.dispatch('normalise_text', 'ktp_warehouse')(expr)) }}
{%- endmacro %}

{% macro default__normalise_text(expr) -%}
    nullif(upper(regexp_replace(trim(replace({{ expr }}, '_', ' ')), '\\s+', ' ')), '')
{%- endmacro %}

{#- DuckDB's regexp_replace replaces the first match only unless given the 'g' option. -#}
{% macro duckdb__normalise_text(expr) -%}
    nullif(upper(regexp_replace(trim(replace({{ expr }}, '_', ' ')), '\s+', ' ', 'g')), '')
{%- endmacro %}
