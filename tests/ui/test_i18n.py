"""English is available: every tr("…") string in ui/ has an English translation, and it is used."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from ui import i18n

REPO = Path(__file__).resolve().parents[2]


def _tr_literals() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted((REPO / "ui").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "tr"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.setdefault(node.args[0].value, f"{path.relative_to(REPO)}:{node.lineno}")
    return found


def test_every_ui_string_has_an_english_translation() -> None:
    catalog = json.loads((REPO / "resources/i18n/en.json").read_text(encoding="utf-8"))
    missing = {text: where for text, where in _tr_literals().items() if text not in catalog}
    assert not missing, "untranslated UI strings:\n" + "\n".join(
        f"{w}: {t}" for t, w in missing.items()
    )


def test_translations_keep_their_placeholders() -> None:
    catalog = json.loads((REPO / "resources/i18n/en.json").read_text(encoding="utf-8"))
    import string

    def fields(s: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(s) if f is not None}

    bad = {k: v for k, v in catalog.items() if fields(k) != fields(v)}
    assert not bad, f"placeholders differ: {bad}"


def test_switching_language_changes_what_tr_returns() -> None:
    try:
        i18n.set_language("en")
        assert i18n.tr("开播") == "Go live"
        i18n.set_language("zh_CN")
        assert i18n.tr("开播") == "开播"
    finally:
        i18n.set_language("zh_CN")
