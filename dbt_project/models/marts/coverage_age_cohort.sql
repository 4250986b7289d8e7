-- Wajib KTP coverage by domicile regency, age cohort and sex; every combination listed, zeros included.
{{ config(partition_by=ktp_partition_by('snapshot'), contract=ktp_contract()) }}
{%- set cohorts = ['<17', '17', '18-19'] %}
{%- for lower in range(20, 75, 5) %}{% do cohorts.append(lower ~ '-' ~ (lower + 4)) %}{% endfor %}
{%- do cohorts.append('75+') %}

{%- set parts = ktp_partitions('snapshot') %}
{{ ktp_partition_marker(parts) }}

with snapshots as (
    select snapshot_date from {{ ref('int_snapshots') }}
    where {{ ktp_partition_filter(parts) }}
),

regencies as (
    select code as regency_code
    from {{ ref('kemendagri_wilayah') }}
    where level = 'regency'
),

cohorts as (
    select * from (values
        {%- for cohort in cohorts %}
        ('{{ cohort }}'){{ ',' if not loop.last }}
        {%- endfor %}
    ) as c (age_cohort)
),

sexes as (
    select * from (values ('L'), ('P')) as s (sex)
),

counts as (
    select
        snapshot_date,
        regency_code,
        age_cohort,
        sex,
        count(*) as wajib_ktp,
        count(*) filter (where is_sudah_rekam) as sudah_rekam
    from {{ ref('int_persons_at_cutoff') }}
    where is_wajib_ktp and {{ ktp_partition_filter(parts) }}
    group by snapshot_date, regency_code, age_cohort, sex
),

filled as (
    select
        snapshots.snapshot_date,
        regencies.regency_code,
        cohorts.age_cohort,
        sexes.sex,
        cast(coalesce(counts.wajib_ktp, 0) as bigint) as wajib_ktp,
        cast(coalesce(counts.sudah_rekam, 0) as bigint) as sudah_rekam
    from snapshots
    cross join regencies
    cross join cohorts
    cross join sexes
    left join counts
        on counts.snapshot_date = snapshots.snapshot_date
        and counts.regency_code = regencies.regency_code
        and counts.age_cohort = cohorts.age_cohort
        and counts.sex = sexes.sex
)

select
    snapshot_date,
    regency_code,
    age_cohort,
    sex,
    wajib_ktp,
    sudah_rekam,
    wajib_ktp - sudah_rekam as belum_rekam,
    {{ coverage_pct('sudah_rekam', 'wajib_ktp') }} as coverage_pct
from filled
