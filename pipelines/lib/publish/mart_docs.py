"""What the dbt project says about each mart: its description, and per column its description, whether
it may be empty (an enforced not_null constraint) and the values it may take (an accepted_values test).

Read from the models' YAML in dbt_project/models/marts/, the one place these are written, so the data
package (datapackage.py) says what dbt documents and enforces, not a copy that could drift from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

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


@cache
def mart_docs() -> dict[str, MartDoc]:
    docs = {}
    for path in sorted(MARTS_DIR.glob("*.yml")):
        for model in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models") or []:
            docs[model["name"]] = MartDoc(
                description=" ".join(str(model.get("description") or "").split()),
                columns={c["name"]: _column(c) for c in model.get("columns") or []},
            )
    return docs


def mart_doc(name: str) -> MartDoc:
    """The mart's documentation; an undocumented table (a test's own) gets an empty one."""
    return mart_docs().get(name, MartDoc())
