{#- dbt-spark's incremental materialization knows only its own strategies and does not look up
    get_incremental_<strategy>_sql as dbt-core's does. These two macros of dbt-spark are overridden
    here (a root project's macro wins over an adapter's of the same name) to let it run
    'replace_partitions' (replace_partitions.sql), the one strategy this project uses. -#}
{% macro dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format) -%}
    {%- if raw_strategy != 'replace_partitions' %}
        {{ exceptions.raise_compiler_error(
            "this project builds incremental models with 'replace_partitions' only, not " ~ raw_strategy) }}
    {%- endif %}
    {%- if file_format != 'parquet' %}
        {{ exceptions.raise_compiler_error("'replace_partitions' writes Parquet tables, not " ~ file_format) }}
    {%- endif %}
    {{ return(raw_strategy) }}
{%- endmacro %}

{% macro dbt_spark_get_incremental_sql(strategy, source, target, existing, unique_key, incremental_predicates) -%}
    {{ get_incremental_replace_partitions_sql({
        'target_relation': target,
        'temp_relation': source,
        'dest_columns': adapter.get_columns_in_relation(target),
    }) }}
{%- endmacro %}
