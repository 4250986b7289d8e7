{#- The rows of `model` that this build has to test. For a model built by partition (see partitions.sql):
    the rows of the partitions built since the last build in which every test passed (the time is given
    by the pipeline in KTP_DBT_TESTED_UNTIL, pipelines/lib/dbt/state.py); their tests then cost what changed,
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
    {#- The partitions come back as literals, so the engine skips the other partitions' storage (zone
        maps, partition pruning) instead of joining every row against the record: 0.07 s against
        0.37 s for one file of 15 million rows. -#}
    {%- set built = run_query(
        "select cast(snapshot_date as " ~ dbt.type_string() ~ "), regency_code from audit.dbt_partitions where model = '"
        ~ model.identifier ~ "' and built_at > cast('" ~ since ~ "' as timestamp) order by 1, 2") %}
    {%- set keys = [] %}
    {%- set by = namespace(file=false) %}
    {%- for row in built.rows %}
        {%- do keys.append([row[0], row[1]]) %}
        {%- if row[1] %}{% set by.file = true %}{% endif %}
    {%- endfor %}
    {%- set parts = {'mode': 'incremental', 'grain': 'file' if by.file else 'snapshot', 'keys': keys} %}
    {{ return('(select * from ' ~ model ~ ' as tested where ' ~ ktp_partition_filter(parts) ~ ')') }}
{%- endmacro %}
