"""Vega, Vega-Lite and Vega-Embed as one script, from the vl-convert-python package (no CDN).

The PII scan skips this script when it finds it in a page byte for byte: minified library code is full
of 16-digit numeric literals (.0352624965998911) that read like NIKs, and it holds no data.
"""

from __future__ import annotations

import functools


@functools.cache
def inlined_vega_bundle() -> str:
    """The bundle as it is put inside a <script> element (~0.9 MB; building it costs ~2 s once)."""
    # Inside <script>, "</script" would end the element early.
    return raw_vega_bundle().replace("</script", "<\\/script")


@functools.cache
def raw_vega_bundle() -> str:
    """The bundle as vl-convert gives it, for a .js file (the Data Docs' copy of Vega)."""
    import vl_convert

    return vl_convert.javascript_bundle()
