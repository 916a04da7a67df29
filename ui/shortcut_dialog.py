"""Shortcut settings: every registered one-click action with its key, changed in place.

A change applies at once (the window's action gets the new key) and is saved to
``settings.ui.shortcuts`` (only keys that differ from the default are stored). A key another
action already has is refused and the row keeps its key; keys that clash in a hand-edited
settings file are flagged in red until one of them is changed.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtGui import QBrush, QColor, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QKeySequenceEdit,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.settings import UiSettings
from ui import theme
from ui.i18n import tr
from ui.shortcuts import ShortcutConflict, ShortcutRegistry

CONFLICT = QColor(theme.DANGER_TINT)


class ShortcutDialog(QDialog):
    def __init__(
        self,
        registry: ShortcutRegistry,
        settings: UiSettings,
        save: Callable[[], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("shortcutDialog")
        self.setWindowTitle(tr("快捷键设置"))
        self.registry = registry
        self.settings = settings
        self.save = save
        self.ids = list(registry.specs)
        self.edits: dict[str, QKeySequenceEdit] = {}
        hint = QLabel(tr("点击快捷键一栏后按下新的组合键；已被其他操作占用的键不会生效。"), self)
        hint.setWordWrap(True)
        table = QTableWidget(len(self.ids), 4, self)
        table.setHorizontalHeaderLabels([tr("分组"), tr("操作"), tr("快捷键"), ""])
        table.verticalHeader().hide()
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for row, aid in enumerate(self.ids):
            spec = registry.specs[aid]
            table.setItem(row, 0, QTableWidgetItem(tr(spec.group)))
            table.setItem(row, 1, QTableWidgetItem(registry.label(aid)))
            edit = QKeySequenceEdit(QKeySequence(registry.key(aid)), table)
            edit.setObjectName(f"key:{aid}")
            edit.setMaximumSequenceLength(1)
            edit.setClearButtonEnabled(True)
            edit.editingFinished.connect(lambda aid=aid: self._edited(aid))
            # the clear button empties the key; a new recording empties it for an instant too,
            # so an empty key is applied only if it is still empty once the key press is over
            edit.keySequenceChanged.connect(
                lambda seq, aid=aid: (
                    QTimer.singleShot(0, self, lambda: self._cleared(aid))
                    if seq.isEmpty()
                    else None
                )
            )
            table.setCellWidget(row, 2, edit)
            reset = QPushButton(tr("默认"), table)
            reset.setObjectName(f"reset:{aid}")
            reset.setToolTip(tr("恢复默认：{key}").format(key=self._native(spec.default_key)))
            reset.clicked.connect(lambda _c=False, aid=aid: self.reset(aid))
            table.setCellWidget(row, 3, reset)
            self.edits[aid] = edit
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table = table
        self.message = QLabel(self)
        self.message.setObjectName("shortcutMessage")
        self.message.setWordWrap(True)
        reset_all = QPushButton(tr("全部恢复默认"), self)
        reset_all.setObjectName("shortcutResetAll")
        reset_all.clicked.connect(self.reset_all)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(reset_all)
        bottom.addStretch(1)
        bottom.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(table, 1)
        layout.addWidget(self.message)
        layout.addLayout(bottom)
        self._flag_conflicts()
        self.resize(640, 620)

    @staticmethod
    def _native(key: str) -> str:
        return QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText) or tr("无")

    # --- changing keys -------------------------------------------------------------------------
    def set_key(self, aid: str, key: str) -> bool:
        """Bind ``key`` to ``aid`` as if typed in the row; False (and a message) when refused."""
        try:
            self.registry.set_key(aid, key)
        except ShortcutConflict as c:
            self._show_row(aid)
            self._say(
                "error",
                tr("「{key}」已用于「{other}」，未更改").format(
                    key=self._native(c.key), other=self.registry.label(c.other)
                ),
            )
            return False
        self._saved(aid)
        return True

    def _edited(self, aid: str) -> None:
        key = self.edits[aid].keySequence().toString()
        if key == self.registry.key(aid):
            return
        self.set_key(aid, key)

    def _cleared(self, aid: str) -> None:
        if self.edits[aid].keySequence().isEmpty():
            self._edited(aid)

    def reset(self, aid: str) -> bool:
        return self.set_key(aid, self.registry.default_key(aid))

    def reset_all(self) -> None:
        for aid in self.ids:  # free every key first: defaults never clash among themselves
            self.registry.set_key(aid, "")
        for aid in self.ids:
            try:
                self.registry.reset(aid)
            except ShortcutConflict:
                pass  # two defaults clash (a bug in a panel): the later one stays without a key
        for aid in self.ids:
            self._show_row(aid)
        self._store()
        self._say("info", tr("已恢复全部默认快捷键"))

    def _saved(self, aid: str) -> None:
        self._show_row(aid)
        self._store()
        self._say(
            "info",
            tr("「{action}」的快捷键已改为 {key}，已保存").format(
                action=self.registry.label(aid), key=self._native(self.registry.key(aid))
            ),
        )

    def _store(self) -> None:
        self.settings.shortcuts = dict(self.registry.overrides)
        self.save()
        self._flag_conflicts()

    # --- showing -----------------------------------------------------------------------------
    def _show_row(self, aid: str) -> None:
        edit = self.edits[aid]
        edit.blockSignals(True)
        edit.setKeySequence(QKeySequence(self.registry.key(aid)))
        edit.blockSignals(False)

    def _flag_conflicts(self) -> None:
        clashing = {aid for ids in self.registry.conflicts().values() for aid in ids}
        for row, aid in enumerate(self.ids):
            bad = aid in clashing
            for col in (0, 1):
                item = self.table.item(row, col)
                if item is not None:
                    item.setBackground(QBrush(CONFLICT) if bad else QBrush())
                    item.setToolTip(tr("与其他操作的快捷键冲突") if bad else "")
        if clashing:
            self._say("error", tr("红色的操作快捷键相同，请修改其中一个"))

    def _say(self, level: str, text: str) -> None:
        self.message.setStyleSheet(theme.text_style(theme.DANGER if level == "error" else theme.OK))
        self.message.setText(text)

    def conflicting_rows(self) -> list[str]:
        """Action ids whose rows are flagged red now."""
        out = []
        for row, aid in enumerate(self.ids):
            item = self.table.item(row, 1)
            if item is not None and item.background().color() == CONFLICT:
                out.append(aid)
        return out
