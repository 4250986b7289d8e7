select
    snapshot_date,
    regency_code,
    source_file,
    sha256,
    rows_read,
    rows_loaded,
    rows_rejected,
    duplicates_superseded
from {{ ref('stg_ingest__files') }}
