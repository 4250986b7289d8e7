{{ config(partition_by=ktp_partition_by('snapshot'), contract=ktp_contract()) }}
{%- set parts = ktp_partitions('snapshot') %}
{{ ktp_partition_marker(parts) }}
{{ coverage_by_area('district', parts) }}
