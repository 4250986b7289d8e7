-- Plain-DuckDB baseline of the whole pipeline: the same row rules, NIK deduplication and marts as
-- pipelines/ingest (rules.py, load.py) and dbt_project/models, written as one script with no Dagster, dbt
-- or Great Expectations, so the benchmark can tell what the framework stack costs over the engine.
--
-- bench/baseline.py runs the sections below in order. `-- @@ <name>` starts a section; ${...} are filled
-- in by the driver (paths, per-file read options, the dbt vars). The `read_csv` section runs once per CSV
-- file; XLSX files are read by the pipeline's own reader (python-calamine -> Arrow, DuckDB cannot load its
-- excel extension here) and inserted by the `read_arrow` section.
--
-- Deliberately not here: the checks (GX suites, dbt tests), the publication, the quarantine CSV export and
-- incremental re-runs. Everything is rebuilt from the files every time.

-- @@ setup
create schema if not exists ingest;
create schema if not exists marts;

-- Every extract's text, as sent, in file order; absent optional columns stay NULL.
create table raw_extract (
    snapshot_date date, regency_code varchar, kab integer, source_file varchar,
    NIK varchar, NO_KK varchar, NAMA_LGKP varchar, JENIS_KLMIN varchar, TMPT_LHR varchar, TGL_LHR varchar,
    STAT_KWN varchar, KWRNGRN varchar, NO_PROP varchar, NO_KAB varchar, NO_KEC varchar, NO_KEL varchar,
    STATUS_KTP_EL varchar, TGL_REKAM varchar, TGL_ENTRI varchar, LOKASI_REKAM varchar
);

-- One row per file. row_offset is the row count of raw_extract before the file's rows were appended: rows
-- are only ever appended, so rowid - row_offset + 1 numbers a file's rows from 1 in file order.
create table raw_files (
    snapshot_date date, regency_code varchar, source_file varchar, file_format varchar, encoding varchar,
    delimiter varchar, sha256 varchar, size_bytes bigint, columns_found varchar[], row_offset bigint,
    rows_read bigint
);

-- @@ read_csv
insert into raw_extract by name
select
    date '${snapshot}' as snapshot_date, '${regency}' as regency_code, ${kab} as kab,
    '${source_file}' as source_file, ${select_list}
from read_csv(
    '${path}', header = false, skip = 1, delim = '${delimiter}', quote = '"', escape = '"',
    auto_detect = false, columns = ${columns}, encoding = '${encoding}'
);

-- @@ read_arrow
insert into raw_extract by name
select
    date '${snapshot}' as snapshot_date, '${regency}' as regency_code, ${kab} as kab,
    '${source_file}' as source_file, ${select_list}
from arrow_extract
order by _row;

-- @@ file_done
insert into raw_files
select
    date '${snapshot}', '${regency}', '${source_file}', '${file_format}', ${encoding}, ${delimiter},
    b.sha256, b.size, ${columns_found}, ${row_offset},
    (select count(*) from raw_extract) - ${row_offset}
from (select sha256(content) as sha256, size from read_blob('${path}')) as b;

-- @@ transform
-- Reference data: the same seed files dbt loads (dbt_project/seeds), all text like their column_types.
create table ref_wilayah as
select * from read_csv('${seeds_dir}/kemendagri_wilayah.csv', header = true, all_varchar = true);
create table ref_crosswalk as
select * from read_csv('${seeds_dir}/bps_kemendagri_crosswalk.csv', header = true, all_varchar = true);
create table ref_provinces as
select trim(code) as code from read_csv('${seeds_dir}/indonesia_provinces.csv', header = true, all_varchar = true);
create temp table ref_villages as
select
    substr(code, 1, 5) as regency_code,
    substr(code, 1, 8) as district_code,
    code as village_code,
    cast(substr(code, 7, 2) as integer) as district_num,
    cast(substr(code, 10) as integer) as village_num
from ref_wilayah
where level = 'village';

