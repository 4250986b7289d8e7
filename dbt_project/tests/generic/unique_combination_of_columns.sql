{#- Fails with one row per key combination that occurs more than once (nulls compare equal). -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
select
    {{ combination_of_columns | join(', ') }},
    count(*) as occurrences
from {{ ktp_untested_rows(model) }} as tested_rows
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1
{% endtest %}
