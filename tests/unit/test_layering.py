"""app/ (the core) and plugins/ never import widgets: import-linter cannot forbid a subpackage of an
external package (PySide6.QtWidgets), so this test reads every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _widget_imports(package: str) -> list[str]:
    bad = []
    for path in sorted((REPO / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            if any(
                n.startswith("PySide6.QtWidgets") or n.startswith("ui.") or n == "ui" for n in names
            ):
                bad.append(f"{path.relative_to(REPO)}:{node.lineno}")
    return bad


def test_core_imports_no_widgets_and_no_ui() -> None:
    assert _widget_imports("app") == []


def test_plugins_import_no_widgets_and_no_ui() -> None:
    assert _widget_imports("plugins") == []
