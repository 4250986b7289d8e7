"""Data Docs offline, without a pipeline run: every remote reference GX's installed templates and styles
make has a local copy, so a GX upgrade that adds one fails here (the pipeline's own pages are checked in
tests/test_pipeline_end_to_end.py and opened in Chromium there)."""

from __future__ import annotations

import re
from pathlib import Path

import great_expectations
import pytest

from pipelines.lib.quality import docs_assets
from pipelines.lib.quality.docs_assets import (
    install,
    is_remote,
    localise_css,
    localise_html,
    remote_references,
)

GX_VIEW = Path(great_expectations.__file__).parent / "render" / "view"
# Any absolute or protocol-relative address in a template, as a browser would read it.
ADDRESS = re.compile(r"""(?:https?:)?//[A-Za-z0-9.-]+\.[a-z]{2,}[^\s"'<>)]*""")


def _gx_addresses() -> dict[str, str]:
    """Every address in GX's templates and styles, with the tag that uses it (css for url())."""
    found: dict[str, str] = {}
    for path in sorted(GX_VIEW.rglob("*")):
        if path.suffix not in (".j2", ".css", ".html") or path.name.startswith("markdown_"):
            continue  # the markdown renderer's templates make no Data Docs page
        text = path.read_text(encoding="utf-8", errors="replace")
        for m in ADDRESS.finditer(text):
            before = text[: m.start()]
            opened = before.rfind("<")
            if text[max(0, m.start() - 5) : m.start()].endswith(("url(", "url('", 'url("')):
                use = "css"
            elif opened > before.rfind(">"):
                use = re.match(r"<\s*(\w+)", text[opened:]).group(1).lower()
            else:  # a template variable, e.g. the S3 folder the logo <img> is taken from
                use = "img"
            found[m.group(0)] = use
    return found


def test_gx_templates_still_reference_the_cdns_this_module_replaces():
    # If GX stopped referencing CDNs, the rewriting would be dead code: say so rather than pass quietly.
    addresses = _gx_addresses()
    assert any("bootstrap" in url for url in addresses) and any("jquery" in url for url in addresses)


@pytest.mark.parametrize(("url", "use"), sorted(_gx_addresses().items()))
def test_every_remote_address_in_gx_templates_becomes_local(url, use):
    if "{{" in url or url.endswith("/"):  # a template's base URL, completed with a file name at render
        url = url.split("{{")[0].rstrip("/") + "/logo-long.png"
    page = {
        "link": f'<link rel="stylesheet" href="{url}" integrity="sha384-x" crossorigin="anonymous">',
        "script": f'<script src="{url}" integrity="sha384-x" crossorigin="anonymous"></script>',
        "img": f'<img src="{url}">',
        "a": f'<a href="{url}">GX</a>',
        "css": f"<style>.x {{ background: url('{url}') }}</style>",
    }[use]
    rewritten, left = localise_html(page, "../../")
    assert left == [] and remote_references(rewritten) == [], url
    assert "integrity" not in rewritten and "crossorigin" not in rewritten


def test_rewritten_references_point_at_installed_files(tmp_path):
    install(tmp_path)
    for asset in docs_assets.ASSETS:
        assert (tmp_path / asset.local).is_file(), asset
    assert (tmp_path / docs_assets.VENDOR / docs_assets.VEGA_BUNDLE).stat().st_size > 500_000
    # Font Awesome's stylesheet loads its fonts from ../webfonts/, which must be beside it.
    css = (tmp_path / "static/vendor/@fortawesome/fontawesome-free/css/all.min.css").read_text()
    fonts = set(re.findall(r"url\(\.\./webfonts/([^)?#]+)", css))
    assert fonts and all(
        (tmp_path / "static/vendor/@fortawesome/fontawesome-free/webfonts" / f).is_file() for f in fonts
    )
    for sheet in (tmp_path / docs_assets.VENDOR).rglob("*.css"):
        assert remote_references(sheet.read_text(encoding="utf-8")) == [], sheet


def test_an_unknown_remote_reference_is_reported_and_left_for_the_site_test_to_catch():
    page = '<script src="https://cdn.example.org/new-library@2.js"></script>'
    rewritten, left = localise_html(page, "")
    assert left == ["https://cdn.example.org/new-library@2.js"]
    assert remote_references(rewritten) == left


def test_what_counts_as_remote():
    assert (
        is_remote("https://unpkg.com/x.js") and is_remote("//cdn.example.org/x.css") and is_remote("http://a")
    )
    assert not any(is_remote(u) for u in ("static/x.js", "../index.html", "#top", "file:///x", "data:,x"))
    assert localise_css("a{background:url('https://x.org/a.png') 0 0}") == "a{background:none 0 0}"
