-- Rejected rows with their values exactly as sent, and the first reason that applied. Personal data: the
-- auditors' listings (pipelines/lib/publish/quarantine.py) mask it.
{{ config(alias='quarantine') }}

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
from {{ ref('int_ingest__judged_rows') }}
where reason is not null
