"""Only the public APIs of Dagster, dagster-dbt, dbt, dbt-duckdb and Great Expectations.

Every .py file under pipelines/, tools/, bench/ and tests/ (this one excepted) is parsed, never imported,
and each use of a framework's internals is listed as path:line. The rule, per framework:

Imports
- Any framework (the FRAMEWORKS roots below; dbt-duckdb is `dbt.adapters.duckdb`): no module path with
  an underscore component (`dagster._core...`), no underscore name (`from dagster_dbt import _x`).
- Dagster and its libraries (dagster, dagster_dbt, dagster_duckdb, ...): their public API is what the
  package's own `__init__.py` exports (Dagster's API docs give every name as `dagster.X` /
  `dagster_dbt.X`; `dagster_dbt/__init__.py` re-exports `DbtCliEventMessage` but not
  `DbtCoreCliEventMessage`, nor the helpers of `dagster_dbt.asset_utils`). So: import from the package
  itself, `from dagster_dbt import DbtProject`, and only names it exports; a submodule import
  (`from dagster_dbt.asset_utils import ...`, `import dagster_dbt.core.dbt_cli_event`) is refused.
- Great Expectations marks its public API with `@public_api` on classes and functions (that marker is
  what its API reference is built from). A name imported from GX must be exported by
  `great_expectations` itself (its `__all__` and the subpackages it imports: checkpoint, core,
  data_context, exceptions, expectations), or be a class or function whose definition carries
  `@public_api`, found by following the re-exports in the installed sources. Any other GX module,
  imported as a module, is refused (`from great_expectations.execution_engine import
  sqlalchemy_execution_engine`).
- dbt, dbt-common, dbt-adapters mark nothing; for them the underscore rule alone applies.

Attributes (load, store or del) of an underscore, non-dunder name
- on a framework object: a name imported from a framework, anything reached from one (`X.a._b`,
  `X()._b`, `X.a()[0]._b`), a local variable assigned from one (also through `with ... as`, `for`,
  unpacking), a parameter annotated with a framework type, and whatever `getattr(x, "_y")` returned;
- on `self`/`cls`/`super()` inside a class with a framework base, unless our class defines or assigns
  that name itself (it is then ours; otherwise it is the framework's, inherited).
- `self._x` in our own classes and `_x` of our own modules are ours and allowed.

Reflection, anywhere: `getattr`/`setattr`/`delattr`/`hasattr` (also `monkeypatch.setattr`,
`mock.patch.object`) with an underscore name given as a literal or as a name bound to one in the same
file; `vars(x)["_y"]` / `x.__dict__["_y"]`; a string that is a dotted path into a framework with an
underscore component (`mock.patch("dagster._core...")`, `importlib.import_module("dagster._utils")`).
"""

from __future__ import annotations

import ast
import importlib.util
import re
import textwrap
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("pipelines", "tools", "bench", "tests")

DAGSTER = frozenset(
    {
        "dagster",
        "dagster_dbt",
        "dagster_duckdb",
        "dagster_graphql",
        "dagster_webserver",
        "dagster_pipes",
        "dagster_shared",
    }
)
DBT = frozenset({"dbt", "dbt_common", "dbt_adapters"})
GX = "great_expectations"
FRAMEWORKS = DAGSTER | DBT | {GX}
# Submodules of a Dagster package that its API docs give as public import paths. None is used here;
# add one only with the upstream page that says so.
DAGSTER_PUBLIC_SUBMODULES: frozenset[str] = frozenset()
# GX classes used by name that GX's docs name as configuration or extension points though the classes
# carry no @public_api marker; each with where GX documents it. Nothing underscored, nothing patched.
GX_DOCUMENTED: dict[str, str] = {
    # the schema of great_expectations.yml: get_context(project_config=...) takes the loaded config
    "great_expectations.data_context.types.base.DataContextConfigSchema": "project_config of get_context",
    # Data Docs `site_index_builder: class_name` in a site's config names a subclass of this one
    "great_expectations.render.renderer.site_builder.DefaultSiteIndexBuilder": "site_index_builder",
    "great_expectations.render.view.DefaultJinjaIndexPageView": "site_index_builder's view",
    # what build_data_docs(resource_identifiers=...) takes
    "great_expectations.data_context.types.resource_identifiers.ExpectationSuiteIdentifier": "build_data_docs",  # noqa: E501
    # the type of datasource.get_execution_engine(), imported by the tests to assert on it
    "great_expectations.execution_engine.SqlAlchemyExecutionEngine": "get_execution_engine()",
}
REFLECTION = frozenset({"getattr", "setattr", "delattr", "hasattr"})
REFLECTION_METHODS = frozenset({"setattr", "delattr", "object"})  # monkeypatch.setattr, mock.patch.object
DOTTED_PRIVATE = re.compile(
    r"^(?:" + "|".join(sorted(FRAMEWORKS)) + r")(?:\.\w+)*\.(?!__)_\w*(?:\.\w+)*(?::\w+)?$"
)


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


