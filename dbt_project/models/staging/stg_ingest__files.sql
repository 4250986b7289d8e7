select
    cast(snapshot_date as date)             as snapshot_date,
    cast(regency_code as varchar)           as regency_code,
    cast(source_file as varchar)            as source_file,
    cast(file_format as varchar)            as file_format,
    cast(sha256 as varchar)                 as sha256,
    cast(size_bytes as bigint)              as size_bytes,
    cast(rows_read as bigint)               as rows_read,
    cast(rows_loaded as bigint)             as rows_loaded,
    cast(rows_rejected as bigint)           as rows_rejected,
    cast(duplicates_superseded as bigint)   as duplicates_superseded,
    cast(loaded_at as timestamp)            as loaded_at,
    cast(run_id as varchar)                 as run_id
from {{ source('ingest', 'files') }}
