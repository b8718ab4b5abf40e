"""The shape of core/: no import cycle (function-level imports included), no module too long."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "core"
MAX_LINES = 500
# Modules still waiting for their split. Remove a line when its module is split; the list
# should only shrink.
KNOWN_LONG: dict[str, str] = {}


def _module_name(path: Path) -> str:
    parts = path.relative_to(CORE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in CORE.rglob("*.py") if "__pycache__" not in p.parts}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The core modules `name` imports anywhere in its body (top level or inside functions).

    `import core.a.b` / `from core.a.b import x` reach core.a.b, and core.a too unless the
    importer lives in core.a (Python runs a package's __init__ before its submodules);
    `from core.a import b` reaches core.a.b when b is a module, else core.a."""
    is_pkg = path.name == "__init__.py"
    out: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {  # `if TYPE_CHECKING:` blocks never run
        id(n)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for stmt in block.body
        for n in ast.walk(stmt)
    }
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import
                base = name.split(".") if is_pkg else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            targets = [f"{mod}.{a.name}" if f"{mod}.{a.name}" in known else mod for a in node.names]
        for t in targets:
            if t != "core" and not t.startswith("core."):
                continue
            parts = t.split(".")
            for i in range(2, len(parts) + 1):
                mod = ".".join(parts[:i])
                inside = name == mod or name.startswith(mod + ".")
                if mod in known and (i == len(parts) or not inside):
                    out.add(mod)
    out.discard(name)
    return out


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def import_graph() -> dict[str, set[str]]:
    mods = _modules()
    return {name: _imports(name, path, set(mods)) for name, path in mods.items()}


def test_the_walker_sees_function_level_imports_and_cycles(tmp_path):
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    # a function-level import counts; one under `if TYPE_CHECKING:` does not
    churn_deps = _imports("core.x", _write_module(tmp_path), {"core.churn", "core.hub", "core.clv"})
    assert churn_deps == {"core.churn", "core.hub"}


def _write_module(folder: Path) -> Path:
    src = (
        "from typing import TYPE_CHECKING\n"
        "from core import hub\n"
        "if TYPE_CHECKING:\n    from core.clv import fit\n"
        "def f():\n    from core.churn import churn_kpis\n"
    )
    path = folder / "x.py"
    path.write_text(src, encoding="utf-8")
    return path


def test_no_import_cycle_in_core():
    cycles = _cycles(import_graph())
    assert cycles == [], "import cycles in core/: " + "; ".join(" <-> ".join(c) for c in cycles)


def test_model_imports_nothing_else_from_core():
    for name, deps in import_graph().items():
        if name.startswith("core.model"):
            assert all(d.startswith("core.model") for d in deps), (name, deps)


def test_no_module_over_500_lines():
    too_long = {}
    for name, path in _modules().items():
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > MAX_LINES and name not in KNOWN_LONG:
            too_long[name] = n
    assert too_long == {}, f"split these modules (over {MAX_LINES} lines): {too_long}"
    stale = [m for m in KNOWN_LONG if m in _modules() and _lines(m) <= MAX_LINES]
    assert stale == [], f"no longer over {MAX_LINES} lines: remove from KNOWN_LONG: {stale}"


def _lines(name: str) -> int:
    return len(_modules()[name].read_text(encoding="utf-8").splitlines())
