{#- The values of a group joined by `separator` in sorted order, so equal groups give equal text. -#}
{% macro sorted_string_agg(expr, separator) -%}
    {{ return(adapter.dispatch('sorted_string_agg', 'ktp_warehouse')(expr, separator)) }}
{%- endmacro %}

{% macro default__sorted_string_agg(expr, separator) -%}
    array_join(array_sort(collect_list({{ expr }})), '{{ separator }}')
{%- endmacro %}

{% macro duckdb__sorted_string_agg(expr, separator) -%}
    string_agg({{ expr }}, '{{ separator }}' order by {{ expr }})
{%- endmacro %}
