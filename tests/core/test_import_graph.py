"""The packages' import graph has no cycle, and no import placed inside a function
or under ``if TYPE_CHECKING:`` closes one (lazy imports of heavy optional libraries
are fine; hiding a circular import in a function, or one only the type checker
follows, is not). Read from the source with ``ast``, nothing imported."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGES = {"ocrkit": REPO / "framework", "ocrkit_tesseract": REPO / "plugins", "ocrkit_onnx": REPO / "plugins"}


def _modules(package: str) -> dict[str, Path]:
    root = PACKAGES[package]
    out = {}
    for path in (root / package).rglob("*.py"):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _targets(module: str, is_package: bool, node: ast.Import | ast.ImportFrom, known: dict[str, Path]) -> set[str]:
    """The modules an import statement runs: ``from .x import y`` runs ``x`` (and
    ``x.y`` if that is a module; only ``x.y`` if every name is a module), and every
    package above a target that is not already above the importing module."""
    if isinstance(node, ast.Import):
        targets = {alias.name for alias in node.names}
    else:
        if node.level:
            base = module.split(".") if is_package else module.split(".")[:-1]
            base = base[: len(base) - node.level + 1]
            source = ".".join(base + ([node.module] if node.module else []))
        else:
            source = node.module or ""
        targets = {f"{source}.{a.name}" for a in node.names if f"{source}.{a.name}" in known}
        if len(targets) < len(node.names):
            targets.add(source)
    above_importer = {module.rsplit(".", n)[0] for n in range(1, module.count(".") + 1)}
    for target in list(targets):
        parts = target.split(".")
        targets |= {".".join(parts[:i]) for i in range(1, len(parts))} - above_importer
    return targets


def _is_type_checking(node: ast.AST) -> bool:
    test = node.test if isinstance(node, ast.If) else None
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.Module, type_checking: bool = False) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import with whether it runs when the module is imported (module level,
    including under ``if``/``try``, but not under ``if TYPE_CHECKING``). With
    *type_checking*, imports under ``if TYPE_CHECKING`` count as module level: the
    graph a type checker follows."""

    def walk(node: ast.AST, top: bool) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                yield child, top
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                yield from walk(child, False)
            elif _is_type_checking(child):
                if type_checking:
                    yield from walk(child, top)
                continue
            else:
                yield from walk(child, top)

    return walk(tree, True)


def import_graph(package: str, *, with_function_imports: bool, with_type_checking: bool = False) -> dict[str, set[str]]:
    """module -> the package's modules it imports."""
    known = _modules(package)
    graph: dict[str, set[str]] = {m: set() for m in known}
    for module, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node, top in _imports(tree, type_checking=with_type_checking):
            if top or with_function_imports:
                targets = _targets(module, path.name == "__init__.py", node, known)
                graph[module] |= {t for t in targets if t in known and t != module}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a path ``[a, b, ..., a]``, or None."""
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_no_import_cycle(package: str) -> None:
    graph = import_graph(package, with_function_imports=False)
    assert "ocrkit._engine" in graph or package != "ocrkit"
    cycle = find_cycle(graph)
    assert cycle is None, " -> ".join(cycle or [])


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_no_function_level_import_hides_a_cycle(package: str) -> None:
    cycle = find_cycle(import_graph(package, with_function_imports=True))
    assert cycle is None, "an import inside a function closes " + " -> ".join(cycle or [])


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_no_cycle_even_for_the_type_checker(package: str) -> None:
    """``if TYPE_CHECKING:`` imports are a graph too: a circle there means the modules
    are not layered, whatever runs at import time."""
    cycle = find_cycle(import_graph(package, with_function_imports=False, with_type_checking=True))
    assert cycle is None, "an import under TYPE_CHECKING closes " + " -> ".join(cycle or [])


def test_the_checker_sees_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None
    tree = ast.parse("import x\ndef f():\n    import y\nif TYPE_CHECKING:\n    import z\n")
    assert [(n.names[0].name, top) for n, top in _imports(tree)] == [("x", True), ("y", False)]
    assert [(n.names[0].name, top) for n, top in _imports(tree, type_checking=True)] == [
        ("x", True), ("y", False), ("z", True)]


@pytest.mark.parametrize("package", ["ocrkit_tesseract", "ocrkit_onnx"])
def test_plugins_use_only_the_public_plugin_api(package: str) -> None:
    """A built-in backend is a plugin like any other: its face of ocrkit is ``ocrkit.backend``."""
    used = set()
    for module, path in _modules(package).items():
        for node, _ in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            used |= {(module, n) for n in names if not getattr(node, "level", 0) and n.split(".")[0] == "ocrkit"}
    assert used and {n for _, n in used} == {"ocrkit.backend"}, sorted(used)


def test_nothing_outside_the_cli_imports_it() -> None:
    """The CLI parses and prints: what the server, batch and the library share lives below
    it (``ocrkit._inventory``, ``ocrkit._open.DEFAULT_BACKEND``), never in ``ocrkit.cli``.
    Only ``python -m ocrkit`` (``ocrkit.__main__``) runs it."""
    graph = import_graph("ocrkit", with_function_imports=True)
    upward = sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        if not (module == "ocrkit.cli" or module.startswith("ocrkit.cli.") or module == "ocrkit.__main__")
        for target in targets
        if target == "ocrkit.cli" or target.startswith("ocrkit.cli.")
    )
    assert "ocrkit.cli" in graph["ocrkit.__main__"], "the checker sees an import of the CLI"
    assert upward == [], upward
