{#- dbt-spark's session cursor puts seed values into the SQL text as they are: a missing value becomes
    the text 'None' and a quote in a village name ends the literal. This writes each value as a Spark
    literal: NULL, or the text with backslashes and quotes escaped. Overrides dbt-spark's macro of the
    same name (a root project's macro wins in adapter.dispatch). -#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) %}
    {%- set statements = [] %}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) %}
        {%- set sql %}
        insert into {{ this.render() }} values
        {%- for row in chunk %}
            ({%- for value in row -%}
                {%- set type = column_override.get(agate_table.column_names[loop.index0],
                    adapter.convert_type(agate_table, loop.index0)) -%}
                cast({{ ktp_spark_literal(value) }} as {{ type }}){{ ',' if not loop.last }}
            {%- endfor -%}){{ ',' if not loop.last }}
        {%- endfor %}
        {%- endset %}
        {%- do adapter.add_query(sql, abridge_sql_log=True) %}
        {%- if loop.first %}{% do statements.append(sql) %}{% endif %}
    {%- endfor %}
    {{ return(statements[0] if statements else '') }}
{% endmacro %}

{% macro ktp_spark_literal(value) -%}
    {%- if value is none -%}
        null
    {%- else -%}
        '{{ (value | string) | replace("\\", "\\\\") | replace("'", "\\'") }}'
    {%- endif -%}
{%- endmacro %}
