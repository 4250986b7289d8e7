"""Data Docs that work offline: every script, stylesheet, font and image a page loads comes from the site.

GX's page templates load Bootstrap, bootstrap-table, jQuery, Popper, Font Awesome, Vega and others from
public CDNs, and the logo from S3. Rather than copying GX's templates (which change between releases),
the pages are rewritten as GX wrote them: each remote reference is matched by library and file, not by
version, and pointed at a copy in <site>/static/vendor/. The copies come from npm packages pinned in
expectations/data_docs_assets/package-lock.json (installed by `make`), and Vega from vl-convert-python.
A reference no rule knows is left as it is and logged; tests/test_data_docs_offline.py fails on it.
"""

from __future__ import annotations

import filecmp
import logging
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from pipelines.lib.fsio import atomic_write
from pipelines.lib.settings import EXPECTATIONS_DIR

log = logging.getLogger(__name__)

ASSETS_DIR = EXPECTATIONS_DIR / "data_docs_assets"
NODE_MODULES = ASSETS_DIR / "node_modules"
VENDOR = "static/vendor"
VEGA_BUNDLE = "vega/vega-bundle.js"
# GX's own images (the logo the pages take from S3) ship in the package and GX copies them here.
GX_IMAGES = "static/images"
_GX_WEB_ASSETS = re.compile(r"^(?:https?:)?//great-expectations-web-assets\.[^/]+/([^?#]+)")

REMOTE = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:)?//")
_LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:", "javascript:", "mailto:")


def is_remote(url: str) -> bool:
    """http(s) or protocol-relative; a file, data or in-page reference is not."""
    url = url.strip()
    return bool(REMOTE.match(url)) and not url.lower().startswith(_LOCAL_SCHEMES)


@dataclass(frozen=True)
class Asset:
    """A remote file GX references, and the packaged file served instead."""

    url: re.Pattern[str]
    package: str  # folder under node_modules
    file: str  # inside the package
    folders: tuple[str, ...] = ()  # beside `file` in the package, which it refers to (fonts)

    @property
    def local(self) -> str:
        return f"{VENDOR}/{self.package}/{self.file}"


def _asset(url: str, package: str, file: str, folders: tuple[str, ...] = ()) -> Asset:
    return Asset(re.compile(url), package, file, folders)


ASSETS = (
    _asset(
        r"/bootstrap-table@[^/]+/dist/extensions/filter-control/bootstrap-table-filter-control(\.min)?\.css$",
        "bootstrap-table",
        "dist/extensions/filter-control/bootstrap-table-filter-control.min.css",
    ),
    _asset(
        r"/bootstrap-table@[^/]+/dist/extensions/filter-control/bootstrap-table-filter-control(\.min)?\.js$",
        "bootstrap-table",
        "dist/extensions/filter-control/bootstrap-table-filter-control.min.js",
    ),
    _asset(
        r"/bootstrap-table@[^/]+/dist/bootstrap-table(\.min)?\.css$",
        "bootstrap-table",
        "dist/bootstrap-table.min.css",
    ),
    _asset(
        r"/bootstrap-table@[^/]+/dist/bootstrap-table(\.min)?\.js$",
        "bootstrap-table",
        "dist/bootstrap-table.min.js",
    ),
    _asset(r"/bootstrap/[0-9.]+/css/bootstrap(\.min)?\.css$", "bootstrap", "dist/css/bootstrap.min.css"),
    _asset(r"/bootstrap/[0-9.]+/js/bootstrap(\.min)?\.js$", "bootstrap", "dist/js/bootstrap.min.js"),
    _asset(
        r"/bootstrap-datepicker/[0-9.]+/css/bootstrap-datepicker(\.min)?\.css$",
        "bootstrap-datepicker",
        "dist/css/bootstrap-datepicker.min.css",
    ),
    _asset(
        r"/bootstrap-datepicker/[0-9.]+/js/bootstrap-datepicker(\.min)?\.js$",
        "bootstrap-datepicker",
        "dist/js/bootstrap-datepicker.min.js",
    ),
    _asset(
        r"/@forevolve/bootstrap-dark@[^/]+/dist/css/bootstrap-prefers-dark(\.min)?\.css$",
        "@forevolve/bootstrap-dark",
        "dist/css/bootstrap-prefers-dark.min.css",
    ),
    _asset(
        r"/font-awesome/[0-9.]+/css/all(\.min)?\.css$",
        "@fortawesome/fontawesome-free",
        "css/all.min.css",
        folders=("webfonts",),
    ),
    _asset(r"/jquery-[0-9.]+(\.min)?\.js$", "jquery", "dist/jquery.min.js"),
    _asset(r"/popper\.js/[0-9.]+/umd/popper(\.min)?\.js$", "popper.js", "dist/umd/popper.min.js"),
)
# One script defines vega, vegaLite and vegaEmbed; loading it three times would redeclare its globals.
_VEGA = re.compile(r"/npm/vega@")
_VEGA_PARTS = re.compile(r"/npm/vega-(lite|embed)@")

