-- Typed, valid rows, with `superseded` true where another row of the snapshot wins the NIK. Row-level
-- personal data: stays in the warehouse, never published.
{{ config(alias='persons') }}

select
    judged.snapshot_date,
    judged.regency_code,
    judged.source_file,
    judged.row_number,
    judged.nik,
    judged.no_kk,
    judged.full_name,
    judged.sex,
    judged.birth_place,
    judged.birth_date,
    judged.marital_status,
    judged.citizenship,
    '{{ var("contract")["province_code"] }}' as province_code,
    -- wrong_regency rejects rows whose regency is not the file's, so the file's regency is the domicile's
    judged.regency_code as domicile_regency,
    judged.district_code,
    judged.village_code,
    judged.ktp_status,
    judged.recorded_date,
    judged.entry_date,
    judged.record_location,
    judged.flag_nik_issued_outside_kaltara,
    judged.flag_nik_birth_date_mismatch,
    judged.flag_nik_sex_mismatch,
    duplicates.row_number is not null as superseded
from {{ ref('int_ingest__judged_rows') }} as judged
left join {{ ref('int_ingest__nik_duplicates') }} as duplicates
    on duplicates.snapshot_date = judged.snapshot_date
    and duplicates.regency_code = judged.regency_code
    and duplicates.row_number = judged.row_number
where judged.reason is null
