select
    snapshot_date,
    regency_code,
    reason,
    row_count as "rows"
from {{ ref('stg_ingest__file_reject_counts') }}
