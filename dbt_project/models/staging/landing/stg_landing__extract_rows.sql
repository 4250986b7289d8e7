-- One row per landed data row: the values as sent, and typed. Typing never fails a row: a value that does
-- not parse becomes NULL here and the reason of its rejection in int_ingest__judged_rows.
{%- set c = var('contract') %}
{%- set raw_columns = ['NIK', 'NO_KK', 'NAMA_LGKP', 'JENIS_KLMIN', 'TMPT_LHR', 'TGL_LHR', 'STAT_KWN', 'KWRNGRN',
    'NO_PROP', 'NO_KAB', 'NO_KEC', 'NO_KEL', 'STATUS_KTP_EL', 'TGL_REKAM', 'TGL_ENTRI', 'LOKASI_REKAM'] %}
{%- set statuses = {} %}{% for s in c['ktp_statuses'] %}{% do statuses.update({s: s}) %}{% endfor %}

with source as (
    select * from {{ source('landing', 'extract_rows') }}
),

typed as (
    select
        ---------- where the row came from
        cast(snapshot_date as date) as snapshot_date,
        cast(regency_code as {{ dbt.type_string() }}) as regency_code,
        source_file,
        sha256,
        row_number,

        ---------- as sent (kept for the quarantine)
        {%- for col in raw_columns %}
        {{ col }} as raw_{{ col | lower }},
        {%- endfor %}

        ---------- identifiers and free text
        {{ text_value('NIK') }} as nik,
        {{ text_value('NO_KK') }} as no_kk,
        {{ text_value('NAMA_LGKP') }} as full_name,
        {{ text_value('TMPT_LHR') }} as birth_place,
        {{ text_value('LOKASI_REKAM') }} as record_location,

        ---------- coded values
        {{ code_lookup('JENIS_KLMIN', c['sex_codes']) }} as sex,
        {{ code_lookup('STAT_KWN', c['marital_codes']) }} as marital_status,
        coalesce(
            {{ code_lookup('KWRNGRN', c['citizenship_codes']) }},
            case when {{ normalise_text('KWRNGRN') }} is null then 'WNI' end
        ) as citizenship,
        {{ code_lookup('STATUS_KTP_EL', statuses) }} as ktp_status,

        ---------- dates
        {{ try_parse_date(text_value('TGL_LHR')) }} as birth_date,
        {{ try_parse_date(text_value('TGL_REKAM')) }} as recorded_date,
        {{ try_parse_date(text_value('TGL_ENTRI')) }} as entry_date,

        ---------- area numbers
        {{ try_cast_to(text_value('NO_PROP'), 'integer') }} as no_prop,
        {{ try_cast_to(text_value('NO_KAB'), 'integer') }} as no_kab,
        {{ try_cast_to(text_value('NO_KEC'), 'integer') }} as no_kec,
        {{ try_cast_to(text_value('NO_KEL'), 'integer') }} as no_kel
    from source
)

select * from typed
