-- One person per NIK per snapshot: among the kept rows of a snapshot, the latest TGL_ENTRI wins; on a tie
-- the lowest regency code, then the first row. This lists the rows that lose. Built per snapshot: a new
-- or changed file can take a NIK from, or give it back to, any other file of its snapshot.
{{ config(alias='nik_duplicates', materialized='incremental', partition_by=ktp_partition_by('snapshot')) }}
{%- set parts = ktp_partitions('snapshot') %}
{{ ktp_partition_marker(parts) }}

with kept as (
    select snapshot_date, regency_code, row_number, nik, entry_date
    from {{ ref('int_ingest__judged_rows') }}
    where reason is null and {{ ktp_partition_filter(parts) }}
),

-- Most NIKs are listed once: only those whose hash is listed twice or more are ranked (a hash shared by
-- two NIKs only adds candidates; the ranking compares the NIKs themselves). Cheaper than ranking a
-- whole snapshot, whose every row would be sorted.
repeated as (
    select snapshot_date, {{ hash64('nik') }} as nik_hash
    from kept
    group by snapshot_date, {{ hash64('nik') }}
    having count(*) > 1
),

candidates as (
    select kept.*
    from kept
    inner join repeated
        on repeated.snapshot_date = kept.snapshot_date
        and repeated.nik_hash = {{ hash64('kept.nik') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by snapshot_date, nik
            order by entry_date desc nulls last, regency_code, row_number
        ) as rank_in_nik
    from candidates
)

select snapshot_date, regency_code, row_number
from ranked
where rank_in_nik > 1