# --- what the installed frameworks export ---------------------------------------------------------------


@cache
def _package_dir(root: str) -> Path:
    """The installed package's directory, found without importing it."""
    spec = importlib.util.find_spec(root)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"{root} is not installed: the public API check reads its sources")
    return Path(next(iter(spec.submodule_search_locations)))


def _module_file(module: str) -> Path | None:
    root, *rest = module.split(".")
    base = _package_dir(root).joinpath(*rest)
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


@cache
def _parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _top_level(body: list[ast.stmt]):
    """A module's top-level statements, through `if`/`try` blocks."""
    for stmt in body:
        if isinstance(stmt, ast.If):
            yield from _top_level(stmt.body)
            yield from _top_level(stmt.orelse)
        elif isinstance(stmt, ast.Try):
            for block in (stmt.body, stmt.orelse, stmt.finalbody, *(h.body for h in stmt.handlers)):
                yield from _top_level(block)
        else:
            yield stmt


@cache
def exported(package: str) -> frozenset[str]:
    """The public names a package's __init__.py binds (plus its lazily served deprecated names)."""
    path = _module_file(package)
    names: set[str] = set()
    for stmt in _top_level(_parsed(path).body):
        if isinstance(stmt, ast.ImportFrom | ast.Import):
            names.update((a.asname or a.name).split(".")[0] for a in stmt.names)
        elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(stmt.name)
        elif isinstance(stmt, ast.Assign | ast.AnnAssign):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                if not isinstance(target, ast.Name):
                    continue
                names.add(target.id)
                # dagster serves deprecated names from _DEPRECATED* dicts through module __getattr__
                if target.id.startswith("_DEPRECATED") and isinstance(stmt.value, ast.Dict):
                    names.update(k.value for k in stmt.value.keys if isinstance(k, ast.Constant))
                if target.id == "__all__" and isinstance(stmt.value, ast.List | ast.Tuple):
                    names.update(e.value for e in stmt.value.elts if isinstance(e, ast.Constant))
    return frozenset(n for n in names if not is_private(n))


@cache
def gx_public_modules() -> frozenset[str]:
    """great_expectations and the subpackages its __init__.py imports (`from . import core`)."""
    modules = {GX}
    for stmt in _top_level(_parsed(_module_file(GX)).body):
        if isinstance(stmt, ast.ImportFrom) and stmt.level == 1 and stmt.module is None:
            modules.update(f"{GX}.{a.name}" for a in stmt.names)
    return frozenset(modules)


def _absolute(module_path: Path, module: str, stmt: ast.ImportFrom) -> str:
    if not stmt.level:
        return stmt.module or ""
    package = module.split(".") if module_path.name == "__init__.py" else module.split(".")[:-1]
    base = package[: len(package) - (stmt.level - 1)]
    return ".".join(base + ([stmt.module] if stmt.module else []))


