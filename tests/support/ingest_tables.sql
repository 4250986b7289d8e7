-- The `ingest` schema as dbt builds it, for tests that make small warehouses by hand (tests/support/
-- ingest.py). It mirrors the columns, their order and their types of the dbt models in
-- dbt_project/models/intermediate/ingest/ (the alias of each model is the table name here); dbt declares
-- no constraints, so neither does this. Keep the two in step: tests/test_quality.py compares this schema
-- with one dbt really built (test_fake_ingest_tables_are_the_ones_dbt_builds).
-- Idempotent, like the DDL it replaces.

create schema if not exists ingest;

-- int_ingest__files: one row per landed (snapshot, regency) file.
create table if not exists ingest.files (
    snapshot_date         date,
    regency_code          varchar,    -- '65.01'
    source_file           varchar,    -- '<snapshot>/<file name>' relative to the raw dir
    file_format           varchar,    -- 'csv' | 'xlsx'
    encoding              varchar,    -- null for xlsx
    delimiter             varchar,    -- null for xlsx
    sha256                varchar,
    size_bytes            bigint,
    columns_found         varchar[],  -- header as sent, for the required-columns check
    rows_landed           bigint,
    rows_read             bigint,
    rows_loaded           bigint,
    rows_rejected         bigint,
    duplicates_superseded bigint,
    landed_at             timestamp,
    loaded_at             timestamp,  -- when the file's rows were last judged: its checks must be newer
    resolved_at           timestamp,  -- when its snapshot was last deduplicated: snapshot checks must be newer
    run_id                varchar
);

-- int_ingest__file_reject_counts, int_ingest__file_flag_counts: every reason and flag listed per file.
create table if not exists ingest.file_reject_counts (
    snapshot_date date,
    regency_code  varchar,
    reason        varchar,
    row_count     bigint
);

create table if not exists ingest.file_flag_counts (
    snapshot_date date,
    regency_code  varchar,
    flag          varchar,
    row_count     bigint
);

-- int_ingest__file_errors: whole-file problems of the latest landing of each file.
create table if not exists ingest.file_errors (
    snapshot_date date,
    regency_code  varchar,
    source_file   varchar,
    error         varchar,
    seen_at       timestamp,
    run_id        varchar
);

-- int_ingest__judged_rows: every landed row, `reason` null when kept; raw_* set on rejected rows only.
create table if not exists ingest.judged_rows (
    snapshot_date    date,
    regency_code     varchar,
    source_file      varchar,
    sha256           varchar,
    landed_at        timestamp,
    row_number       bigint,
    reason           varchar,
    nik              varchar,
    no_kk            varchar,
    full_name        varchar,
    sex              varchar,
    birth_place      varchar,
    birth_date       date,
    marital_status   varchar,
    citizenship      varchar,
    district_code    varchar,
    village_code     varchar,
    ktp_status       varchar,
    recorded_date    date,
    entry_date       date,
    record_location  varchar,
    flag_nik_issued_outside_kaltara boolean,
    flag_nik_birth_date_mismatch    boolean,
    flag_nik_sex_mismatch           boolean,
    raw_nik          varchar,
    raw_no_kk        varchar,
    raw_nama_lgkp    varchar,
    raw_jenis_klmin  varchar,
    raw_tmpt_lhr     varchar,
    raw_tgl_lhr      varchar,
    raw_stat_kwn     varchar,
    raw_kwrngrn      varchar,
    raw_no_prop      varchar,
    raw_no_kab       varchar,
    raw_no_kec       varchar,
    raw_no_kel       varchar,
    raw_status_ktp_el varchar,
    raw_tgl_rekam    varchar,
    raw_tgl_entri    varchar,
    raw_lokasi_rekam varchar,
    judged_at        timestamp
);

-- int_ingest__nik_duplicates: the kept rows that lose their NIK to another row of the snapshot.
create table if not exists ingest.nik_duplicates (
    snapshot_date date,
    regency_code  varchar,
    row_number    bigint
);

-- int_ingest__persons (a view): kept rows, `superseded` where another row of the snapshot wins the NIK.
create view if not exists ingest.persons as
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
    '65' as province_code,
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
from ingest.judged_rows as judged
left join ingest.nik_duplicates as duplicates
    on duplicates.snapshot_date = judged.snapshot_date
    and duplicates.regency_code = judged.regency_code
    and duplicates.row_number = judged.row_number
where judged.reason is null;

-- int_ingest__quarantine (a view): rejected rows with their values exactly as sent.
create view if not exists ingest.quarantine as
select
    snapshot_date,
    regency_code,
    source_file,
    row_number,
    reason,
    raw_nik as nik,
    raw_no_kk as no_kk,
    raw_nama_lgkp as nama_lgkp,
    raw_jenis_klmin as jenis_klmin,
    raw_tmpt_lhr as tmpt_lhr,
    raw_tgl_lhr as tgl_lhr,
    raw_stat_kwn as stat_kwn,
    raw_kwrngrn as kwrngrn,
    raw_no_prop as no_prop,
    raw_no_kab as no_kab,
    raw_no_kec as no_kec,
    raw_no_kel as no_kel,
    raw_status_ktp_el as status_ktp_el,
    raw_tgl_rekam as tgl_rekam,
    raw_tgl_entri as tgl_entri,
    raw_lokasi_rekam as lokasi_rekam
from ingest.judged_rows
where reason is not null;
