"""UI language: Simplified Chinese source strings, translated by a JSON catalog per language.

``tr("开播")`` returns the text in the current language. Source strings are the Chinese UI text,
so a missing translation still shows something a Chinese user reads. The English catalog lives in
resources/i18n/en.json; a test checks every ``tr("…")`` literal in ui/ and app/ has an entry.
It lives in the core because messages the core makes for an operator (OBS, camera and platform
errors) are translated where they are made; ``ui.i18n`` re-exports it for the widgets.
(A JSON catalog instead of Qt .ts/.qm keeps the build free of lupdate/lrelease tooling.)
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

log = logging.getLogger(__name__)

CATALOG_DIR = Path(__file__).resolve().parent.parent / "resources" / "i18n"
LANGUAGES = {"zh_CN": "简体中文", "en": "English"}

_catalog: dict[str, str] = {}
_language = "zh_CN"


def load_catalog(language: str) -> dict[str, str]:
    if language == "zh_CN":
        return {}
    path = CATALOG_DIR / f"{language}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("translation catalog %s unreadable: %s", path, exc)
        return {}
    return {str(k): str(v) for k, v in data.items()}


def set_language(language: str) -> None:
    global _catalog, _language
    _language = language if language in LANGUAGES else "zh_CN"
    _catalog = load_catalog(_language)


def language() -> str:
    return _language


def tr(text: str) -> str:
    return _catalog.get(text, text)


_CJK = re.compile(r"[\u4e00-\u9fff]")


def _english_gist(message: str) -> str | None:
    """The trailing "(…)" of "中文说明 (English gist)", nested parentheses allowed."""
    text = message.rstrip()
    if not text.endswith(")"):
        return None
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(text[i], 0)
        if depth == 0:
            en, zh = text[i + 1 : -1].strip(), text[:i]
            if en and _CJK.search(zh) and not _CJK.search(en):
                return en[:1].upper() + en[1:]
            return None
    return None


def localize(message: str) -> str:
    """A message the core or a platform made, in the UI language.

    Catalog entries win. Messages written as "中文说明 (English gist)" — platform and OBS errors —
    show their English part in the English UI and stay whole in Chinese.
    """
    if message in _catalog:
        return _catalog[message]
    if _language != "zh_CN":
        return _english_gist(message) or message
    return message
