{{ config(partition_by=ktp_partition_by('snapshot'), contract=ktp_contract()) }}
{%- set parts = ktp_partitions('snapshot') %}
{{ ktp_partition_marker(parts) }}

select
    snapshot_date,
    regency_code,
    source_file,
    sha256,
    rows_read,
    rows_loaded,
    rows_rejected,
    duplicates_superseded
from {{ ref('int_ingest__files') }}
where {{ ktp_partition_filter(parts) }}