@cache
def gx_marked_public(module: str, name: str, depth: int = 0) -> bool | None:
    """Whether `module.name` is a GX class or function marked @public_api (following re-exports);
    None when it is a module."""
    if _module_file(f"{module}.{name}") is not None:
        return None
    path = _module_file(module)
    if path is None or depth > 20:
        return False
    statements = list(_top_level(_parsed(path).body))
    # every definition of the name counts (a function's @overload stubs come before the one it runs)
    definitions = [
        s
        for s in statements
        if isinstance(s, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and s.name == name
    ]
    if definitions:
        return any(
            (d.id if isinstance(d, ast.Name) else d.attr if isinstance(d, ast.Attribute) else "")
            == "public_api"
            for s in definitions
            for d in s.decorator_list
        )
    for stmt in statements:
        if isinstance(stmt, ast.ImportFrom):
            source = _absolute(path, module, stmt)
            for alias in stmt.names:
                if (alias.asname or alias.name) == name and source.split(".")[0] == GX:
                    return gx_marked_public(source, alias.name, depth + 1)
    return False


# --- the checker ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Offence:
    line: int
    what: str


def _root_name(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute | ast.Call | ast.Subscript | ast.Await | ast.Starred):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _bound_names(target: ast.expr):
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, ast.Tuple | ast.List):
        for element in target.elts:
            yield from _bound_names(element)
    elif isinstance(target, ast.Starred):
        yield from _bound_names(target.value)


