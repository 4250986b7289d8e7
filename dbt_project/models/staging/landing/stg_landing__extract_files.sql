with source as (
    select * from {{ source('landing', 'extract_files') }}
),

renamed as (
    select
        ---------- partition
        cast(snapshot_date as date)     as snapshot_date,
        cast(regency_code as varchar)   as regency_code,
        ---------- the file as sent
        cast(source_file as varchar)    as source_file,
        cast(sha256 as varchar)         as sha256,
        cast(file_format as varchar)    as file_format,
        cast(encoding as varchar)       as encoding,
        cast(delimiter as varchar)      as delimiter,
        cast(size_bytes as bigint)      as size_bytes,
        columns_found,
        ---------- landing
        cast(rows_landed as bigint)     as rows_landed,
        cast(landed_at as timestamp)    as landed_at,
        cast(run_id as varchar)         as run_id,
        cast(error as varchar)          as error
    from source
)

select * from renamed
