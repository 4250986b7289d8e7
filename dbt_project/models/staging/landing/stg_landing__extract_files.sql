with source as (
    select * from {{ source('landing', 'extract_files') }}
),

renamed as (
    select
        ---------- partition
        cast(snapshot_date as date)     as snapshot_date,
        cast(regency_code as {{ dbt.type_string() }})   as regency_code,
        ---------- the file as sent
        cast(source_file as {{ dbt.type_string() }})    as source_file,
        cast(sha256 as {{ dbt.type_string() }})         as sha256,
        cast(file_format as {{ dbt.type_string() }})    as file_format,
        cast(encoding as {{ dbt.type_string() }})       as encoding,
        cast(delimiter as {{ dbt.type_string() }})      as delimiter,
        cast(size_bytes as bigint)      as size_bytes,
        columns_found,
        ---------- landing
        cast(rows_landed as bigint)     as rows_landed,
        cast(landed_at as timestamp)    as landed_at,
        cast(run_id as {{ dbt.type_string() }})         as run_id,
        cast(error as {{ dbt.type_string() }})          as error
    from source
)

select * from renamed
