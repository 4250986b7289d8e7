"""Pages opened in Debian's Chromium, headless, with every request and console message recorded.

Playwright drives the system's /usr/bin/chromium (the Makefile installs it); nothing is downloaded.
Requests that would leave the machine are recorded and then refused, so a page that needs the network
shows it in the test instead of waiting on a closed network.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.lib.settings import REPO_ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Where the screenshots go for a person to look at after `make test` (git ignores it).
SCREENSHOTS = REPO_ROOT / "test-output" / "browser"
# As the machine's notes advise: without these, Chromium calls Google's services at every start.
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
]


@dataclass
class Visit:
    url: str
    requests: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # e.g. a file that does not exist
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    screenshot: Path | None = None
    page: Any = None  # the Playwright page, still open inside the session


class Browser:
    def __init__(self, context: Any):
        self._context = context

    def open(self, path: Path, *, screenshot: str, ready: str | None = None) -> Visit:
        """Open a file, wait for it to load (and for the JavaScript expression `ready`), screenshot it."""
        visit = Visit(Path(path).resolve().as_uri())
        page = self._context.new_page()
        page.on("request", lambda r: visit.requests.append(r.url))
        page.on("requestfailed", lambda r: visit.failed.append(f"{r.url}: {r.failure}"))
        page.on("console", lambda m: visit.console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: visit.page_errors.append(str(e)))
        page.goto(visit.url, wait_until="load")
        if ready:
            page.evaluate(f"async () => {{ await ({ready}); }}")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        visit.screenshot = SCREENSHOTS / screenshot
        page.screenshot(path=str(visit.screenshot), full_page=True)
        visit.page = page
        return visit


@contextmanager
def chromium() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")

            def route(route: Any) -> None:
                # Recorded by the page's request listener either way; refused here so nothing waits on it.
                if route.request.url.startswith(LOCAL_SCHEMES):
                    route.continue_()
                else:
                    route.abort("blockedbyclient")

            context.route("**/*", route)
            yield Browser(context)
        finally:
            browser.close()