-- Value normalisation of the contract: trimmed, upper case, '_' read as a space, spaces collapsed.
create temp macro norm(x) as nullif(upper(regexp_replace(trim(replace(x, '_', ' ')), '\s+', ' ', 'g')), '');
create temp macro txt(x) as nullif(trim(x), '');
create temp macro to_date(x) as cast(try_strptime(txt(x), ['%d-%m-%Y', '%d/%m/%Y', '%Y-%m-%d']) as date);
create temp macro to_int(x) as try_cast(txt(x) as integer);
-- Rounded half away from zero in exact integer arithmetic, like the dbt macro coverage_pct.
create temp macro pct(n, d) as case
    when d = 0 then null
    else cast(cast((20000 * cast(n as hugeint) + d) // (2 * cast(d as hugeint)) as decimal(18, 0)) * 0.01
              as decimal(5, 2))
end;
create temp macro zone(p) as case
    when p is null then null
    when p >= ${zone_hijau_min_pct} then 'hijau'
    when p >= ${zone_kuning_min_pct} then 'kuning'
    else 'merah'
end;

-- Row rules: type every value, then the first reject reason that applies, then the flags of kept rows.
create temp table staged as
with typed as (
    select
        r.snapshot_date, r.regency_code, r.kab, r.source_file,
        r.rowid - f.row_offset + 1 as _row,
        r.NIK as raw_nik, r.NO_KK as raw_no_kk, r.NAMA_LGKP as raw_nama_lgkp, r.JENIS_KLMIN as raw_jenis_klmin,
        r.TMPT_LHR as raw_tmpt_lhr, r.TGL_LHR as raw_tgl_lhr, r.STAT_KWN as raw_stat_kwn,
        r.KWRNGRN as raw_kwrngrn, r.NO_PROP as raw_no_prop, r.NO_KAB as raw_no_kab, r.NO_KEC as raw_no_kec,
        r.NO_KEL as raw_no_kel, r.STATUS_KTP_EL as raw_status_ktp_el, r.TGL_REKAM as raw_tgl_rekam,
        r.TGL_ENTRI as raw_tgl_entri, r.LOKASI_REKAM as raw_lokasi_rekam,
        txt(r.NIK) as nik,
        txt(r.NO_KK) as no_kk,
        txt(r.NAMA_LGKP) as full_name,
        case norm(r.JENIS_KLMIN)
            when '1' then 'L' when 'LAKI-LAKI' then 'L' when 'L' then 'L'
            when '2' then 'P' when 'PEREMPUAN' then 'P' when 'P' then 'P'
        end as sex,
        txt(r.TMPT_LHR) as birth_place,
        to_date(r.TGL_LHR) as birth_date,
        case norm(r.STAT_KWN)
            when '1' then 'BELUM KAWIN' when 'BELUM KAWIN' then 'BELUM KAWIN'
            when '2' then 'KAWIN' when 'KAWIN' then 'KAWIN' when 'KAWIN TERCATAT' then 'KAWIN'
            when 'KAWIN BELUM TERCATAT' then 'KAWIN'
            when '3' then 'CERAI HIDUP' when 'CERAI HIDUP' then 'CERAI HIDUP'
            when '4' then 'CERAI MATI' when 'CERAI MATI' then 'CERAI MATI'
        end as marital_status,
        case
            when norm(r.KWRNGRN) in ('WNI', 'WNA') then norm(r.KWRNGRN)
            when norm(r.KWRNGRN) is null then 'WNI'
        end as citizenship,
        to_int(r.NO_PROP) as no_prop,
        to_int(r.NO_KAB) as no_kab,
        to_int(r.NO_KEC) as no_kec,
        to_int(r.NO_KEL) as no_kel,
        case when norm(r.STATUS_KTP_EL) in (
            'BELUM REKAM', 'SUDAH REKAM', 'PRINT READY RECORD', 'DUPLICATE RECORD', 'SENT FOR CARD PRINTING',
            'CARD PRINTED', 'CARD SHIPPED', 'CARD ISSUED'
        ) then norm(r.STATUS_KTP_EL) end as ktp_status,
        to_date(r.TGL_REKAM) as recorded_date,
        to_date(r.TGL_ENTRI) as entry_date,
        txt(r.LOKASI_REKAM) as record_location
    from raw_extract as r
    inner join raw_files as f on f.source_file = r.source_file and f.snapshot_date = r.snapshot_date
),

placed as (
    select t.*, v.district_code, v.village_code
    from typed as t
    left join ref_villages as v
      on v.regency_code = t.regency_code and v.district_num = t.no_kec and v.village_num = t.no_kel
),

judged as (
    select *,
        case
            when nik is null or not regexp_full_match(nik, '[0-9]{16}') then 'nik_malformed'
            when substr(nik, 1, 2) not in (select code from ref_provinces) then 'nik_region_invalid'
            when birth_date is null or birth_date > snapshot_date
                 or birth_date < snapshot_date - interval 120 year then 'birth_date_invalid'
            when sex is null then 'sex_invalid'
            when marital_status is null then 'marital_status_invalid'
            when ktp_status is null then 'ktp_status_invalid'
            when no_prop is distinct from 65 or no_kab is distinct from kab then 'wrong_regency'
            when village_code is null then 'unknown_area'
        end as reason,
        -- NIK digits 7-12 are DDMMYY of birth, 40 added to the day for women.
        try_cast(substr(nik, 7, 2) as integer) as nik_day,
        try_cast(substr(nik, 9, 2) as integer) as nik_month,
        try_cast(substr(nik, 11, 2) as integer) as nik_yy
    from placed
)

select * exclude (nik_day, nik_month, nik_yy),
    coalesce(reason is null and substr(nik, 1, 2) <> '65', false) as flag_nik_issued_outside_kaltara,
    coalesce(reason is null and (
        (case when nik_day > 40 then nik_day - 40 else nik_day end) <> day(birth_date)
        or nik_month <> month(birth_date)
        or nik_yy <> year(birth_date) % 100
    ), false) as flag_nik_birth_date_mismatch,
    coalesce(reason is null and ((nik_day > 40) <> (sex = 'P')), false) as flag_nik_sex_mismatch
from judged;

-- Kept rows; one per NIK per snapshot wins: latest TGL_ENTRI, then lowest regency code, then first row.
create table ingest.persons as
select
    snapshot_date, regency_code, source_file, _row as row_number, nik, no_kk, full_name, sex, birth_place,
    birth_date, marital_status, citizenship, '65' as province_code, regency_code as domicile_regency,
    district_code, village_code, ktp_status, recorded_date, entry_date, record_location,
    flag_nik_issued_outside_kaltara, flag_nik_birth_date_mismatch, flag_nik_sex_mismatch,
    row_number() over (
        partition by snapshot_date, nik
        order by entry_date desc nulls last, regency_code, _row
    ) > 1 as superseded
from staged
where reason is null;

create table ingest.quarantine as
select
    snapshot_date, regency_code, source_file, _row as row_number, reason,
    raw_nik as nik, raw_no_kk as no_kk, raw_nama_lgkp as nama_lgkp, raw_jenis_klmin as jenis_klmin,
    raw_tmpt_lhr as tmpt_lhr, raw_tgl_lhr as tgl_lhr, raw_stat_kwn as stat_kwn, raw_kwrngrn as kwrngrn,
    raw_no_prop as no_prop, raw_no_kab as no_kab, raw_no_kec as no_kec, raw_no_kel as no_kel,
    raw_status_ktp_el as status_ktp_el, raw_tgl_rekam as tgl_rekam, raw_tgl_entri as tgl_entri,
    raw_lokasi_rekam as lokasi_rekam
from staged
where reason is not null;

create table ingest.file_reject_counts as
select f.snapshot_date, f.regency_code, r.reason, count(s.reason) as "rows"
from raw_files as f
cross join (values
    (1, 'nik_malformed'), (2, 'nik_region_invalid'), (3, 'birth_date_invalid'), (4, 'sex_invalid'),
    (5, 'marital_status_invalid'), (6, 'ktp_status_invalid'), (7, 'wrong_regency'), (8, 'unknown_area')
) as r (ord, reason)
left join staged as s
  on s.snapshot_date = f.snapshot_date and s.regency_code = f.regency_code and s.reason = r.reason
group by f.snapshot_date, f.regency_code, r.ord, r.reason;

create table ingest.file_flag_counts as
with per_file as (
    select snapshot_date, regency_code,
        count(*) filter (where flag_nik_issued_outside_kaltara) as nik_issued_outside_kaltara,
        count(*) filter (where flag_nik_birth_date_mismatch) as nik_birth_date_mismatch,
        count(*) filter (where flag_nik_sex_mismatch) as nik_sex_mismatch
    from staged
    group by all
)
select snapshot_date, regency_code, flag, "rows"
from per_file
unpivot ("rows" for flag in (nik_issued_outside_kaltara, nik_birth_date_mismatch, nik_sex_mismatch));

create table ingest.files as
select
    f.snapshot_date, f.regency_code, f.source_file, f.file_format, f.encoding, f.delimiter, f.sha256,
    f.size_bytes, f.columns_found, f.rows_read,
    coalesce(k.loaded, 0) as rows_loaded,
    f.rows_read - coalesce(k.loaded, 0) as rows_rejected,
    coalesce(k.superseded, 0) as duplicates_superseded
from raw_files as f
left join (
    select snapshot_date, regency_code, count(*) as loaded, count(*) filter (where superseded) as superseded
    from ingest.persons
    group by all
) as k on k.snapshot_date = f.snapshot_date and k.regency_code = f.regency_code;

-- The marts (dbt_project/models): one person per NIK per snapshot, classified at the snapshot date.
create temp table persons_at_cutoff as
with aged as (
    select *,
        cast(
            year(snapshot_date) - year(birth_date)
            - case
                when month(snapshot_date) < month(birth_date)
                  or (month(snapshot_date) = month(birth_date) and day(snapshot_date) < day(birth_date))
                then 1 else 0
              end
        as integer) as age_years
    from ingest.persons
    where not superseded
),
classified as (
    select *,
        (age_years >= 17 or marital_status in ('KAWIN', 'CERAI HIDUP', 'CERAI MATI')) as is_wajib_ktp,
        ktp_status <> 'BELUM REKAM' as is_recorded
    from aged
)
select
    snapshot_date, province_code, domicile_regency as regency_code, district_code, village_code, sex,
    age_years, is_wajib_ktp, is_recorded,
    is_wajib_ktp and is_recorded as is_sudah_rekam,
    is_wajib_ktp and ktp_status in ('CARD PRINTED', 'CARD SHIPPED', 'CARD ISSUED') as is_sudah_cetak,
    is_wajib_ktp and age_years = 17 as is_pemula,
    age_years = 16 and not is_wajib_ktp as is_upcoming_pemula,
    -- 29 February births reach an age on 1 March in non-leap years, as age_years counts it.
    case
        when month(birth_date) = 2 and day(birth_date) = 29
         and not ((year(birth_date) + 17) % 4 = 0
                  and ((year(birth_date) + 17) % 100 <> 0 or (year(birth_date) + 17) % 400 = 0))
        then make_date(cast(year(birth_date) + 17 as bigint), 3, 1)
        else make_date(cast(year(birth_date) + 17 as bigint), month(birth_date), day(birth_date))
    end as turns_17_on,
    case
        when not is_wajib_ktp then null
        when age_years < 17 then '<17'
        when age_years = 17 then '17'
        when age_years <= 19 then '18-19'
        when age_years >= 75 then '75+'
        else cast(20 + 5 * ((age_years - 20) // 5) as varchar)
            || '-' || cast(24 + 5 * ((age_years - 20) // 5) as varchar)
    end as age_cohort
from classified;

create temp table snapshots as
select distinct snapshot_date from (
    select snapshot_date from ingest.files union all select snapshot_date from ingest.persons
);

-- Counts per snapshot, level and area, from one pass over the persons.
create temp table area_counts as
with per_village as (
    select
        snapshot_date, province_code, regency_code, district_code, village_code,
        count(*) as population,
        count(*) filter (where is_wajib_ktp) as wajib_ktp,
        count(*) filter (where is_sudah_rekam) as sudah_rekam,
        count(*) filter (where is_sudah_cetak) as sudah_cetak,
        count(*) filter (where is_pemula) as pemula_wajib,
        count(*) filter (where is_pemula and is_recorded) as pemula_rekam,
        count(*) filter (where is_pemula and not is_recorded) as belum_rekam_pemula,
        count(*) filter (where is_wajib_ktp and not is_recorded and age_years >= 21) as deactivation_risk,
        count(*) filter (where is_upcoming_pemula and not is_recorded) as upcoming_pemula_unrecorded
    from persons_at_cutoff
    group by all
)
select
    snapshot_date,
    case
        when grouping(regency_code) = 1 then 'province'
        when grouping(district_code) = 1 then 'regency'
        when grouping(village_code) = 1 then 'district'
        else 'village'
    end as area_level,
    coalesce(village_code, district_code, regency_code, province_code) as area_code,
    sum(population) as population, sum(wajib_ktp) as wajib_ktp, sum(sudah_rekam) as sudah_rekam,
    sum(sudah_cetak) as sudah_cetak, sum(pemula_wajib) as pemula_wajib, sum(pemula_rekam) as pemula_rekam,
    sum(belum_rekam_pemula) as belum_rekam_pemula, sum(deactivation_risk) as deactivation_risk,
    sum(upcoming_pemula_unrecorded) as upcoming_pemula_unrecorded
from per_village
group by snapshot_date, rollup (province_code, regency_code, district_code, village_code)
having grouping(province_code) = 0;

create temp table coverage_all as
with filled as (
    select
        s.snapshot_date, a.level, a.code as area_code, a.name as area_name, a.parent_code,
        cast(coalesce(c.population, 0) as bigint) as population,
        cast(coalesce(c.wajib_ktp, 0) as bigint) as wajib_ktp,
        cast(coalesce(c.sudah_rekam, 0) as bigint) as sudah_rekam,
        cast(coalesce(c.sudah_cetak, 0) as bigint) as sudah_cetak,
        cast(coalesce(c.pemula_wajib, 0) as bigint) as pemula_wajib,
        cast(coalesce(c.pemula_rekam, 0) as bigint) as pemula_rekam
    from snapshots as s
    cross join ref_wilayah as a
    left join area_counts as c
      on c.snapshot_date = s.snapshot_date and c.area_level = a.level and c.area_code = a.code
)
select
    level, snapshot_date, area_code, area_name, parent_code, population, wajib_ktp, sudah_rekam,
    wajib_ktp - sudah_rekam as belum_rekam, sudah_cetak,
    pct(sudah_rekam, wajib_ktp) as coverage_pct,
    pemula_wajib, pemula_rekam,
    pct(pemula_rekam, pemula_wajib) as pemula_coverage_pct,
    zone(pct(sudah_rekam, wajib_ktp)) as zone
from filled;

create table marts.coverage_province as select * exclude (level) from coverage_all where level = 'province';
create table marts.coverage_district as select * exclude (level) from coverage_all where level = 'district';
create table marts.coverage_village as select * exclude (level) from coverage_all where level = 'village';
create table marts.coverage_regency as
select c.* exclude (level), x.bps_code_2018 as bps_code
from coverage_all as c
left join ref_crosswalk as x on x.kemendagri_code = c.area_code and x.level = 'regency'
where c.level = 'regency';

create table marts.coverage_age_cohort as
with cohorts as (
    select * from (values
        ('<17'), ('17'), ('18-19'), ('20-24'), ('25-29'), ('30-34'), ('35-39'), ('40-44'), ('45-49'),
        ('50-54'), ('55-59'), ('60-64'), ('65-69'), ('70-74'), ('75+')
    ) as c (age_cohort)
),
counts as (
    select snapshot_date, regency_code, age_cohort, sex,
        count(*) as wajib_ktp, count(*) filter (where is_sudah_rekam) as sudah_rekam
    from persons_at_cutoff
    where is_wajib_ktp
    group by all
),
filled as (
    select
        s.snapshot_date, r.code as regency_code, c.age_cohort, x.sex,
        cast(coalesce(n.wajib_ktp, 0) as bigint) as wajib_ktp,
        cast(coalesce(n.sudah_rekam, 0) as bigint) as sudah_rekam
    from snapshots as s
    cross join (select code from ref_wilayah where level = 'regency') as r
    cross join cohorts as c
    cross join (values ('L'), ('P')) as x (sex)
    left join counts as n
      on n.snapshot_date = s.snapshot_date and n.regency_code = r.code
     and n.age_cohort = c.age_cohort and n.sex = x.sex
)
select snapshot_date, regency_code, age_cohort, sex, wajib_ktp, sudah_rekam,
    wajib_ktp - sudah_rekam as belum_rekam, pct(sudah_rekam, wajib_ktp) as coverage_pct
from filled;

create table marts.pemula_outlook as
select
    snapshot_date, regency_code, district_code, strftime(turns_17_on, '%Y-%m') as month_turning_17,
    cast(count(*) as bigint) as persons,
    cast(count(*) filter (where is_recorded) as bigint) as recorded_early
from persons_at_cutoff
where is_upcoming_pemula
group by all;

create table marts.outreach_priority as
select
    c.snapshot_date,
    cast(row_number() over (
        partition by c.snapshot_date
        order by c.belum_rekam_pemula + c.upcoming_pemula_unrecorded desc,
                 c.wajib_ktp - c.sudah_rekam desc,
                 c.area_code
    ) as bigint) as priority_rank,
    d.parent_code as regency_code,
    d.code as district_code,
    c.area_code as village_code,
    v.name as village_name,
    cast(c.wajib_ktp - c.sudah_rekam as bigint) as belum_rekam,
    cast(c.belum_rekam_pemula as bigint) as belum_rekam_pemula,
    cast(c.deactivation_risk as bigint) as deactivation_risk,
    cast(c.upcoming_pemula_unrecorded as bigint) as upcoming_pemula_unrecorded
from area_counts as c
inner join ref_wilayah as v on v.code = c.area_code and v.level = 'village'
inner join ref_wilayah as d on d.code = v.parent_code
where c.area_level = 'village' and c.population > 0;

create table marts.coverage_trend as
with areas as (
    select snapshot_date, area_code, area_name, wajib_ktp, sudah_rekam, belum_rekam, coverage_pct
    from coverage_all
    where level in ('province', 'regency')
),
with_previous as (
    select *,
        lag(snapshot_date) over by_area as previous_snapshot_date,
        lag(coverage_pct) over by_area as previous_coverage_pct,
        lag(belum_rekam) over by_area as previous_belum_rekam
    from areas
    window by_area as (partition by area_code order by snapshot_date)
),
projected as (
    select *,
        case
            when belum_rekam = 0 then snapshot_date
            when previous_belum_rekam > belum_rekam then
                snapshot_date + cast(least(
                    (
                        belum_rekam * date_diff('day', previous_snapshot_date, snapshot_date)
                        + (previous_belum_rekam - belum_rekam) - 1
                    ) // (previous_belum_rekam - belum_rekam),
                    2000000000
                ) as integer)
        end as projected_zero_date,
        ${target_date_expr} as target_date
    from with_previous
)
select
    snapshot_date, area_code, area_name, wajib_ktp, sudah_rekam, belum_rekam, coverage_pct,
    cast(coverage_pct - previous_coverage_pct as decimal(6, 2)) as coverage_change_pts,
    cast(belum_rekam - previous_belum_rekam as bigint) as belum_rekam_change,
    cast(projected_zero_date as date) as projected_zero_date,
    target_date,
    coalesce(belum_rekam = 0 or projected_zero_date <= target_date, false) as on_track
from projected;

create table marts.ingest_summary as
select snapshot_date, regency_code, source_file, sha256, rows_read, rows_loaded, rows_rejected,
    duplicates_superseded
from ingest.files;

create table marts.reject_reasons as
select snapshot_date, regency_code, reason, "rows" from ingest.file_reject_counts;

create table marts.quality_flags as
select snapshot_date, regency_code, flag, "rows" from ingest.file_flag_counts;

drop table raw_extract;
