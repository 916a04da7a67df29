"""What the connected platform's adapter wants the operator to know, kept in view.

An adapter may have ``notes`` (plain text in the UI language, e.g. bilibili-web's "names are
masked because you are not logged in") and ``subscribe_notes(listener)``. :class:`NoteLine`, a
line of its own across the main window under the live toolbar, shows the latest note whole
(「⚠ …」, wrapped where narrow; every note so far in its tool tip) for as long as the window
lives; each new note is also said once through the window's notifier (ui/notify.py, the one way to tell the operator). Hidden while there is
none. Plain text only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from ui import theme
from ui.lifetime import unsubscribe_on_destroy
from ui.notify import Notifier


class NoteLine(QLabel):
    def __init__(self, adapter: Any, notifier: Notifier, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("platformNotes")
        self.setStyleSheet(
            f"QLabel#platformNotes {{ background: {theme.WARNING_BG}; color: {theme.WARNING_DARK};"
            " font-weight: 600; padding: 6px 12px; }"
        )
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)  # the whole note, on two lines where the window is narrow
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.notifier = notifier
        self.notes: list[str] = [str(n) for n in getattr(adapter, "notes", None) or ()]
        self._set_shown: Callable[[bool], None] = self.setVisible
        self._show()
        for note in self.notes:
            notifier.warning(note)
        subscribe: Callable[[Callable[[str], None]], Callable[[], None]] | None = getattr(
            adapter, "subscribe_notes", None
        )
        if subscribe is not None:
            unsubscribe_on_destroy(self, subscribe(self._added))

    def _added(self, note: str) -> None:
        if not shiboken6.isValid(self):
            return
        self.notes.append(str(note))
        self._show()
        self.notifier.warning(str(note))

    def shown_by(self, set_visible: Callable[[bool], None]) -> None:
        """Show and hide through ``set_visible`` (the tool bar line holding it); the label itself
        stays shown inside it."""
        self.setVisible(True)
        self._set_shown = set_visible
        self.refresh()

    def refresh(self) -> None:
        """Shown while there is a note (again after a saved window layout was restored)."""
        self._show()

    def _show(self) -> None:
        self._set_shown(bool(self.notes))
        if self.notes:
            self.setText("⚠ " + " ".join(self.notes[-1].split()))
            self.setToolTip("\n\n".join(self.notes))  # every note so far
