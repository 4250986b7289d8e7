-- Whole-file problems of the latest landing of each file, in the words of the extract contract.
{{ config(alias='file_errors', materialized='table') }}

select
    snapshot_date,
    regency_code,
    source_file,
    error,
    landed_at as seen_at,
    run_id
from {{ ref('stg_landing__extract_files') }}
where error is not null
