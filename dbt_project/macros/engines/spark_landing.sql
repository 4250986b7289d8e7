{#- Spark reads the landing folder through external tables over it, defined anew at the start of every
    build (dropping an external table leaves its files), so new and withdrawn folders are seen: the rows
    of each (snapshot, regency) folder, whose folder names are its partition columns (text; staging types
    them), and every file's bookkeeping row, which names its partition in its own columns. They read the
    files DuckDB's read_parquet globs read (sources in __sources.yml); names starting with '.' (landing's
    temporary files) are skipped by Spark as by the globs. A partitioned table reads every file of its
    folders (pathGlobFilter is not applied to a catalog's partitions), so the rows are a view that keeps
    the rows files' rows only, by the file name Spark knows for each row. -#}
{% macro ktp_register_landing() -%}
    {%- set landing = env_var('KTP_LANDING_DIR') %}
    {%- do run_query('create schema if not exists landing') %}
    {%- do run_query('drop table if exists landing.extract_partitions') %}
    {#- the filter makes Spark infer the schema and the partition columns from the rows files alone -#}
    {%- do run_query("create table landing.extract_partitions using parquet "
        ~ "options (pathGlobFilter 'rows-*.parquet') location '" ~ landing ~ "'") %}
    {%- do run_query('msck repair table landing.extract_partitions sync partitions') %}
    {%- do run_query("create or replace view landing.extract_rows as select * from landing.extract_partitions "
        ~ "where _metadata.file_name like 'rows-%.parquet'") %}
    {%- do run_query('drop table if exists landing.extract_files') %}
    {%- do run_query("create table landing.extract_files using parquet "
        ~ "options (recursiveFileLookup 'true', pathGlobFilter '*file.parquet') location '" ~ landing ~ "'") %}
{%- endmacro %}
