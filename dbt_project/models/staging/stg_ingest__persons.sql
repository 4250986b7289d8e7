-- Only the columns the marts need: names, family-card numbers and birth places stay in the ingest schema.
select
    cast(snapshot_date as date)         as snapshot_date,
    cast(regency_code as varchar)       as listing_regency_code,
    cast(source_file as varchar)        as source_file,
    cast(row_number as bigint)          as source_row_number,
    cast(nik as varchar)                as nik,
    cast(sex as varchar)                as sex,
    cast(birth_date as date)            as birth_date,
    cast(marital_status as varchar)     as marital_status,
    cast(citizenship as varchar)        as citizenship,
    cast(province_code as varchar)      as province_code,
    cast(domicile_regency as varchar)   as regency_code,
    cast(district_code as varchar)      as district_code,
    cast(village_code as varchar)       as village_code,
    cast(ktp_status as varchar)         as ktp_status,
    cast(recorded_date as date)         as recorded_date,
    cast(superseded as boolean)         as is_superseded
from {{ source('ingest', 'persons') }}
