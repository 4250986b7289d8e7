{#- Fails with every row of `model` for which any of `expressions` is not true (a NULL result fails too);
    `failed_expressions` lists the broken ones, so a failure still names its rule. One test node and one
    scan per model instead of one expression_is_true each. Give it `name: expressions_are_true_<model>`:
    the default name spells out every expression, and Dagster shows it as the asset check's name. -#}
{% test expressions_are_true(model, expressions) %}
select *
from (
    select
        concat_ws(' | '
            {%- for expression in expressions %},
            case when not coalesce(({{ expression }}), false) then '{{ expression | replace("'", "''") }}' end
            {%- endfor %}
        ) as failed_expressions,
        *
    from {{ ktp_untested_rows(model) }} as tested_rows
) as checked
where failed_expressions <> ''
{% endtest %}
