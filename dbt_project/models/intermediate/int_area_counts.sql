-- Person counts per snapshot and area, for each of the four levels. Each level groups by the person's own
-- domicile code of that level, so a person is placed by domicile, never by NIK prefix or listing file.
{{ config(materialized='incremental', partition_by=ktp_partition_by('snapshot')) }}
{%- set parts = ktp_partitions('snapshot') %}
{{ ktp_partition_marker(parts) }}
{%- set levels = [
    ('province', 'province_code'),
    ('regency', 'regency_code'),
    ('district', 'district_code'),
    ('village', 'village_code'),
] %}

{% for level, code_column in levels %}
select
    snapshot_date,
    '{{ level }}' as area_level,
    {{ code_column }} as area_code,
    count(*) as population,
    count(*) filter (where is_wajib_ktp) as wajib_ktp,
    count(*) filter (where is_sudah_rekam) as sudah_rekam,
    count(*) filter (where is_sudah_cetak) as sudah_cetak,
    count(*) filter (where is_pemula) as pemula_wajib,
    count(*) filter (where is_pemula and is_recorded) as pemula_rekam,
    count(*) filter (where is_pemula and not is_recorded) as belum_rekam_pemula,
    count(*) filter (where is_wajib_ktp and not is_recorded and age_years >= 21) as deactivation_risk,
    count(*) filter (where is_upcoming_pemula and not is_recorded) as upcoming_pemula_unrecorded
from {{ ref('int_persons_at_cutoff') }}
where {{ ktp_partition_filter(parts) }}
group by snapshot_date, {{ code_column }}
{% if not loop.last %}union all{% endif %}
{% endfor %}