def _private_string(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and is_private(node.value)


def _is_name(node: ast.expr, *names: str) -> bool:
    return isinstance(node, ast.Name) and node.id in names


def _is_call(node: ast.expr, name: str) -> bool:
    return isinstance(node, ast.Call) and _is_name(node.func, name)


def _literal_name_call(node: ast.Call) -> bool:
    """getattr(x, "_y"), mock.patch.object(x, "_y")...: a reflective call."""
    func = node.func
    return (isinstance(func, ast.Name) and func.id in REFLECTION) or (
        isinstance(func, ast.Attribute) and func.attr in REFLECTION_METHODS
    )


class Checker:
    def __init__(self, source: str, filename: str = "<string>") -> None:
        self.tree = ast.parse(source, filename=filename)
        self.offences: list[Offence] = []
        self.framework_names: set[str] = set()
        # names bound anywhere in the file to an underscore string: getattr(obj, name) with name = "_x"
        self.private_strings: dict[str, str] = {}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Assign) and _private_string(node.value):
                for target in node.targets:
                    self.private_strings.update(dict.fromkeys(_bound_names(target), node.value.value))

    def flag(self, node: ast.AST, what: str) -> None:
        self.offences.append(Offence(node.lineno, what))

    def run(self) -> list[Offence]:
        # imports first, wherever they are (function-local imports count for the whole file)
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                self.check_import(node)
            elif isinstance(node, ast.ImportFrom):
                self.check_import_from(node)
        tainted = self.local_taint(self.tree.body, set(self.framework_names), None)
        self.check_scope(self.tree.body, tainted, ours=None)
        return sorted(set(self.offences), key=lambda o: (o.line, o.what))

    # imports

    def check_import(self, node: ast.Import) -> None:
        for alias in node.names:
            parts = alias.name.split(".")
            if parts[0] not in FRAMEWORKS:
                continue
            self.framework_names.add(alias.asname or parts[0])
            self.check_module_path(node, alias.name, imported_as_module=True)

    def check_module_path(self, node: ast.AST, module: str, imported_as_module: bool) -> bool:
        parts = module.split(".")
        private = [p for p in parts if is_private(p)]
        if private:
            self.flag(node, f"private module {module}")
            return False
        if parts[0] in DAGSTER and len(parts) > 1 and module not in DAGSTER_PUBLIC_SUBMODULES:
            self.flag(node, f"{module} is not {parts[0]}'s public API: import from {parts[0]} itself")
            return False
        if parts[0] == GX and imported_as_module and module not in gx_public_modules():
            self.flag(node, f"module {module} is not GX public API")
            return False
        return True

    def check_import_from(self, node: ast.ImportFrom) -> None:
        if node.level or not node.module or node.module.split(".")[0] not in FRAMEWORKS:
            return
        module, root = node.module, node.module.split(".")[0]
        for alias in node.names:
            self.framework_names.add(alias.asname or alias.name)
        if not self.check_module_path(node, module, imported_as_module=False):
            return
        for alias in node.names:
            name = alias.name
            if is_private(name):
                self.flag(node, f"private name {module}.{name}")
            elif name == "*":
                self.flag(node, f"from {module} import *")
            elif root in DAGSTER and name not in exported(root):
                self.flag(node, f"{module}.{name} is not exported by {root}")
            elif root == GX:
                self.check_gx_name(node, module, name)

    def check_gx_name(self, node: ast.ImportFrom, module: str, name: str) -> None:
        if module == GX and name in exported(GX) or f"{module}.{name}" in GX_DOCUMENTED:
            return
        marked = gx_marked_public(module, name)
        if marked is None:
            if f"{module}.{name}" not in gx_public_modules():
                self.flag(node, f"module {module}.{name} is not GX public API")
        elif not marked and name not in exported(GX):
            self.flag(node, f"{module}.{name} is not marked @public_api in GX")

    # attributes and reflection

    def tainted_expr(self, node: ast.expr, tainted: set[str]) -> bool:
        if isinstance(node, ast.Call) and _literal_name_call(node) and self.private_name_arg(node):
            return True  # what getattr(x, "_y") returned is a framework's internals
        return _root_name(node) in tainted

    def private_name_arg(self, node: ast.Call) -> str | None:
        if len(node.args) < 2:
            return None
        arg = node.args[1]
        if _private_string(arg):
            return repr(arg.value)
        if isinstance(arg, ast.Name) and arg.id in self.private_strings:
            return f"{arg.id}={self.private_strings[arg.id]!r}"
        return None

    def framework_type(self, annotation: ast.expr) -> bool:
        """An annotation naming a framework type: `dg.DagsterInstance`, `"DbtProject"`."""
        return any(
            (isinstance(n, ast.Name) and n.id in self.framework_names)
            or (
                isinstance(n, ast.Constant)
                and isinstance(n.value, str)
                and n.value.split(".")[0] in self.framework_names
            )
            for n in ast.walk(annotation)
        )

    def local_taint(self, body: list[ast.stmt], tainted: set[str], args: ast.arguments | None) -> set[str]:
        """The names of a scope that hold framework objects (flow-insensitive, to a fixed point)."""
        tainted = set(tainted)
        if args is not None:
            for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg):
                if arg is not None and arg.annotation is not None and self.framework_type(arg.annotation):
                    tainted.add(arg.arg)
        nodes = [n for stmt in body for n in _walk_scope(stmt)]
        while True:
            before = len(tainted)
            for n in nodes:
                pairs: list[tuple[ast.expr, ast.expr | None]] = []
                if isinstance(n, ast.Assign):
                    pairs = [(t, n.value) for t in n.targets]
                elif isinstance(n, ast.AnnAssign | ast.NamedExpr):
                    pairs = [(n.target, n.value)]
                elif isinstance(n, ast.For | ast.AsyncFor | ast.comprehension):
                    pairs = [(n.target, n.iter)]
                elif isinstance(n, ast.With | ast.AsyncWith):
                    pairs = [(i.optional_vars, i.context_expr) for i in n.items if i.optional_vars]
                elif isinstance(n, ast.ExceptHandler) and n.name and n.type is not None:
                    pairs = [(ast.Name(n.name, ast.Store()), n.type)]
                for target, value in pairs:
                    if value is None:
                        continue
                    if isinstance(target, ast.Tuple | ast.List) and isinstance(value, ast.Tuple | ast.List):
                        for t, v in zip(target.elts, value.elts, strict=False):
                            if self.tainted_expr(v, tainted):
                                tainted.update(_bound_names(t))
                    elif self.tainted_expr(value, tainted):
                        tainted.update(_bound_names(target))
            if len(tainted) == before:
                return tainted

    def check_scope(self, body: list[ast.stmt], tainted: set[str], ours: set[str] | None) -> None:
        """`ours`: inside a class with a framework base, the underscore names that class defines."""
        for stmt in body:
            for node in _walk_scope(stmt):
                self.check_node(node, tainted, ours)
            for node in _nested_scopes(stmt):
                if isinstance(node, ast.ClassDef):
                    framework_base = any(self.tainted_expr(b, tainted) for b in node.bases)
                    inner = self.local_taint(node.body, tainted, None)
                    self.check_scope(node.body, inner, _class_names(node) if framework_base else None)
                elif isinstance(node, ast.Lambda):
                    inner = self.local_taint([], tainted, node.args)
                    for n in ast.walk(node.body):
                        self.check_node(n, inner, ours)
                else:
                    self.check_scope(node.body, self.local_taint(node.body, tainted, node.args), ours)

    def check_node(self, node: ast.AST, tainted: set[str], ours: set[str] | None) -> None:
        if isinstance(node, ast.Attribute) and is_private(node.attr):
            base = node.value
            if self.tainted_expr(base, tainted):
                self.flag(node, f"{ast.unparse(node)}: underscore attribute of a framework object")
            elif (
                ours is not None
                and node.attr not in ours
                and (
                    (isinstance(base, ast.Name) and base.id in ("self", "cls"))
                    or (
                        isinstance(base, ast.Call)
                        and isinstance(base.func, ast.Name)
                        and base.func.id == "super"
                    )
                )
            ):
                self.flag(node, f"{ast.unparse(node)}: underscore attribute inherited from a framework class")
        elif isinstance(node, ast.Call):
            if _literal_name_call(node) and (name := self.private_name_arg(node)):
                self.flag(node, f"{ast.unparse(node.func)}(..., {name}): underscore attribute by reflection")
        elif isinstance(node, ast.Subscript):
            key = node.slice
            base = node.value
            if (
                isinstance(key, ast.Constant)
                and isinstance(key.value, str)
                and is_private(key.value)
                and (
                    (isinstance(base, ast.Attribute) and base.attr == "__dict__")
                    or (
                        isinstance(base, ast.Call)
                        and isinstance(base.func, ast.Name)
                        and base.func.id == "vars"
                    )
                )
            ):
                self.flag(node, f"{ast.unparse(node)}: underscore attribute through __dict__")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and DOTTED_PRIVATE.match(node.value)
        ):
            self.flag(node, f"{node.value!r}: a path into a framework's private module or name")


SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def _walk_scope(node: ast.AST):
    """A node and what it holds in the same scope: of a nested function, lambda or class only the
    decorators, bases and defaults (its body is a scope of its own)."""
    if isinstance(node, SCOPES):
        parts = [
            *getattr(node, "decorator_list", ()),
            *getattr(node, "bases", ()),
            *getattr(node, "keywords", ()),
        ]
        if not isinstance(node, ast.ClassDef):
            parts += [*node.args.defaults, *(d for d in node.args.kw_defaults if d is not None)]
        for part in parts:
            yield from _walk_scope(part)
        return
    yield node
    for child in ast.iter_child_nodes(node):
        yield from _walk_scope(child)


def _nested_scopes(node: ast.AST):
    """The functions, lambdas and classes a node is or holds (not those inside them)."""
    if isinstance(node, SCOPES):
        yield node
        return
    for child in ast.iter_child_nodes(node):
        yield from _nested_scopes(child)


def _class_names(node: ast.ClassDef) -> set[str]:
    """What a class itself defines: its methods and class attributes, and what it assigns to self/cls."""
    names = set()
    for stmt in node.body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(stmt.name)
        elif isinstance(stmt, ast.Assign | ast.AnnAssign):
            for target in stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]:
                names.update(_bound_names(target))
    for n in ast.walk(node):
        if (
            isinstance(n, ast.Attribute)
            and isinstance(n.ctx, ast.Store)
            and isinstance(n.value, ast.Name)
            and n.value.id in ("self", "cls")
        ):
            names.add(n.attr)
    return names


def offences_in(source: str, filename: str = "<string>") -> list[Offence]:
    return Checker(textwrap.dedent(source), filename).run()


