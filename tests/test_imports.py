"""The package's import graph: arrows point one way, and no module takes another's private names.

Every module of the package is parsed, not imported, and every import in it counts,
at the top or inside a function: ``import``, ``from ... import``, and
``importlib.import_module`` or ``__import__`` of a literal name, relative names
resolved. Only imports under ``if TYPE_CHECKING:`` are left out, since they never run.
An arrow goes to the module imported: importing a package is an arrow to its
``__init__``, and ``from . import foo`` one to the submodule ``foo`` when there is one.

Two rules follow (STYLE.md: "an import hidden inside a function or importlib is still
an arrow"):

* no cycles: when two modules need each other, the boundary is in the wrong place;
* no module imports another module's name that starts with ``_`` (``from .viz import
  _pipe``), nor reads one off a module it imported (``engine._local``), except from
  the generated modules under ``autograd_scalar/_generated/``. A private module such
  as ``_files`` is the package's own: importing it is fine, taking its private names
  is not. Dunder names (``__version__``) are public.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "autograd_scalar"
GENERATED = "_generated"
"""The folder of generated modules, whose private names others may import."""


@dataclass(frozen=True)
class Arrow:
    """One import: ``importer`` imports ``target`` (taking ``name`` from it, if any) at ``line``."""

    importer: str
    target: str
    name: str | None
    line: int


def modules(root: Path) -> dict[str, Path]:
    """Every module of the package at ``root`` by its dotted name (a package's ``__init__``
    by the package's name)."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node of ``tree`` but those under ``if TYPE_CHECKING:`` (its ``else`` counts)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
        else:
            stack.extend(ast.iter_child_nodes(node))


def _absolute(name: str, level: int, package: str) -> str:
    """The absolute name of ``name`` imported ``level`` dots up from inside ``package``."""
    if level == 0:
        return name
    base = package.split(".")
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, name] if name else base)


