{#- Dukcapil's traffic-light zone of a published (already rounded) coverage percentage, so the zone never
    disagrees with the figure printed next to it. Thresholds are the dbt vars zone_kuning_min_pct and
    zone_hijau_min_pct. -#}
{% macro coverage_zone(pct) -%}
    (
        case
            when {{ pct }} is null then null
            when {{ pct }} >= {{ var('zone_hijau_min_pct') }} then 'hijau'
            when {{ pct }} >= {{ var('zone_kuning_min_pct') }} then 'kuning'
            else 'merah'
        end
    )
{%- endmacro %}
