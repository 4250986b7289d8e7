"""What the dbt project says about each mart: its description, its key, and per column its description,
whether it may be empty (an enforced not_null constraint) and the values it may take (an accepted_values
test).

Read from the models' YAML in dbt_project/models/marts/, the one place these are written, so the data
package (datapackage.py) says what dbt documents and enforces, not a copy that could drift from it. The
key is the mart's unique_combination_of_columns test marked `config: {meta: {mart_key: true}}`: dbt
tests that it is unique, the published files are sorted by it (marts.py) and the data package names it
as the primary key. A mart without one has no key: its files are sorted by all its columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from pipelines.lib.settings import DBT_PROJECT_DIR

MARTS_DIR = DBT_PROJECT_DIR / "models" / "marts"


@dataclass(frozen=True)
class ColumnDoc:
    description: str = ""
    required: bool = False
    accepted_values: tuple[str, ...] | None = None


@dataclass(frozen=True)
class MartDoc:
    description: str = ""
    columns: dict[str, ColumnDoc] = field(default_factory=dict)
    key: tuple[str, ...] = ()


class MartKeyError(ValueError):
    """A mart's YAML marks more than one key."""


def _column(spec: dict) -> ColumnDoc:
    constraints = spec.get("constraints") or []
    accepted = None
    for test in spec.get("data_tests") or spec.get("tests") or []:
        if isinstance(test, dict) and "accepted_values" in test:
            arguments = test["accepted_values"].get("arguments") or test["accepted_values"]
            accepted = tuple(str(v) for v in arguments["values"])
    return ColumnDoc(
        description=" ".join(str(spec.get("description") or "").split()),
        required=any(c.get("type") == "not_null" for c in constraints),
        accepted_values=accepted,
    )


def _key(model: dict, path: Path) -> tuple[str, ...]:
    keys = []
    for test in model.get("data_tests") or model.get("tests") or []:
        unique = test.get("unique_combination_of_columns") if isinstance(test, dict) else None
        if isinstance(unique, dict) and ((unique.get("config") or {}).get("meta") or {}).get("mart_key"):
            arguments = unique.get("arguments") or unique
            keys.append(tuple(str(c) for c in arguments["combination_of_columns"]))
    if len(keys) > 1:
        raise MartKeyError(
            f"{path}: model {model['name']} marks {len(keys)} unique_combination_of_columns tests as its key "
            "(config: {meta: {mart_key: true}}); mark one"
        )
    return keys[0] if keys else ()


@cache
def mart_docs() -> dict[str, MartDoc]:
    docs = {}
    for path in sorted(MARTS_DIR.glob("*.yml")):
        for model in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models") or []:
            docs[model["name"]] = MartDoc(
                description=" ".join(str(model.get("description") or "").split()),
                columns={c["name"]: _column(c) for c in model.get("columns") or []},
                key=_key(model, path),
            )
    return docs


def mart_doc(name: str) -> MartDoc:
    """The mart's documentation; an undocumented table (a test's own) gets an empty one."""
    return mart_docs().get(name, MartDoc())
