{#- The date on which someone born on `birth_date` completes `years` years, consistent with age_in_years:
    a 29 February birth reaches the age on 1 March when that year is not a leap year. -#}
{% macro birthday_at_age(birth_date, years) -%}
    (
        case
            when month({{ birth_date }}) = 2 and day({{ birth_date }}) = 29
             and not (
                (year({{ birth_date }}) + {{ years }}) % 4 = 0
                and ((year({{ birth_date }}) + {{ years }}) % 100 <> 0
                     or (year({{ birth_date }}) + {{ years }}) % 400 = 0)
             )
            then {{ make_date_of('year(' ~ birth_date ~ ') + ' ~ years, '3', '1') }}
            else {{ make_date_of('year(' ~ birth_date ~ ') + ' ~ years, 'month(' ~ birth_date ~ ')', 'day(' ~ birth_date ~ ')') }}
        end
    )
{%- endmacro %}
