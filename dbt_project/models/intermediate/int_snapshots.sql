-- Every snapshot that has at least one loaded file or person row: the marts list each area for each of them.
select distinct snapshot_date
from (
    select snapshot_date from {{ ref('stg_ingest__files') }}
    union all
    select snapshot_date from {{ ref('stg_ingest__persons') }}
) as dates