_SCRIPT = re.compile(r"<script\b([^>]*)>\s*</script>", re.IGNORECASE)
_TAG = re.compile(r"<(link|img|a|source|iframe)\b[^>]*>", re.IGNORECASE)
_URL_ATTR = re.compile(r"""\b(src|href)\s*=\s*(["'])(.*?)\2""", re.IGNORECASE | re.DOTALL)
_SRI_ATTRS = re.compile(r"""\s(integrity|crossorigin)(\s*=\s*(["']).*?\3)?(?=[\s>/])""", re.IGNORECASE)
_LINK_ONLY_FOOTER = re.compile(
    r"<footer>\s*<p>[^<]*<a data-offline-link=\"removed\">[^<]*</a>\s*</p>\s*</footer>", re.IGNORECASE
)
CSS_REMOTE_URL = re.compile(r"""url\(\s*(["']?)((?:https?:)?//[^)"']+)\1\s*\)""", re.IGNORECASE)
CSS_REMOTE_IMPORT = re.compile(r"""@import\s+(?:url\()?\s*["']?(?:https?:)?//[^;]*;""", re.IGNORECASE)


class MissingAssets(RuntimeError):
    pass


_installed: set[Path] = set()


def install(site: Path) -> None:
    """Copy every packaged file the rules point at into <site>/static/vendor/ (only what differs).

    Once per site and process: the run's suites each update the site, the assets do not change.
    """
    if Path(site).resolve() in _installed and (Path(site) / VENDOR / VEGA_BUNDLE).is_file():
        return
    missing = [a for a in ASSETS if not (NODE_MODULES / a.package / a.file).is_file()]
    if missing:
        raise MissingAssets(
            f"Data Docs assets are not installed ({', '.join(sorted({a.package for a in missing}))} "
            f"missing in {NODE_MODULES}); run `make` once, or "
            f"`npm ci --prefix {ASSETS_DIR}`"
        )
    vendor = Path(site) / VENDOR
    for asset in ASSETS:
        package = NODE_MODULES / asset.package
        _copy(package / asset.file, vendor / asset.package / asset.file)
        for folder in asset.folders:
            for source in sorted((package / folder).rglob("*")):
                if source.is_file():
                    _copy(source, vendor / asset.package / source.relative_to(package))
    from pipelines.lib.publish.report.vega_bundle import raw_vega_bundle

    bundle = vendor / VEGA_BUNDLE
    text = raw_vega_bundle()
    if not bundle.is_file() or bundle.read_text(encoding="utf-8") != text:
        bundle.parent.mkdir(parents=True, exist_ok=True)
        bundle.write_text(text, encoding="utf-8")
    _installed.add(Path(site).resolve())


