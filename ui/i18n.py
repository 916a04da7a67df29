"""UI language: the catalog lives in :mod:`app.i18n` (the core translates its own messages too).

:func:`use_qt_translations` gives Qt's own widgets (the buttons of standard dialogs, the context
menus of text fields, file dialogs) the same language, from the translations PySide6 ships.

:func:`retranslate` switches a live window to another language without a restart: it walks the
widget tree and re-translates every static text that came from the catalog (labels, buttons, group
boxes, spin box suffixes, progress bar formats, tab bars, actions and menus, dock and window
titles, tabs, placeholders, tool tips, combo box items, item-widget table headers). The source text
of each is remembered on the object the first time it is seen (a dynamic property per attribute),
so several Chinese sources sharing one translation switch back exactly. A text that is not a
catalog entry (data, formatted messages) is left alone: its owner re-renders it on its next update.
Objects with a ``retranslate()`` method (models with cached headers, item delegates with cached
badges, panels with formatted labels) are called after the walk. Nothing is rebuilt, so rooms,
streams, recorders, the layout and open dialogs keep running.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QObject, QTranslator
from PySide6.QtGui import QAction, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDoubleSpinBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QProgressBar,
    QSpinBox,
    QTabBar,
    QTableWidget,
    QTabWidget,
    QTextEdit,
    QWidget,
)

from app.i18n import LANGUAGES, language, load_catalog, localize, set_language, tr

__all__ = [
    "LANGUAGES",
    "language",
    "load_catalog",
    "localize",
    "retranslate",
    "set_language",
    "switch_language",
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


class _Translator:
    """Maps a text shown in the previous language back to its Chinese source, then forward."""

    def __init__(self, previous: str) -> None:
        old = load_catalog(previous)
        self._old = old
        self._back: dict[str, str] = {}
        for src, shown in old.items():
            self._back.setdefault(shown, src)
        for src in load_catalog("en"):  # Chinese sources shown as themselves in zh_CN
            self._back.setdefault(src, src)
        self._known = set(self._back)

    def source(self, obj: QObject, key: str, shown: str) -> str | None:
        prop = f"i18n_{key}"
        remembered = obj.property(prop)
        if isinstance(remembered, str) and self._old.get(remembered, remembered) == shown:
            return remembered
        src = self._back.get(shown)
        if src is None and shown != "" and shown in self._known:
            src = shown
        if src is not None:
            obj.setProperty(prop, src)
        return src

    def apply(
        self, obj: QObject, key: str, get: Callable[[], str], put: Callable[[str], None]
    ) -> None:
        shown = get()
        if not shown:
            return
        src = self.source(obj, key, shown)
        if src is not None:
            new = tr(src)
            if new != shown:
                put(new)


def _widget(t: _Translator, w: QWidget) -> None:
    t.apply(w, "title", w.windowTitle, w.setWindowTitle)
    t.apply(w, "tip", w.toolTip, w.setToolTip)
    if isinstance(w, QLabel):
        t.apply(w, "text", w.text, w.setText)
    elif isinstance(w, QAbstractButton):
        t.apply(w, "text", w.text, w.setText)
    elif isinstance(w, QGroupBox):
        t.apply(w, "text", w.title, w.setTitle)
    elif isinstance(w, QLineEdit | QPlainTextEdit | QTextEdit):
        t.apply(w, "placeholder", w.placeholderText, w.setPlaceholderText)
    elif isinstance(w, QComboBox):
        for i in range(w.count()):
            t.apply(w, f"item{i}", partial(w.itemText, i), partial(w.setItemText, i))
    elif isinstance(w, QTabWidget | QTabBar):
        for i in range(w.count()):
            t.apply(w, f"tab{i}", partial(w.tabText, i), partial(w.setTabText, i))
    elif isinstance(w, QProgressBar):
        t.apply(w, "format", w.format, w.setFormat)
    elif isinstance(w, QSpinBox | QDoubleSpinBox):
        t.apply(w, "suffix", w.suffix, w.setSuffix)
        t.apply(w, "prefix", w.prefix, w.setPrefix)
    if isinstance(w, QTableWidget):
        for c in range(w.columnCount()):
            item = w.horizontalHeaderItem(c)
            if item is not None:
                t.apply(w, f"head{c}", item.text, item.setText)
    elif isinstance(w, QAbstractItemView):
        model = w.model()
        if isinstance(model, QStandardItemModel):
            for c in range(model.columnCount()):
                cell = model.horizontalHeaderItem(c)
                if cell is not None:
                    t.apply(model, f"head{c}", cell.text, cell.setText)
    if isinstance(w, QMenu):
        t.apply(w, "title", w.title, w.setTitle)
    for action in w.actions():
        t.apply(action, "text", action.text, action.setText)
        t.apply(action, "tip", action.toolTip, action.setToolTip)
        t.apply(action, "status", action.statusTip, action.setStatusTip)


def retranslate(roots: list[QWidget], previous: str) -> int:
    """Re-translate the static texts under ``roots`` from ``previous`` to the current language,
    then call ``retranslate()`` on every object that has one. Returns how many were called."""
    t = _Translator(previous)
    seen: set[int] = set()
    hooks: dict[int, Callable[[], None]] = {}
    for root in roots:
        for w in [root, *root.findChildren(QWidget)]:
            if id(w) in seen:
                continue
            seen.add(id(w))
            _widget(t, w)
            for obj in [w, *_models(w)]:
                hook = getattr(obj, "retranslate", None)
                if callable(hook):
                    hooks.setdefault(id(obj), hook)
        for action in root.findChildren(QAction):
            t.apply(action, "text", action.text, action.setText)
            t.apply(action, "tip", action.toolTip, action.setToolTip)
    for hook in hooks.values():
        hook()
    return len(hooks)


def _models(w: QWidget) -> list[QObject]:
    """The model (and its source model) and the item delegate of a view: they may cache texts."""
    if not isinstance(w, QAbstractItemView):
        return []
    found: list[QObject] = [w.itemDelegate()]
    model = w.model()
    if model is not None:
        found.append(model)
        source = getattr(model, "sourceModel", None)
        if callable(source) and source() is not None:
            found.append(source())
    return found


def switch_language(code: str) -> str:
    """Switch the whole running application to ``code``: the catalog, Qt's own translations and
    every open top-level window (dialogs included). Returns the previous language."""
    previous = language()
    set_language(code)
    app = QApplication.instance()
    if isinstance(app, QApplication):
        use_qt_translations(app)
        retranslate([w for w in app.topLevelWidgets() if isinstance(w, QWidget)], previous)
    return previous
