select
    cast(snapshot_date as date)     as snapshot_date,
    cast(regency_code as varchar)   as regency_code,
    cast(flag as varchar)           as flag,
    cast("rows" as bigint)          as row_count
from {{ source('ingest', 'file_flag_counts') }}
