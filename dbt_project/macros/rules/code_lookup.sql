{#- The code of a coded column through one of the contract's code lists (a mapping of accepted
    spelling -> code, keys in the normal form of normalise_text); NULL when the value is not accepted.

    normalise_text's regular expression is the costly part. Every key is in normal form (checked in
    tests/test_ingest_rules.py), so a value that is a key once trimmed, upper-cased and with '_' read as
    a space has the same normal form: an exact lookup first, and only values with inner runs of white
    space, or no match, pay for the regular expression. -#}
{% macro code_lookup(expr, mapping) -%}
    coalesce(
        {{ _case_map('upper(trim(replace(' ~ expr ~ ", '_', ' ')))", mapping) }},
        {{ _case_map(normalise_text(expr), mapping) }}
    )
{%- endmacro %}

{% macro _case_map(expr, mapping) -%}
    (case {{ expr }}
    {%- for key, code in mapping.items() %} when '{{ key }}' then '{{ code }}'{% endfor %} else null end)
{%- endmacro %}
