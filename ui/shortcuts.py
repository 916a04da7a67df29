"""Every one-click action has a keyboard shortcut: registered here, configurable, in a cheat sheet.

Shortcuts are window-wide, except those registered with a ``scope``: they fire only while the
keyboard focus is in that widget or its children. A key with no modifier that changes what is on
air (Space = 讲解选中商品) is scoped to the list it acts on, so it never fires while the operator
reads the comment list or types in a field (Qt lets text fields keep the plain keys they type)."""

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


class ShortcutConflict(ValueError):
    """A key asked for one action is already another's."""

    def __init__(self, action_id: str, key: str, other: str) -> None:
        super().__init__(f"{key} is already bound to {other}")
        self.action_id = action_id
        self.key = key
        self.other = other


class ShortcutRegistry(QObject):
    """Owns one window-wide QAction per one-click action; keys come from defaults + overrides."""

    def __init__(self, window: QWidget, overrides: dict[str, str] | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.overrides = dict(overrides or {})
        self.specs: dict[str, ActionSpec] = {}
        self.actions: dict[str, QAction] = {}

    def register(
        self,
        spec: ActionSpec,
        callback: Callable[[], None],
        *,
        enabled: bool = True,
        scope: QWidget | None = None,
    ) -> QAction:
        """One action for ``spec``; with ``scope`` its key works only while the focus is in
        ``scope`` (or its children), otherwise anywhere in the window."""
        if spec.id in self.actions:
            raise ValueError(f"shortcut action {spec.id!r} registered twice")
        action = QAction(tr(spec.label), self.window)
        action.setObjectName(f"action:{spec.id}")
        action.setShortcut(QKeySequence(self.key_for(spec.id, spec.default_key)))
        action.setEnabled(enabled)
        action.triggered.connect(lambda _checked=False: callback())
        if scope is None:
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            self.window.addAction(action)
        else:
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            scope.addAction(action)
        self.specs[spec.id] = spec
        self.actions[spec.id] = action
        return action

    def key_for(self, action_id: str, default: str = "") -> str:
        return self.overrides.get(action_id, default)

    def key(self, action_id: str) -> str:
        """The key bound to ``action_id`` now (portable text, "" for none)."""
        return self.actions[action_id].shortcut().toString()

    def default_key(self, action_id: str) -> str:
        return QKeySequence(self.specs[action_id].default_key).toString()

    def conflict_for(self, action_id: str, key: str) -> str | None:
        """The id of another action already bound to ``key`` (None: free, or no key)."""
        text = QKeySequence(key).toString()
        if not text:
            return None
        for aid, action in self.actions.items():
            if aid != action_id and action.shortcut().toString() == text:
                return aid
        return None

    def set_key(self, action_id: str, key: str) -> None:
        """Bind ``key`` ("" = no key) to the action at once. A key that another action already
        has is refused (:class:`ShortcutConflict`): one key never fires two actions."""
        text = QKeySequence(key).toString()
        other = self.conflict_for(action_id, text)
        if other is not None:
            raise ShortcutConflict(action_id, text, other)
        if text == self.default_key(action_id):
            self.overrides.pop(action_id, None)
        else:
            self.overrides[action_id] = text
        self.actions[action_id].setShortcut(QKeySequence(text))

    def reset(self, action_id: str) -> None:
        """Back to the default key (refused like :meth:`set_key` if another action took it)."""
        self.set_key(action_id, self.default_key(action_id))

    def label(self, action_id: str) -> str:
        return tr(self.specs[action_id].label)

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
