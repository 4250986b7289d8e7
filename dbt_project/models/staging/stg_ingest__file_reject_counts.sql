select
    cast(snapshot_date as date)     as snapshot_date,
    cast(regency_code as varchar)   as regency_code,
    cast(reason as varchar)         as reason,
    cast("rows" as bigint)          as row_count
from {{ source('ingest', 'file_reject_counts') }}
