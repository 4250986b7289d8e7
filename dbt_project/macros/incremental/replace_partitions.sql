{#- Incremental strategy 'replace_partitions': delete the partitions this build covers, then insert
    what it computed for them. Unlike delete+insert on a unique key, a partition whose new select is
    empty (file withdrawn, snapshot without duplicates) is cleared too. -#}
{% macro get_incremental_replace_partitions_sql(arg_dict) -%}
    {{ return(adapter.dispatch('replace_partitions_sql', 'ktp_warehouse')(arg_dict)) }}
{%- endmacro %}

{% macro default__replace_partitions_sql(arg_dict) -%}
    {%- set parts = ktp_partitions_of_this_model() %}
    {%- set columns = arg_dict['dest_columns'] | map(attribute='quoted') | join(', ') %}
    {%- if parts['keys'] %}
    delete from {{ arg_dict['target_relation'] }} where {{ ktp_partition_filter(parts) }};
    {%- endif %}
    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}

{#- Spark's Parquet tables take no DELETE, and a statement is one statement: the partitions are tables'
    folders (partition_by, see ktp_partition_by), dropped one by one before the new rows are appended.
    There is no transaction either, so the record of what was built goes first: a build that dies
    between the drop and the insert leaves those partitions unrecorded, and the next build makes them
    again. The rows are checked against the columns' not_null constraints before anything is dropped,
    since Spark does not enforce them on Parquet tables (DuckDB refuses the NULL while inserting). -#}
{% macro spark__replace_partitions_sql(arg_dict) -%}
    {%- set parts = ktp_partitions_of_this_model() %}
    {%- set target = arg_dict['target_relation'] %}
    {%- if not parts['keys'] %}
        {#- nothing changed: every statement is a Spark job, and a select that nobody reads runs none -#}
        {{ return('select 1') }}
    {%- endif %}
    {%- do ktp_assert_not_null(arg_dict['temp_relation']) %}
    {%- if parts['keys'] %}
        {%- do ktp_forget_partitions(parts) %}
        {%- do run_query('alter table ' ~ target ~ ' drop if exists ' ~ ktp_partition_specs(parts)) %}
    {%- endif %}
    {%- set columns = arg_dict['dest_columns'] | map(attribute='quoted') | join(', ') %}
    insert into table {{ target }}
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}

{#- `partition (snapshot_date = '…'[, regency_code = '…']), …` for ALTER TABLE … DROP PARTITION. -#}
{% macro ktp_partition_specs(parts) -%}
    {%- for k in parts['keys'] -%}
        partition (snapshot_date = '{{ k[0] }}'
        {%- if parts['grain'].startswith('file') %}, regency_code = '{{ k[1] }}'{% endif %})
        {{- ', ' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- The table's partition columns on engines that store partitions as folders (Spark); none elsewhere,
    where the zone maps of a sorted insert do the same. For the model's config(partition_by=...). -#}
{% macro ktp_partition_by(grain) -%}
    {%- if target.type != 'spark' %}{{ return(none) }}{% endif %}
    {{ return(['snapshot_date', 'regency_code'] if grain.startswith('file') else ['snapshot_date']) }}
{%- endmacro %}

{#- The marts' contract: enforced on DuckDB. Spark compares a contract with its own type names (string,
    not varchar) and enforces no constraint on Parquet tables; there ktp_assert_not_null checks the
    not_null columns instead, and the column types are DuckDB's again where the tables are read
    (pipelines/lib/engines/spark_mirror.py casts them to the contract's types). -#}
{% macro ktp_contract() -%}
    {{ return({'enforced': target.type == 'duckdb'}) }}
{%- endmacro %}

{#- Fails the model when a column with a not_null constraint holds a NULL in `relation` (Spark). -#}
{% macro ktp_assert_not_null(relation) -%}
    {%- set columns = [] %}
    {%- for name, column in model.columns.items() %}
        {%- for c in column.constraints if c.type == 'not_null' %}{% do columns.append(name) %}{% endfor %}
    {%- endfor %}
    {%- if columns %}
        {%- set sql %}
        select {% for c in columns %}count(case when {{ adapter.quote(c) }} is null then 1 end){{ ', ' if not loop.last }}{% endfor %}
        from {{ relation }}
        {%- endset %}
        {%- set counts = run_query(sql).rows[0] %}
        {%- set nulls = [] %}
        {%- for c in columns %}
            {%- if counts[loop.index0] > 0 %}{% do nulls.append(c ~ ' (' ~ counts[loop.index0] ~ ' rows)') %}{% endif %}
        {%- endfor %}
        {%- if nulls %}
            {{ exceptions.raise_compiler_error(this ~ ': NULL in not_null column(s) ' ~ nulls | join(', ')) }}
        {%- endif %}
    {%- endif %}
{%- endmacro %}

{#- Post-hook of every partitioned model: remember which version of each partition it now holds. Set for
    whole folders in dbt_project.yml, so it does nothing for a model that is not incremental. -#}
{% macro ktp_record_partitions() -%}
    {%- if execute and config.get('materialized') == 'incremental' %}
    {{ return(adapter.dispatch('record_partitions', 'ktp_warehouse')(ktp_partitions_of_this_model())) }}
    {%- endif %}
{%- endmacro %}

{% macro default__record_partitions(parts) -%}
    delete from audit.dbt_partitions where model = '{{ this.identifier }}'
    {%- if parts['mode'] != 'full' %} and {{ ktp_partition_filter(parts) }}{% endif %};
    {{ ktp_partition_record_insert(parts) }}
{%- endmacro %}

{#- On Spark the record is partitioned by (model, partition_key): forgetting partitions is dropping them.
    A full build (the table was made anew) also checks the not_null constraints, afterwards: it fails the
    model, and the build, as DuckDB's refusal does. -#}
{% macro spark__record_partitions(parts) -%}
    {%- if parts['mode'] == 'full' %}
        {%- do ktp_assert_not_null(this) %}
    {%- endif %}
    {%- do ktp_forget_partitions(parts) %}
    {#- an unread select runs no Spark job -#}
    {{ ktp_partition_record_insert(parts) or 'select 1' }}
{%- endmacro %}

{% macro ktp_forget_partitions(parts) -%}
    {%- if parts['mode'] == 'full' %}
        {%- do run_query("alter table audit.dbt_partitions drop if exists partition (model = '" ~ this.identifier ~ "')") %}
    {%- elif parts['keys'] %}
        {%- set specs = [] %}
        {%- for k in parts['keys'] %}
            {%- do specs.append("partition (model = '" ~ this.identifier ~ "', partition_key = '" ~ ktp_partition_key(k) ~ "')") %}
        {%- endfor %}
        {%- do run_query('alter table audit.dbt_partitions drop if exists ' ~ specs | join(', ')) %}
    {%- endif %}
{%- endmacro %}

{% macro ktp_partition_key(k) -%}
    {{ k[0] }}/{{ k[1] or '*' }}
{%- endmacro %}

{% macro ktp_partition_record_insert(parts) -%}
    {%- set built = [] %}
    {%- for k in parts['keys'] if k[2] %}{% do built.append(k) %}{% endfor %}
    {%- set at = "cast('" ~ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") ~ "' as timestamp)" %}
    {%- if built and target.type == 'spark' %}
    {#- An overwrite of exactly these partitions: Spark stages it in a folder of its own, where two
        models' plain inserts into one table at once would share one temporary folder and fail. -#}
    insert overwrite table audit.dbt_partitions partition (model, partition_key)
    select * from values
    {%- for k in built %}
        (cast('{{ k[0] }}' as date), {{ "'" ~ k[1] ~ "'" if k[1] else 'cast(null as string)' }}, '{{ k[2] }}', {{ at }}, '{{ this.identifier }}', '{{ ktp_partition_key(k) }}'){{ ',' if not loop.last }}
    {%- endfor %}
    as built (snapshot_date, regency_code, version, built_at, model, partition_key)
    {%- elif built %}
    insert into audit.dbt_partitions (model, snapshot_date, regency_code, version, built_at) values
    {%- for k in built %}
        ('{{ this.identifier }}', cast('{{ k[0] }}' as date), {{ "'" ~ k[1] ~ "'" if k[1] else 'null' }}, '{{ k[2] }}', {{ at }}){{ ',' if not loop.last }}
    {%- endfor %};
    {%- endif %}
{%- endmacro %}

{% macro ktp_create_partition_record() -%}
    {{ return(adapter.dispatch('create_partition_record', 'ktp_warehouse')()) }}
{%- endmacro %}

{% macro default__create_partition_record() -%}
    create schema if not exists audit;
    create table if not exists audit.dbt_partitions (
        model         varchar   not null,
        snapshot_date date      not null,
        regency_code  varchar,
        version       varchar   not null,
        built_at      timestamp not null
    )
{%- endmacro %}

{#- One statement per call on Spark. The landing views come first: every model reads them. -#}
{% macro spark__create_partition_record() -%}
    {%- do ktp_register_landing() %}
    {%- do run_query('create schema if not exists audit') %}
    create table if not exists audit.dbt_partitions (
        snapshot_date date,
        regency_code  string,
        version       string,
        built_at      timestamp,
        model         string,
        partition_key string
    ) using parquet partitioned by (model, partition_key)
{%- endmacro %}
