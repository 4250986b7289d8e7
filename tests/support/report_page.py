"""The coverage report page read back as a reader sees it: texts, table rows and chart specs.

A small parser over the HTML (the standard library's), so the tests compare what the page says with
the published marts, not with the code that wrote it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

_VOID = {"meta", "link", "img", "br", "hr", "input", "source"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    children: list[Element | str] = field(default_factory=list)

    def text(self) -> str:
        return " ".join(
            " ".join((c if isinstance(c, str) else c.text()).split()) for c in self.children
        ).strip()

    def iter(self):
        yield self
        for c in self.children:
            if isinstance(c, Element):
                yield from c.iter()

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Element]:
        return [
            e
            for e in self.iter()
            if (tag is None or e.tag == tag)
            and all(e.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())
        ]

    def cells(self) -> list[str]:
        return [c.text() for c in self.children if isinstance(c, Element) and c.tag in ("td", "th")]


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(element)
        if tag not in _VOID:
            self.stack.append(element)

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


@dataclass
class ReportPage:
    root: Element

    @classmethod
    def read(cls, path: Path) -> ReportPage:
        parser = _Parser()
        parser.feed(Path(path).read_text(encoding="utf-8"))
        return cls(parser.root)

    def figure(self, name: str) -> str:
        (element,) = self.root.find_all(data_figure=name)
        return element.text()

    def rows(self, table_id: str, key: str) -> dict[str, list[str]]:
        (table,) = self.root.find_all("table", id=table_id)
        return {tr.attrs[key]: tr.cells() for tr in table.find_all("tr") if key in tr.attrs}

    def spec(self, chart: str) -> dict[str, Any]:
        (script,) = self.root.find_all("script", id=f"spec-{chart}")
        return json.loads("".join(c for c in script.children if isinstance(c, str)))

    def charts(self) -> list[str]:
        return [e.attrs["data-chart"] for e in self.root.find_all("div") if "data-chart" in e.attrs]


def chart_values(spec: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """The inline data of every view in a spec (a layered chart has one per layer)."""
    found = []
    for view in [spec, *spec.get("layer", [])]:
        if "data" in view and "values" in view["data"]:
            found.append(view["data"]["values"])
    return found
