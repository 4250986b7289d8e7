{%- set parts = ktp_partitions('snapshot') %}
{{ ktp_partition_marker(parts) }}
{{ coverage_by_area('district', parts) }}
