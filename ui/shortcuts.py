"""Every one-click action has a keyboard shortcut: registered here, configurable, in a cheat sheet."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.i18n import tr


@dataclass
class ActionSpec:
    id: str  # stable id, used in settings.ui.shortcuts overrides, e.g. "product.next"
    label: str  # Chinese source text (translated with tr)
    default_key: str  # QKeySequence portable text, e.g. "Ctrl+Right", "F5"
    group: str  # section of the cheat sheet


class ShortcutRegistry(QObject):
    """Owns one window-wide QAction per one-click action; keys come from defaults + overrides."""

    def __init__(self, window: QWidget, overrides: dict[str, str] | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.overrides = dict(overrides or {})
        self.specs: dict[str, ActionSpec] = {}
        self.actions: dict[str, QAction] = {}

    def register(
        self, spec: ActionSpec, callback: Callable[[], None], *, enabled: bool = True
    ) -> QAction:
        if spec.id in self.actions:
            raise ValueError(f"shortcut action {spec.id!r} registered twice")
        action = QAction(tr(spec.label), self.window)
        action.setObjectName(f"action:{spec.id}")
        action.setShortcut(QKeySequence(self.key_for(spec.id, spec.default_key)))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setEnabled(enabled)
        action.triggered.connect(lambda _checked=False: callback())
        self.window.addAction(action)
        self.specs[spec.id] = spec
        self.actions[spec.id] = action
        return action

    def key_for(self, action_id: str, default: str = "") -> str:
        return self.overrides.get(action_id, default)

    def set_key(self, action_id: str, key: str) -> None:
        self.overrides[action_id] = key
        self.actions[action_id].setShortcut(QKeySequence(key))

    def conflicts(self) -> dict[str, list[str]]:
        """Key → action ids, for keys bound to more than one action."""
        seen: dict[str, list[str]] = {}
        for aid, action in self.actions.items():
            key = action.shortcut().toString()
            if key:
                seen.setdefault(key, []).append(aid)
        return {k: v for k, v in seen.items() if len(v) > 1}

    def rows(self) -> list[tuple[str, str, str]]:
        """(group, label, key) for the cheat sheet, in registration order."""
        return [
            (
                tr(spec.group),
                tr(spec.label),
                self.actions[aid].shortcut().toString(QKeySequence.SequenceFormat.NativeText),
            )
            for aid, spec in self.specs.items()
        ]


class CheatSheet(QDialog):
    def __init__(self, registry: ShortcutRegistry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("快捷键一览"))
        rows = registry.rows()
        table = QTableWidget(len(rows), 3, self)
        table.setHorizontalHeaderLabels([tr("分组"), tr("操作"), tr("快捷键")])
        for r, (group, label, key) in enumerate(rows):
            for c, text in enumerate((group, label, key)):
                table.setItem(r, c, QTableWidgetItem(text))
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.horizontalHeader().setStretchLastSection(True)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table = table
        layout = QVBoxLayout(self)
        layout.addWidget(table)
        self.resize(520, 560)