def scanned_files() -> list[Path]:
    me = Path(__file__).resolve()
    return sorted(
        p for d in SCANNED for p in (ROOT / d).rglob("*.py") if p.resolve() != me and ".venv" not in p.parts
    )


# --- the tests ------------------------------------------------------------------------------------------


def test_only_the_frameworks_public_apis_are_used():
    found = []
    files = scanned_files()
    assert len(files) > 50, files  # the scan found the project's code
    for path in files:
        for o in offences_in(path.read_text(encoding="utf-8"), str(path)):
            found.append(f"{path.relative_to(ROOT)}:{o.line}: {o.what}")
    assert not found, "use of a framework's internals:\n" + "\n".join(found)


def whats(source: str) -> list[str]:
    return [o.what for o in offences_in(source)]


@pytest.mark.parametrize(
    "source",
    [
        "from dagster._core.events import DagsterEventType",
        "import dagster._utils.log",
        "from dagster import _check",
        "from dagster_dbt.asset_utils import get_asset_key_for_model",
        "from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage",
        "import dagster_dbt.core.dbt_cli_event",
        "from dagster import not_a_dagster_export",
        "from dbt.adapters.duckdb import _private",
        "from dbt_common._internal import x",
        "from great_expectations.execution_engine import sqlalchemy_execution_engine",
        "from great_expectations.data_context.types.base import DataConnectorConfigSchema",
        "from great_expectations.render.view import DefaultJinjaSectionView",
    ],
)
def test_the_checker_refuses_a_private_import(source):
    assert whats(source), source


@pytest.mark.parametrize(
    "source",
    [
        "import dagster as dg",
        "from dagster import AssetKey, DagsterEventType, asset",
        "from dagster_dbt import DbtCliResource, DbtProject, dbt_assets",
        "from dagster_dbt import DbtCliEventMessage",
        "from dbt.cli.main import dbtRunner",
        "from dbt.adapters.duckdb.connections import DuckDBConnectionManager",
        "import great_expectations as gx",
        "import great_expectations.expectations as gxe",
        "from great_expectations import Checkpoint, get_context",
        "from great_expectations.checkpoint import Checkpoint",
        "from great_expectations.core.run_identifier import RunIdentifier",
        "from pipelines.lib.ingest.readers import _detect_encoding",
        "from . import _ours",
    ],
)
def test_the_checker_lets_a_public_import_through(source):
    assert whats(source) == [], source


def test_the_checker_catches_underscore_attributes_of_framework_objects():
    source = """
        import dagster as dg
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
        from dagster_dbt import DbtProject

        DbtProject._y = 1
        DuckDBConnectionManager._ENV = None
        dg.DagsterInstance.ephemeral()._run_storage

        def f(instance: dg.DagsterInstance, other):
            storage = instance.event_log_storage
            del storage._connect
            with dg.instance_for_test() as held:
                held._x
            engine = getattr(other, "_execution_engine", None)
            engine._connection = None
            name = "_PERSISTED"
            setattr(other, name, 1)
            vars(other)["_z"]

        def g(monkeypatch):
            monkeypatch.setattr("dagster._core.x.y", 1)
    """
    lines = [o.line for o in offences_in(source)]
    assert lines == [6, 7, 8, 12, 14, 15, 16, 18, 19, 22], offences_in(source)


def test_the_checker_leaves_our_own_underscore_attributes_alone():
    source = """
        import threading
        import dagster as dg

        class Ours:
            def __init__(self):
                self._lock = threading.Lock()
                self._y = 1

            def go(self):
                with self._lock:
                    return self._y, dg.AssetKey.__name__

        class Resource(dg.ConfigurableResource):
            def setup_for_execution(self, context):
                self._client = object()
                return self._client

        def local(items):
            ours = Ours()
            return ours._y, items._private, getattr(ours, "public")
    """
    assert whats(source) == []


def test_the_checker_catches_what_a_framework_subclass_inherits():
    source = """
        from dagster import ConfigurableResource

        class Resource(ConfigurableResource):
            def go(self):
                return self._inherited, super()._hook()
    """
    assert [o.line for o in offences_in(source)] == [6, 6]
