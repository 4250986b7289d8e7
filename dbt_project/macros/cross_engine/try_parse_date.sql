{#- A date from text in any of the contract's formats (var contract.date_formats, strptime notation,
    tried in order); NULL when none fits. -#}
{% macro try_parse_date(expr) -%}
    {{ return(adapter.dispatch('try_parse_date', 'ktp_warehouse')(expr, var('contract')['date_formats'])) }}
{%- endmacro %}

{#- Java date patterns (Spark): try_to_timestamp is NULL for text that does not fit (Spark has no
    try_to_date); 'd' and 'M' take one or two digits, as strptime's %d and %m do. -#}
{% macro default__try_parse_date(expr, formats) -%}
    {%- set java = {'%d': 'd', '%m': 'M', '%Y': 'yyyy'} -%}
    coalesce(
    {%- for f in formats %}
        {%- set ns = namespace(p=f) %}
        {%- for k, v in java.items() %}{% set ns.p = ns.p | replace(k, v) %}{% endfor %}
        cast(try_to_timestamp({{ expr }}, '{{ ns.p }}') as date){{ ',' if not loop.last }}
    {%- endfor %}
    )
{%- endmacro %}

{#- Trying the formats one after the other costs a failed parse per format ahead of the right one. A
    text whose shape (length and separator positions) fits one format is parsed with that format
    first; that gives the date the list gives, since the formats' separators sit in different places,
    so those ahead of it fail on that text (tests/test_ingest_rules.py compares both on tricky texts).
    Texts of any other shape, and those the first parse refuses, still go through the full list. -#}
{% macro duckdb__try_parse_date(expr, formats) -%}
    cast(coalesce(
        case
        {%- for f in formats %}
            {%- set template = f | replace('%d', 'dd') | replace('%m', 'mm') | replace('%Y', 'yyyy') %}
            when length({{ expr }}) = {{ template | length }}
            {%- for ch in template %}{% if ch not in 'dmy' %} and substr({{ expr }}, {{ loop.index }}, 1) = '{{ ch }}'{% endif %}{% endfor %}
                then try_strptime({{ expr }}, '{{ f }}')
        {%- endfor %}
        end,
        try_strptime({{ expr }}, [{% for f in formats %}'{{ f }}'{{ ', ' if not loop.last }}{% endfor %}])
    ) as date)
{%- endmacro %}
