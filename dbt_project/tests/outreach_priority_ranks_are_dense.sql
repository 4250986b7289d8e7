-- Ranks are unique per snapshot (generic test); with min 1 and max = row count they are exactly 1..n.
select snapshot_date, min(priority_rank) as first_rank, max(priority_rank) as last_rank, count(*) as villages
from {{ ref('outreach_priority') }}
group by snapshot_date
having min(priority_rank) <> 1 or max(priority_rank) <> count(*)
