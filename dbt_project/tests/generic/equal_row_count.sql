{#- Fails when `model` and `compare_model` (optionally filtered) do not hold the same number of rows. -#}
{% test equal_row_count(model, compare_model, compare_where='true') %}
with a as (select count(*) as n from {{ model }}),
     b as (select count(*) as n from {{ compare_model }} where {{ compare_where }})
select a.n as model_rows, b.n as compare_rows
from a cross join b
where a.n <> b.n
{% endtest %}
