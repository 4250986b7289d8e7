-- Warehouse tables written by the ingestion assets (schema `ingest`).
-- dbt reads these as sources; nothing else writes them. Area codes are dotted Kemendagri codes.
-- Idempotent: run at the start of every ingestion step.

create schema if not exists ingest;

-- One row per (snapshot, regency) file that is currently loaded.
create table if not exists ingest.files (
    snapshot_date         date      not null,
    regency_code          varchar   not null,  -- '65.01'
    source_file           varchar   not null,  -- '<snapshot>/<file name>' relative to the raw dir
    file_format           varchar   not null,  -- 'csv' | 'xlsx'
    encoding              varchar,             -- 'utf-8', 'utf-8-sig', 'cp1252'; null for xlsx
    delimiter             varchar,             -- ';' or ','; null for xlsx
    sha256                varchar   not null,
    size_bytes            bigint    not null,
    columns_found         varchar[] not null,  -- header as sent, for the required-columns check
    rows_read             bigint    not null,
    rows_loaded           bigint    not null,
    rows_rejected         bigint    not null,
    duplicates_superseded bigint    not null default 0,  -- set by the snapshot step
    loaded_at             timestamp not null,
    run_id                varchar,
    primary key (snapshot_date, regency_code)
);

-- Rejected and flagged rows per file, every reason and flag listed (zeros included).
create table if not exists ingest.file_reject_counts (
    snapshot_date date    not null,
    regency_code  varchar not null,
    reason        varchar not null,
    rows          bigint  not null,
    primary key (snapshot_date, regency_code, reason)
);

create table if not exists ingest.file_flag_counts (
    snapshot_date date    not null,
    regency_code  varchar not null,
    flag          varchar not null,
    rows          bigint  not null,
    primary key (snapshot_date, regency_code, flag)
);

-- Whole-file problems of the latest attempt at each file; cleared when the file loads.
create table if not exists ingest.file_errors (
    snapshot_date date,
    regency_code  varchar,
    source_file   varchar   not null,
    error         varchar   not null,
    seen_at       timestamp not null,
    run_id        varchar,
    primary key (source_file)
);

-- Typed, valid rows. Row-level personal data: stays in the warehouse, never published.
create table if not exists ingest.persons (
    snapshot_date      date     not null,
    regency_code       varchar  not null,  -- regency of the file that listed the row
    source_file        varchar  not null,
    row_number         bigint   not null,  -- 1 = first data row after the header
    nik                varchar  not null,
    no_kk              varchar,
    full_name          varchar,
    sex                varchar  not null,  -- 'L' | 'P'
    birth_place        varchar,
    birth_date         date     not null,
    marital_status     varchar  not null,  -- 'BELUM KAWIN' | 'KAWIN' | 'CERAI HIDUP' | 'CERAI MATI'
    citizenship        varchar,            -- 'WNI' | 'WNA'; 'WNI' when the column is absent
    province_code      varchar  not null,  -- '65'
    domicile_regency   varchar  not null,  -- '65.01'
    district_code      varchar  not null,  -- '65.01.01'
    village_code       varchar  not null,  -- '65.01.01.1001'
    ktp_status         varchar  not null,  -- one of the eight STATUS_KTP_EL values, upper case
    recorded_date      date,
    entry_date         date,
    record_location    varchar,
    flag_nik_issued_outside_kaltara boolean not null,
    flag_nik_birth_date_mismatch    boolean not null,
    flag_nik_sex_mismatch           boolean not null,
    superseded         boolean  not null default false   -- another row of the snapshot wins this NIK
);
-- No primary key on the two row-level tables: an index over millions of rows costs memory and load
-- time, and (snapshot_date, regency_code, row_number) is unique by construction (one file per
-- partition, rows numbered by the reader) and checked by the snapshot suite.

-- Rejected rows with their values exactly as sent, and the first reason that applied.
create table if not exists ingest.quarantine (
    snapshot_date  date    not null,
    regency_code   varchar not null,
    source_file    varchar not null,
    row_number     bigint  not null,
    reason         varchar not null,
    nik            varchar,
    no_kk          varchar,
    nama_lgkp      varchar,
    jenis_klmin    varchar,
    tmpt_lhr       varchar,
    tgl_lhr        varchar,
    stat_kwn       varchar,
    kwrngrn        varchar,
    no_prop        varchar,
    no_kab         varchar,
    no_kec         varchar,
    no_kel         varchar,
    status_ktp_el  varchar,
    tgl_rekam      varchar,
    tgl_entri      varchar,
    lokasi_rekam   varchar
);
