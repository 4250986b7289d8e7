"""KTP-el coverage warehouse for Disdukcapil Kalimantan Utara."""

import os

# No network here and no consent to phone home: switch off every tool's telemetry before any of
# them is imported (dbt reads DO_NOT_TRACK, GX reads GX_ANALYTICS_ENABLED).
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
