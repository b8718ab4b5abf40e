"""The shape of views/: the modules pages share import one another without a cycle (imports
inside functions included) and never import a page (docs/ARCHITECTURE.md, "The app")."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

from views.pages import FILES

ROOT = Path(__file__).resolve().parents[2]
VIEWS = ROOT / "views"
PAGES = {Path(f).stem for f in FILES}


def _views_imported(path: Path) -> set[str]:
    """The views modules `path` imports anywhere in its body."""
    modules = {p.stem for p in VIEWS.glob("*.py")}
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module == "views":
            names = [f"views.{a.name}" for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            continue
        out |= {n.split(".")[1] for n in names if n.startswith("views.")} & modules
    out.discard(path.stem)
    return out


def test_the_pages_are_found():
    assert {"overview", "data", "churn", "glossary"} <= PAGES


def test_shared_modules_import_no_page_and_no_cycle():
    shared = {p.stem: p for p in VIEWS.glob("*.py") if p.stem not in PAGES | {"__init__"}}
    graph = {name: _views_imported(path) for name, path in shared.items()}
    assert {name: deps & PAGES for name, deps in graph.items() if deps & PAGES} == {}
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        raise AssertionError(f"import cycle in views/: {' -> '.join(exc.args[1])}") from None
    assert set(order) == set(shared)
