{#- A free-text or identifier value: trimmed, '' read as missing. -#}
{% macro text_value(expr) -%}
    nullif(trim({{ expr }}), '')
{%- endmacro %}
