{#- Incremental strategy 'replace_partitions': delete the partitions this build covers, then insert
    what it computed for them. Unlike delete+insert on a unique key, a partition whose new select is
    empty (file withdrawn, snapshot without duplicates) is cleared too. -#}
{% macro get_incremental_replace_partitions_sql(arg_dict) -%}
    {%- set parts = ktp_partitions_of_this_model() %}
    {%- set columns = arg_dict['dest_columns'] | map(attribute='quoted') | join(', ') %}
    {%- if parts['keys'] %}
    delete from {{ arg_dict['target_relation'] }} where {{ ktp_partition_filter(parts) }};
    {%- endif %}
    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}

{#- Post-hook of every partitioned model: remember which version of each partition it now holds. Set for
    whole folders in dbt_project.yml, so it does nothing for a model that is not incremental. -#}
{% macro ktp_record_partitions() -%}
    {%- if execute and config.get('materialized') == 'incremental' %}
    {%- set parts = ktp_partitions_of_this_model() %}
    delete from audit.dbt_partitions where model = '{{ this.identifier }}'
    {%- if parts['mode'] != 'full' %} and {{ ktp_partition_filter(parts) }}{% endif %};
    {%- set built = [] %}
    {%- for k in parts['keys'] if k[2] %}{% do built.append(k) %}{% endfor %}
    {%- if built %}
    insert into audit.dbt_partitions (model, snapshot_date, regency_code, version, built_at) values
    {%- for k in built %}
        ('{{ this.identifier }}', cast('{{ k[0] }}' as date), {{ "'" ~ k[1] ~ "'" if k[1] else 'null' }}, '{{ k[2] }}', cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)){{ ',' if not loop.last }}
    {%- endfor %};
    {%- endif %}
    {%- endif %}
{%- endmacro %}

{% macro ktp_create_partition_record() -%}
    create schema if not exists audit;
    create table if not exists audit.dbt_partitions (
        model         varchar   not null,
        snapshot_date date      not null,
        regency_code  varchar,
        version       varchar   not null,
        built_at      timestamp not null
    )
{%- endmacro %}
