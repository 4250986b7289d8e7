-- Flagged (kept) rows per file and quality flag, every flag listed (zeros included).
{{ config(alias='file_flag_counts', materialized='incremental', partition_by=ktp_partition_by('file')) }}
{%- set parts = ktp_partitions('file') %}
{{ ktp_partition_marker(parts) }}
{{ ktp_counts_per_file(parts, 'flag', var('contract')['quality_flags']) }}
