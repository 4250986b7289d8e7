"""Vega, Vega-Lite and Vega-Embed as one script, from the vl-convert-python package (no CDN).

The PII scan skips this script when it finds it in a page byte for byte: minified library code is full
of 16-digit numeric literals (.0352624965998911) that read like NIKs, and it holds no data.

vl-convert bundles the script on every call (~3 s), so the result is kept in the user's cache folder,
named for the package's version: every run is a new process, and most of them publish.
"""

from __future__ import annotations

import contextlib
import functools
import os
from importlib.metadata import version
from pathlib import Path

from pipelines.lib.fsio import atomic_write


@functools.cache
def inlined_vega_bundle() -> str:
    """The bundle as it is put inside a <script> element (~0.9 MB)."""
    # Inside <script>, "</script" would end the element early.
    return raw_vega_bundle().replace("</script", "<\\/script")


@functools.cache
def raw_vega_bundle() -> str:
    """The bundle as vl-convert gives it, for a .js file (the Data Docs' copy of Vega)."""
    cached = _cache_dir() / f"vl-convert-{version('vl-convert-python')}-bundle.js"
    with contextlib.suppress(OSError):
        return cached.read_text(encoding="utf-8")
    import vl_convert

    bundle = vl_convert.javascript_bundle()
    # A cache that cannot be written only costs the next process the bundling again.
    with contextlib.suppress(OSError):
        atomic_write(cached, bundle)
    return bundle


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "ktp-warehouse"
