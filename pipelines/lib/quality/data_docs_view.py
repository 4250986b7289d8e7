"""The Data Docs index page, rendered so that it works offline.

GX's index fills its table in the browser with bootstrap-table and jQuery loaded from CDNs; without
internet access the page shows no runs at all. This view puts expectations/data_docs_views/ in front of
GX's own templates (GX's `custom_views_directory` is searched *after* its package templates, so it can
add templates but not replace them), where bootstrap_table.j2 renders the rows as plain HTML links.
Named in expectations/gx_project.yml (site_index_builder.view).

KeptSuitesIndexBuilder keeps the suites' pages: the expectations store is in memory and holds only the
suites this process validated, and GX's index build deletes the page of every suite missing from it,
so each validation page's link to its suite broke as soon as another suite ran in a later process.
"""

from __future__ import annotations

from great_expectations.render.renderer.site_builder import DefaultSiteIndexBuilder
from great_expectations.render.view import DefaultJinjaIndexPageView
from jinja2 import ChoiceLoader, FileSystemLoader

from pipelines.lib.settings import EXPECTATIONS_DIR

VIEWS_DIR = EXPECTATIONS_DIR / "data_docs_views"


class OfflineIndexPageView(DefaultJinjaIndexPageView):
    def __init__(self, custom_styles_directory=None, custom_views_directory=None) -> None:
        super().__init__(custom_styles_directory, custom_views_directory)
        self.env.loader = ChoiceLoader([FileSystemLoader(str(VIEWS_DIR)), self.env.loader])


class KeptSuitesIndexBuilder(DefaultSiteIndexBuilder):
    def build(self, skip_and_clean_missing: bool = True, build_index: bool = True):
        # Validation results live on disk and are never deleted, so nothing else is cleaned by this.
        return super().build(skip_and_clean_missing=False, build_index=build_index)
