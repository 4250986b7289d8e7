-- One row per landed (snapshot, regency) file: its bookkeeping from landing, the row accounting of the
-- judging, and the rows that lost their NIK to another row of the snapshot. Built per snapshot, as the
-- deduplication is.
{{ config(alias='files', materialized='incremental', partition_by=ktp_partition_by('snapshot')) }}
{%- set parts = ktp_partitions('snapshot') %}
{{ ktp_partition_marker(parts) }}

with landed as (
    select *
    from {{ ref('stg_landing__extract_files') }}
    where error is null and regency_code is not null and {{ ktp_partition_filter(parts) }}
),

judged as (
    select
        snapshot_date,
        regency_code,
        count(*) as rows_read,
        count(case when reason is null then 1 end) as rows_loaded,
        count(case when reason is not null then 1 end) as rows_rejected,
        max(judged_at) as loaded_at
    from {{ ref('int_ingest__judged_rows') }}
    where {{ ktp_partition_filter(parts) }}
    group by snapshot_date, regency_code
),

superseded as (
    select snapshot_date, regency_code, count(*) as duplicates_superseded
    from {{ ref('int_ingest__nik_duplicates') }}
    where {{ ktp_partition_filter(parts) }}
    group by snapshot_date, regency_code
)

select
    landed.snapshot_date,
    landed.regency_code,
    landed.source_file,
    landed.file_format,
    landed.encoding,
    landed.delimiter,
    landed.sha256,
    landed.size_bytes,
    landed.columns_found,
    landed.rows_landed,
    judged.rows_read,
    judged.rows_loaded,
    judged.rows_rejected,
    cast(coalesce(superseded.duplicates_superseded, 0) as bigint) as duplicates_superseded,
    landed.landed_at,
    judged.loaded_at,
    -- when this snapshot's deduplication was last rebuilt: its checks must be newer
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp) as resolved_at,
    landed.run_id
from landed
left join judged
    on judged.snapshot_date = landed.snapshot_date and judged.regency_code = landed.regency_code
left join superseded
    on superseded.snapshot_date = landed.snapshot_date and superseded.regency_code = landed.regency_code
