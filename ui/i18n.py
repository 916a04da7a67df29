"""UI language: Simplified Chinese source strings, translated by a JSON catalog per language.

``tr("开播")`` returns the text in the current language. Source strings are the Chinese UI text,
so a missing translation still shows something a Chinese user reads. The English catalog lives in
resources/i18n/en.json; a test checks every ``tr("…")`` literal in ui/ has an entry.
(A JSON catalog instead of Qt .ts/.qm keeps the build free of lupdate/lrelease tooling.)
"""

from __future__ import annotations

import json
import logging
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
