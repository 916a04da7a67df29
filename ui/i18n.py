"""UI language: the catalog lives in :mod:`app.i18n` (the core translates its own messages too).

:func:`use_qt_translations` gives Qt's own widgets (the buttons of standard dialogs, the context
menus of text fields, file dialogs) the same language, from the translations PySide6 ships.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from app.i18n import LANGUAGES, language, load_catalog, localize, set_language, tr

__all__ = [
    "LANGUAGES",
    "language",
    "load_catalog",
    "localize",
    "set_language",
    "tr",
    "use_qt_translations",
]

log = logging.getLogger(__name__)
_installed: list[QTranslator] = []  # kept alive while installed


def use_qt_translations(app: QCoreApplication, code: str | None = None) -> bool:
    """Install Qt's own translations for ``code`` (default: the UI language) on ``app``, replacing
    any installed before. English needs none (Qt's source language). False when Qt ships none."""
    code = code or language()
    for old in _installed:
        app.removeTranslator(old)
    _installed.clear()
    if code == "en":
        return True
    path = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    translator = QTranslator(app)
    if not translator.load(QLocale(code), "qtbase", "_", path):
        log.warning("Qt's own translations for %s not found in %s", code, path)
        return False
    app.installTranslator(translator)
    _installed.append(translator)
    return True
