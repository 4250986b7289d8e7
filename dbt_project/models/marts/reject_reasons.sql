{{ config(partition_by=ktp_partition_by('snapshot'), contract=ktp_contract()) }}
{%- set parts = ktp_partitions('snapshot') %}
{{ ktp_partition_marker(parts) }}

select
    snapshot_date,
    regency_code,
    reason,
    row_count as {{ adapter.quote("rows") }}
from {{ ref('int_ingest__file_reject_counts') }}
where {{ ktp_partition_filter(parts) }}
