{#- Full years completed at `at`. Compares (month, day) instead of adding intervals: DuckDB's
    date + interval '17 years' clamps 29 February to 28 February, but a person born on 29 February
    only becomes a year older on 1 March of a non-leap year. A birthday on `at` itself counts. -#}
{% macro age_in_years(birth_date, at) -%}
    (
        year({{ at }}) - year({{ birth_date }})
        - case
            when month({{ at }}) < month({{ birth_date }})
              or (month({{ at }}) = month({{ birth_date }}) and day({{ at }}) < day({{ birth_date }}))
            then 1 else 0
          end
    )
{%- endmacro %}
