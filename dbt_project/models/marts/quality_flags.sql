select
    snapshot_date,
    regency_code,
    flag,
    row_count as "rows"
from {{ ref('stg_ingest__file_flag_counts') }}
