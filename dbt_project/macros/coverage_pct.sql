{#- ROUND(100 * numerator / denominator, 2), halves away from zero, NULL where the denominator is 0.
    DuckDB turns DECIMAL / DECIMAL into DOUBLE (bigint holds 20000 n for any population), so the rounding is done in exact integer arithmetic:
    hundredths = floor(10000 * n / d + 1/2) = (20000 * n + d) // (2 * d) for counts n >= 0, d > 0. -#}
{% macro coverage_pct(numerator, denominator) -%}
    (
        case
            when {{ denominator }} = 0 then null
            else cast(
                cast(
                    {{ int_div('20000 * cast(' ~ numerator ~ ' as bigint) + ' ~ denominator,
                               '2 * cast(' ~ denominator ~ ' as bigint)') }}
                    as decimal(18, 0)
                ) * 0.01
                as decimal(5, 2)
            )
        end
    )
{%- endmacro %}
