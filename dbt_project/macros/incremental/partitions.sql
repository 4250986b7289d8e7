{#- Incremental models here are rebuilt by partition: a file (snapshot_date, regency_code) or a
    snapshot (snapshot_date). Which partitions to rebuild is decided by comparing what is landed now
    with what each model last built, recorded in audit.dbt_partitions (partition -> version). The
    version of a file is its sha256 and landing time; of a snapshot, those of all its files. Each
    model compares against its own record, so a build that stopped half-way (crash, failed model) is
    finished by the next one, and a partition whose file left the landing folder is deleted.

    Usage in a model:
        {%- set parts = ktp_partitions('file') %}   -- or 'snapshot', 'snapshot_and_previous',
                                                       'file_and_duplicates'
        ... where {{ ktp_partition_filter(parts) }} ...
        {{ ktp_partition_marker(parts) }}
    'file_and_duplicates' is a file whose kept rows depend on the deduplication of its snapshot: its
    version also holds which of its rows lose their NIK, so a file is rebuilt when another file of the
    snapshot takes a NIK from it or gives one back, and only then.
    The marker (a SQL comment with the partitions and versions) carries the decision, made once when
    the model is compiled, to the incremental strategy and the post-hook that records it. -#}

{% macro ktp_partition_versions(grain) -%}
    {%- set salt = (model.checksum.checksum if model is mapping and model.checksum is defined else '')
        ~ '|' ~ tojson({'zk': var('zone_kuning_min_pct'), 'zh': var('zone_hijau_min_pct'), 't': var('target_date')}) %}
    {%- set file_version = "sha256 || '@' || cast(landed_at as " ~ dbt.type_string() ~ ")" %}
    {%- if grain == 'file' %}
    select snapshot_date, regency_code, {{ file_version }} || '|{{ salt }}' as version
    from {{ ref('stg_landing__extract_files') }}
    where error is null and regency_code is not null
    {%- elif grain == 'file_and_duplicates' %}
    select files.snapshot_date, files.regency_code,
        files.{{ file_version }} || '|' || coalesce(losers.rows, '') || '|{{ salt }}' as version
    from {{ ref('stg_landing__extract_files') }} as files
    left join (
        select snapshot_date, regency_code,
            md5({{ sorted_string_agg('cast(row_number as ' ~ dbt.type_string() ~ ')', ',') }}) as rows
        from {{ ref('int_ingest__nik_duplicates') }}
        group by snapshot_date, regency_code
    ) as losers
        on losers.snapshot_date = files.snapshot_date and losers.regency_code = files.regency_code
    where files.error is null and files.regency_code is not null
    {%- else %}
    select snapshot_date, cast(null as {{ dbt.type_string() }}) as regency_code,
        {{ sorted_string_agg("regency_code || '=' || " ~ file_version, ';') }} || '|{{ salt }}' as version
    from {{ ref('stg_landing__extract_files') }}
    where error is null and regency_code is not null
    group by snapshot_date
    {%- endif %}
{%- endmacro %}

{% macro ktp_partitions(grain) -%}
    {%- set parts = {'grain': grain, 'mode': 'full', 'keys': []} %}
    {#- A unit test builds what it is given, whole: it may ref only its given inputs. -#}
    {%- if model is mapping and model.resource_type == 'unit_test' %}{{ return(parts) }}{% endif %}
    {#- the dependency dbt must see when it parses, before `execute` is true -#}
    {%- set landed = ref('stg_landing__extract_files') %}
    {%- if not execute %}{{ return(parts) }}{% endif %}
    {%- set versions = ktp_partition_versions(grain if grain.startswith('file') else 'snapshot') %}
    {%- if grain == 'snapshot_and_previous' %}
        {#- a snapshot's rows depend on the snapshot before it: its version includes that one's -#}
        {%- set versions %}
        select snapshot_date, regency_code,
            version || '<' || coalesce(lag(version) over (order by snapshot_date), '') as version
        from ({{ versions }}) as v
        {%- endset %}
    {%- endif %}
    {%- if is_incremental() and not flags.FULL_REFRESH %}
        {%- set sql %}
        with current_versions as ({{ versions }}),
        built as (
            select snapshot_date, regency_code, version
            from audit.dbt_partitions where model = '{{ this.identifier }}'
        )
        select cast(coalesce(c.snapshot_date, b.snapshot_date) as {{ dbt.type_string() }}), coalesce(c.regency_code, b.regency_code), c.version
        from current_versions as c
        full outer join built as b
            on c.snapshot_date = b.snapshot_date and coalesce(c.regency_code, '') = coalesce(b.regency_code, '')
        where c.version is null or b.version is null or c.version <> b.version
        order by 1, 2
        {%- endset %}
        {%- do parts.update({'mode': 'incremental'}) %}
    {%- else %}
        {%- set sql %}select cast(snapshot_date as {{ dbt.type_string() }}), regency_code, version from ({{ versions }}) as v order by 1, 2{% endset %}
    {%- endif %}
    {%- for row in run_query(sql).rows %}
        {%- do parts['keys'].append([row[0], row[1], row[2]]) %}
    {%- endfor %}
    {{ return(parts) }}
{%- endmacro %}

{#- SQL condition selecting the partitions to build, on columns of `alias` (when given). A full build
    takes every partition. -#}
{% macro ktp_partition_filter(parts, alias=none) -%}
    {%- set p = (alias ~ '.') if alias else '' %}
    {%- if parts['mode'] == 'full' -%}
        (1 = 1)
    {%- elif not parts['keys'] -%}
        (1 = 0)
    {%- else -%}
        ({% for k in parts['keys'] %}
        {%- if not loop.first %} or {% endif -%}
        ({{ p }}snapshot_date = cast('{{ k[0] }}' as date)
        {%- if parts['grain'].startswith('file') %} and {{ p }}regency_code = '{{ k[1] }}'{% endif %})
        {%- endfor %})
    {%- endif %}
{%- endmacro %}

{% macro ktp_partition_marker(parts) -%}
    /* ktp-partitions {{ tojson(parts) }} */
{%- endmacro %}

{% macro ktp_partitions_of_this_model() -%}
    {%- set code = model.compiled_code or '' %}
    {%- if '/* ktp-partitions ' not in code %}
        {{ exceptions.raise_compiler_error(
            this ~ ' is built by partition but its SQL has no ktp_partition_marker(parts)') }}
    {%- endif %}
    {{ return(fromjson(code.split('/* ktp-partitions ')[1].split(' */')[0])) }}
{%- endmacro %}
