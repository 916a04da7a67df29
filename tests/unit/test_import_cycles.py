"""No import circle anywhere in app/, ui/, plugins/: every import counts, the ones inside functions
and under ``if TYPE_CHECKING:`` too (a circle hidden there is still two modules that cannot be
understood, tested or moved one without the other). The graph is grimp's, as import-linter's."""

from __future__ import annotations

import importlib.util
import itertools
import sys
from pathlib import Path

import grimp

REPO = Path(__file__).resolve().parents[2]

# Circles allowed: none (ui/context.py's composition root removed the last one). Never add to
# this set: fix a new circle instead.
KNOWN_CIRCLE: frozenset[str] = frozenset()


def _strongly_connected(graph: grimp.ImportGraph) -> list[list[str]]:
    """Tarjan's algorithm, iterative: the groups of modules that import each other in a circle
    (single modules only when they import themselves)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1 or graph.direct_import_exists(importer=node, imported=node):
                    groups.append(sorted(group))
    return groups


def _one_circle(graph: grimp.ImportGraph, group: list[str]) -> str:
    """The shortest way from the group's first module back to itself, with file lines."""
    start, members = group[0], set(group)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for module in frontier:
            for nxt in sorted(graph.find_modules_directly_imported_by(module) & members):
                if nxt == start:
                    return _describe(graph, [*paths[module], start])
                if nxt not in paths:
                    paths[nxt] = [*paths[module], nxt]
                    following.append(nxt)
        frontier = following
    return " ↔ ".join(group)


def _describe(graph: grimp.ImportGraph, circle: list[str]) -> str:
    steps = []
    for importer, imported in itertools.pairwise(circle):
        details = graph.get_import_details(importer=importer, imported=imported)
        where = f" (line {details[0]['line_number']})" if details else ""
        steps.append(f"  {importer}{where} → {imported}")
    return "\n".join(steps)


def test_the_graph_is_this_checkouts() -> None:
    spec = importlib.util.find_spec("app")
    assert spec is not None and spec.origin is not None
    assert Path(spec.origin).resolve().is_relative_to(REPO), spec.origin


def test_no_import_circle_in_app_ui_plugins() -> None:
    graph = grimp.build_graph("app", "ui", "plugins", cache_dir=None)
    assert "app.live.room" in graph.modules  # the walk saw the code base
    circles = [g for g in _strongly_connected(graph) if not set(g) <= KNOWN_CIRCLE]
    report = "\n\n".join(_one_circle(graph, g) for g in circles)
    assert not circles, f"import circles:\n{report}"


def test_the_walk_finds_a_circle_hidden_in_a_function_or_type_checking(tmp_path: Path) -> None:
    """The checker itself: a circle made only of a function-level import and a TYPE_CHECKING
    import is found and printed."""
    pkg = tmp_path / "circled"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from circled import b\n    return b\n")
    (pkg / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from circled import c\n"
    )
    (pkg / "c.py").write_text("import circled.a\n")
    (pkg / "free.py").write_text("import circled.a\n")
    sys.path.insert(0, str(tmp_path))
    try:
        graph = grimp.build_graph("circled", cache_dir=None)
    finally:
        sys.path.remove(str(tmp_path))
    groups = _strongly_connected(graph)
    assert groups == [["circled.a", "circled.b", "circled.c"]]
    text = _one_circle(graph, groups[0])
    assert text.splitlines() == [
        "  circled.a (line 2) → circled.b",
        "  circled.b (line 3) → circled.c",
        "  circled.c (line 1) → circled.a",
    ]