def _literal(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _dynamic_import(call: ast.Call, package: str) -> str | None:
    """The module a call ``importlib.import_module("...")`` or ``__import__("...")`` of a
    literal name imports, as an absolute name; None for any other call."""
    function = call.func
    named = function.attr if isinstance(function, ast.Attribute) else (
        function.id if isinstance(function, ast.Name) else None)
    if named not in ("import_module", "__import__") or not call.args:
        return None
    name = _literal(call.args[0])
    if name is None:
        return None
    keywords = {keyword.arg: keyword.value for keyword in call.keywords}
    if named == "import_module":
        stripped = name.lstrip(".")
        anchor = _literal(call.args[1] if len(call.args) > 1 else keywords.get("package"))
        if stripped != name and anchor is not None:
            return _absolute(stripped, len(name) - len(stripped), anchor)
        return name
    level = keywords.get("level", call.args[4] if len(call.args) > 4 else None)
    if isinstance(level, ast.Constant) and isinstance(level.value, int) and level.value:
        return _absolute(name, level.value, package)
    return name


def _known(name: str, known: dict[str, Path]) -> str | None:
    """``name``'s longest prefix that is a module of the package (``a.b`` for ``a.b.c``)."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        prefix = ".".join(parts[:end])
        if prefix in known:
            return prefix
    return None


def _lazy_table(node: ast.Assign) -> bool:
    """Whether ``node`` is a facade's ``_LAZY = {"submodule": [names...], ...}``."""
    return (isinstance(node.value, ast.Dict)
            and any(isinstance(t, ast.Name) and t.id == "_LAZY" for t in node.targets))


def arrows(root: Path) -> list[Arrow]:
    """Every import from a module of the package at ``root`` into the package, and every
    attribute read off an imported module (as an arrow taking that name)."""
    known = modules(root)
    found: list[Arrow] = []
    for importer, path in known.items():
        package = importer if path.name == "__init__.py" else importer.rpartition(".")[0]
        bound: dict[str, str] = {}  # a name this module binds to a module of the package
        reads: list[tuple[ast.Attribute, str | None]] = []
        for node in _nodes(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    target = _known(alias.name, known)
                    if target is not None:
                        found.append(Arrow(importer, target, None, node.lineno))
                        if alias.asname and target == alias.name:
                            bound[alias.asname] = target
                        elif not alias.asname and alias.name in known and "." not in alias.name:
                            bound[alias.name] = alias.name
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(node.module or "", node.level, package)
                for alias in node.names:
                    submodule = f"{base}.{alias.name}"
                    if submodule in known:
                        found.append(Arrow(importer, submodule, None, node.lineno))
                        bound[alias.asname or alias.name] = submodule
                    elif base in known:
                        name = None if alias.name == "*" else alias.name
                        found.append(Arrow(importer, base, name, node.lineno))
            elif isinstance(node, ast.Assign) and _lazy_table(node):
                # the package's PEP 562 facade names the submodules it loads on first use
                for key in node.value.keys:  # type: ignore[attr-defined]
                    target = _known(f"{package}.{_literal(key)}", known)
                    if target is not None:
                        found.append(Arrow(importer, target, None, node.lineno))
            elif isinstance(node, ast.Call):
                imported = _dynamic_import(node, package)
                target = None if imported is None else _known(imported, known)
                if target is not None:
                    found.append(Arrow(importer, target, None, node.lineno))
            elif isinstance(node, ast.Attribute):
                value = node.value
                called = _dynamic_import(value, package) if isinstance(value, ast.Call) else None
                reads.append((node, called if called in known else None))
        for attribute, called in reads:
            value = attribute.value
            target = called or (bound.get(value.id) if isinstance(value, ast.Name) else None)
            if target is not None:
                found.append(Arrow(importer, target, attribute.attr, attribute.lineno))
    return [arrow for arrow in found if arrow.target != arrow.importer]


def _leaving(found: list[Arrow]) -> dict[str, list[Arrow]]:
    leaving: dict[str, list[Arrow]] = {}
    for arrow in found:
        leaving.setdefault(arrow.importer, []).append(arrow)
    return leaving


def _reachable(module: str, leaving: dict[str, list[Arrow]]) -> set[str]:
    """The modules ``module`` imports, directly or through others (itself if on a cycle)."""
    reached: set[str] = set()
    stack = [module]
    while stack:
        for arrow in leaving.get(stack.pop(), ()):
            if arrow.target not in reached:
                reached.add(arrow.target)
                stack.append(arrow.target)
    return reached


def cycle_groups(found: list[Arrow]) -> list[list[str]]:
    """The groups of modules that import one another (each a strongly connected component
    of two or more modules), each sorted by name."""
    leaving = _leaving(found)
    reach = {module: _reachable(module, leaving) for module in leaving}
    groups: list[list[str]] = []
    grouped: set[str] = set()
    for module in sorted(reach):
        if module in reach[module] and module not in grouped:
            groups.append(sorted(other for other in reach[module]
                                 if module in reach.get(other, ())))
            grouped.update(groups[-1])
    return groups


def cycle_through(module: str, found: list[Arrow]) -> list[Arrow] | None:
    """A shortest cycle of imports from ``module`` back to it, or None if it is on none."""
    leaving = _leaving(found)
    came_by: dict[str, Arrow] = {}
    frontier = [module]
    while frontier:
        following = []
        for importer in frontier:
            for arrow in leaving.get(importer, ()):
                if arrow.target == module:
                    path = [arrow]
                    while path[0].importer != module:
                        path.insert(0, came_by[path[0].importer])
                    return path
                if arrow.target not in came_by:
                    came_by[arrow.target] = arrow
                    following.append(arrow.target)
        frontier = following
    return None


def shown(cycle: list[Arrow], root: Path) -> str:
    """``a (a.py:3) -> b (b.py:7) -> a``: each module of a cycle, and where it imports the next."""
    known = modules(root)
    steps = [f"{arrow.importer} ({known[arrow.importer].relative_to(root.parent)}:"
             f"{arrow.line})" for arrow in cycle]
    return " -> ".join([*steps, cycle[0].importer])


def cycles_report(root: Path) -> str:
    """Each group of modules of the package at ``root`` that import one another, and the
    distinct shortest cycles through its modules, shortest first ("" if there are none)."""
    found = arrows(root)
    lines = []
    for group in cycle_groups(found):
        lines.append(f"these {len(group)} modules import one another: {', '.join(group)}")
        cycles: dict[frozenset[tuple[str, str]], list[Arrow]] = {}
        for module in group:
            cycle = cycle_through(module, found)
            assert cycle is not None
            cycles.setdefault(frozenset((a.importer, a.target) for a in cycle), cycle)
        lines += [f"  {shown(cycle, root)}" for cycle in sorted(cycles.values(), key=len)]
    return "\n".join(lines)


def is_private(name: str) -> bool:
    """Whether ``name`` is private: it starts with ``_`` and is not a dunder."""
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_imports(root: Path) -> list[str]:
    """Each import of another module's private name in the package at ``root``, as
    ``importer (file:line) takes name from target``."""
    known = modules(root)
    generated = f"{root.name}.{GENERATED}"
    return sorted(
        f"{arrow.importer} ({known[arrow.importer].relative_to(root.parent)}:{arrow.line}) "
        f"takes {arrow.name} from {arrow.target}"
        for arrow in arrows(root)
        if arrow.name is not None and is_private(arrow.name)
        and not (arrow.target == generated or arrow.target.startswith(generated + "."))
    )


# --- the package itself ------------------------------------------------------------


def test_no_modules_of_the_package_import_one_another() -> None:
    report = cycles_report(PACKAGE)
    if report:
        pytest.fail("import cycles (imports inside functions count):\n" + report,
                    pytrace=False)


def test_no_module_takes_another_modules_private_names() -> None:
    found = private_imports(PACKAGE)
    if found:
        pytest.fail("private names imported across modules (make them public, or move "
                    "them where they are used):\n" + "\n".join(found), pytrace=False)


# --- the checks themselves, on small packages written for them ----------------------


def write_package(tmp_path: Path, files: dict[str, str]) -> Path:
    """A package ``pkg`` in ``tmp_path`` holding ``files`` (relative paths to source)."""
    for name, source in files.items():
        path = tmp_path / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    return tmp_path / "pkg"


def targets(root: Path, importer: str) -> set[str]:
    return {arrow.target for arrow in arrows(root) if arrow.importer == importer}


def test_an_import_inside_a_function_is_an_arrow(tmp_path: Path) -> None:
    root = write_package(tmp_path, {
        "__init__.py": "", "a.py": "def f():\n    from .b import g\n    return g\n",
        "b.py": "def g(): pass\n"})
    assert targets(root, "pkg.a") == {"pkg.b"}


def test_import_module_and_dunder_import_of_a_literal_name_are_arrows(tmp_path: Path) -> None:
    root = write_package(tmp_path, {
        "__init__.py": "", "b.py": "", "c.py": "", "d.py": "",
        "a.py": "import importlib\n"
                "def f():\n"
                "    importlib.import_module('pkg.b')\n"
                "    importlib.import_module('.c', package='pkg')\n"
                "    __import__('pkg.d')\n"
                "    importlib.import_module(name_chosen_at_run_time)\n"})
    assert targets(root, "pkg.a") == {"pkg.b", "pkg.c", "pkg.d"}


def test_a_facade_s_lazy_table_names_arrows(tmp_path: Path) -> None:
    root = write_package(tmp_path, {
        "__init__.py": "_LAZY = {'b': ['g'], 'missing': ['h']}\n", "b.py": "def g(): pass\n"})
    assert targets(root, "pkg") == {"pkg.b"}


def test_imports_under_type_checking_are_no_arrows(tmp_path: Path) -> None:
    root = write_package(tmp_path, {
        "__init__.py": "", "b.py": "", "c.py": "", "d.py": "",
        "a.py": "import typing\nfrom typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    from .b import B\nelse:\n    from .c import C\n"
                "if typing.TYPE_CHECKING:\n    import pkg.d\n"})
    assert targets(root, "pkg.a") == {"pkg.c"}


def test_relative_imports_resolve_to_submodules_and_package_inits(tmp_path: Path) -> None:
    root = write_package(tmp_path, {
        "__init__.py": "__version__ = '1'\n", "top.py": "",
        "sub/__init__.py": "from . import inner\n", "sub/inner.py": "",
        "sub/user.py": "from .. import __version__\nfrom ..top import x\nimport pkg.sub\n"})
    assert targets(root, "pkg.sub") == {"pkg.sub.inner"}
    assert targets(root, "pkg.sub.user") == {"pkg", "pkg.top", "pkg.sub"}


def test_a_cycle_is_found_and_named_with_its_lines(tmp_path: Path) -> None:
    root = write_package(tmp_path, {
        "__init__.py": "", "leaf.py": "",
        "a.py": "from . import leaf\nfrom .b import g\n",
        "b.py": "import importlib\ndef g():\n    return importlib.import_module('pkg.a')\n"})
    assert cycle_groups(arrows(root)) == [["pkg.a", "pkg.b"]]
    assert cycles_report(root).splitlines() == [
        "these 2 modules import one another: pkg.a, pkg.b",
        "  pkg.a (pkg/a.py:2) -> pkg.b (pkg/b.py:3) -> pkg.a",  # once, not once per module
    ]


def test_a_package_without_cycles_reports_none(tmp_path: Path) -> None:
    root = write_package(tmp_path, {
        "__init__.py": "from .a import f\n", "a.py": "from . import b\n", "b.py": ""})
    assert cycle_groups(arrows(root)) == [] and cycles_report(root) == ""


def test_private_names_taken_from_another_module_are_found(tmp_path: Path) -> None:
    root = write_package(tmp_path, {
        "__init__.py": "__version__ = '1'\n", "_files.py": "def write(): pass\n",
        "engine.py": "_local = 1\ndef _helper(): pass\n",
        "_generated/__init__.py": "", "_generated/rules.py": "_rule = 1\n",
        "user.py": "from .engine import _helper\n"
                   "from . import engine, _files\n"
                   "from ._files import write\n"
                   "from . import __version__\n"
                   "from ._generated.rules import _rule\n"
                   "x = engine._local + engine.__name__\n"})
    assert private_imports(root) == [
        "pkg.user (pkg/user.py:1) takes _helper from pkg.engine",
        "pkg.user (pkg/user.py:6) takes _local from pkg.engine",
    ]
