{{ config(partition_by=ktp_partition_by('snapshot'), contract=ktp_contract()) }}
{%- set parts = ktp_partitions('snapshot') %}
{{ ktp_partition_marker(parts) }}

with coverage as (
    {{ coverage_by_area('regency', parts) }}
),

bps as (
    select kemendagri_code, bps_code_2018 as bps_code
    from {{ ref('bps_kemendagri_crosswalk') }}
    where level = 'regency'
)

select
    coverage.*,
    bps.bps_code
from coverage
left join bps on bps.kemendagri_code = coverage.area_code
