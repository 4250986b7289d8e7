{#- Schemas are exactly the configured names (staging, intermediate, marts, reference): downstream readers
    (Dagster, GX, the publisher) address marts.coverage_regency, not main_marts.coverage_regency. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
