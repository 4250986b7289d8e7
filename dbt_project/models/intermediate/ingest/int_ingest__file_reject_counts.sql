-- Rejected rows per file and reason, every reason listed (zeros included).
{{ config(alias='file_reject_counts', materialized='incremental', partition_by=ktp_partition_by('file')) }}
{%- set parts = ktp_partitions('file') %}
{{ ktp_partition_marker(parts) }}
{{ ktp_counts_per_file(parts, 'reason', var('contract')['reject_reasons']) }}
