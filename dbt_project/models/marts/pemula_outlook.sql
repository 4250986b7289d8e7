-- Who becomes wajib KTP in the 12 months after C: aged 16 at C and not already wajib by marriage, by the
-- month of their 17th birthday.
{{ config(partition_by=ktp_partition_by('snapshot'), contract=ktp_contract()) }}
{%- set parts = ktp_partitions('snapshot') %}
{{ ktp_partition_marker(parts) }}

select
    snapshot_date,
    regency_code,
    district_code,
    {{ year_month('turns_17_on') }} as month_turning_17,
    cast(count(*) as bigint) as persons,
    cast(count(*) filter (where is_recorded) as bigint) as recorded_early
from {{ ref('int_persons_at_cutoff') }}
where is_upcoming_pemula and {{ ktp_partition_filter(parts) }}
group by snapshot_date, regency_code, district_code, {{ year_month('turns_17_on') }}
