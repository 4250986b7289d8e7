{#- The rows of `model` that this build has to test. For a model built by partition (see partitions.sql):
    the rows of the partitions built since the last build in which every test passed (the time is given
    by the pipeline in KTP_DBT_TESTED_UNTIL, pipelines/dbt_state.py); their tests then cost what changed,
    not the whole history. Everything when that time is not given (a first or a failed build, a full
    refresh, dbt run by hand) and for every other model. -#}
{% macro ktp_untested_rows(model) -%}
    {%- if not execute %}{{ return(model) }}{% endif %}
    {%- set since = env_var('KTP_DBT_TESTED_UNTIL', '') %}
    {%- set ns = namespace(partitioned=false) %}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' %}
        {%- if (node.alias or node.name) == model.identifier and node.schema == model.schema
            and node.config.materialized == 'incremental'
            and node.config.incremental_strategy == 'replace_partitions' %}
            {%- set ns.partitioned = true %}
        {%- endif %}
    {%- endfor %}
    {%- if not since or not ns.partitioned %}{{ return(model) }}{% endif %}
    {%- set by_file = run_query(
        "select coalesce(bool_or(regency_code is not null), false) from audit.dbt_partitions where model = '"
        ~ model.identifier ~ "'").columns[0].values()[0] %}
    {%- set sql -%}
    (select * from {{ model }} as tested
     where exists (
        select 1 from audit.dbt_partitions as built
        where built.model = '{{ model.identifier }}'
          and built.built_at > cast('{{ since }}' as timestamp)
          and built.snapshot_date = tested.snapshot_date
          {%- if by_file %} and built.regency_code = tested.regency_code{% endif %}
     ))
    {%- endset %}
    {{ return(sql) }}
{%- endmacro %}