def _copy(source: Path, target: Path) -> None:
    if target.is_file() and filecmp.cmp(source, target, shallow=False):
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def localise_site(site: Path) -> list[str]:
    """Install the assets and rewrite every page and stylesheet of the site; the references left remote."""
    site = Path(site)
    install(site)
    left: list[str] = []
    for page in sorted(site.rglob("*.html")):
        left += _rewrite(page, lambda text, p=page: localise_html(text, _to_root(site, p), _exists(site, p)))
    for sheet in sorted((site / "static" / "styles").glob("*.css")):
        left += _rewrite(sheet, lambda text: (localise_css(text), []))
    for url in sorted(set(left)):
        log.warning("Data Docs still reference %s: no offline copy is known for it", url)
    return left


def _exists(site: Path, page: Path):
    def exists(url: str) -> bool:
        return (page.parent / url.split("#")[0].split("?")[0]).exists()

    return exists


def _to_root(site: Path, page: Path) -> str:
    depth = len(page.relative_to(site).parts) - 1
    return "../" * depth


def _rewrite(path: Path, change) -> list[str]:
    text = path.read_text(encoding="utf-8")
    new, left = change(text)
    if new != text:
        atomic_write(path, new)  # a reader never sees half a page
    return left


def localise_html(text: str, to_root: str, exists=lambda url: True) -> tuple[str, list[str]]:
    """The page with its remote references made local, and the ones no rule knows.

    A reference into the site's static/ folder that does not resolve is taken from the site's root:
    GX counts a validation page's depth one short for the favicon.
    """
    left: list[str] = []

    def script(m: re.Match[str]) -> str:
        attrs = m.group(1)
        src = _URL_ATTR.search(attrs)
        if not src or src.group(1).lower() != "src" or not is_remote(src.group(3)):
            return m.group(0)
        url = src.group(3)
        if _VEGA_PARTS.search(url):
            return ""
        local = _local(url, to_root)
        if local is None:
            left.append(url)
            return m.group(0)
        return f'<script src="{local}"></script>'

    def tag(m: re.Match[str]) -> str:
        element = m.group(0)
        name = m.group(1).lower()

        def attr(a: re.Match[str]) -> str:
            url = a.group(3)
            if not is_remote(url):
                static = url.find("static/")
                if static > 0 and not url.startswith(("#", "/")) and not exists(url):
                    return f'{a.group(1)}="{to_root}{url[static:]}"'
                return a.group(0)
            local = _local(url, to_root)
            if local is not None:
                return f'{a.group(1)}="{local}"'
            if name == "a":
                # A link to GX's web site: kept as text, since the closed network cannot open it.
                return 'data-offline-link="removed"'
            left.append(url)
            return a.group(0)

        rewritten = _URL_ATTR.sub(attr, element)
        if rewritten != element:
            rewritten = _SRI_ATTRS.sub("", rewritten)
        return rewritten

    text = _SCRIPT.sub(script, text)
    text = _TAG.sub(tag, text)
    # GX's newsletter footer, fixed at the bottom of every page, is only a link to its web site:
    # offline it just covers the last row of the table above it.
    text = _LINK_ONLY_FOOTER.sub("", text)
    text = localise_css(text)
    return text, left


def localise_css(text: str) -> str:
    """Remote images in styles are dropped (only GX's dark-mode logo is one); remote @imports too."""
    text = CSS_REMOTE_IMPORT.sub("", text)
    return CSS_REMOTE_URL.sub("none", text)


def _local(url: str, to_root: str) -> str | None:
    for asset in ASSETS:
        if asset.url.search(url.split("?")[0]):
            return to_root + asset.local
    if _VEGA.search(url) or _VEGA_PARTS.search(url):
        return f"{to_root}{VENDOR}/{VEGA_BUNDLE}"
    gx = _GX_WEB_ASSETS.match(url)
    if gx:
        return f"{to_root}{GX_IMAGES}/{gx.group(1)}"
    return None


def remote_references(text: str) -> list[str]:
    """Every remote URL a page or stylesheet would load or link to (src, href, url(), @import)."""
    found = [m.group(3) for m in _URL_ATTR.finditer(text) if is_remote(m.group(3))]
    found += [m.group(2) for m in CSS_REMOTE_URL.finditer(text)]
    found += [m.group(0) for m in CSS_REMOTE_IMPORT.finditer(text)]
    return found
