{#- A relative KTP_WAREHOUSE would resolve against dbt_project/ and build marts into an empty side file. -#}
{% macro assert_absolute_warehouse_path() %}
    {%- if execute and target.type == 'duckdb' -%}
        {%- set path = target.path -%}
        {%- if path != ':memory:' and not modules.re.match('^(/|[A-Za-z]:[\\\\/])', path) -%}
            {{ exceptions.raise_compiler_error("KTP_WAREHOUSE must be an absolute path, got: " ~ path) }}
        {%- endif -%}
    {%- endif -%}
    select 1
{% endmacro %}
