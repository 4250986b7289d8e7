-- Every snapshot with at least one landed file: the marts list each area for each of them.
select distinct snapshot_date
from {{ ref('stg_landing__extract_files') }}
where error is null and regency_code is not null
