"""What the connected platform's adapter wants the operator to know, kept in view.

An adapter may have ``notes`` (plain text in the UI language, e.g. bilibili-web's "names are
masked because you are not logged in") and ``subscribe_notes(listener)``. :class:`NoteLine`, in
the main window's status bar, shows the latest note (「⚠ …」, the whole text and every earlier
note in its tool tip) for as long as the window lives; each new note is also said once through
the window's notifier (ui/notify.py, the one way to tell the operator). Hidden while there is
none. Plain text only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtWidgets import QWidget

from ui import theme
from ui.eliding_label import ElidingLabel
from ui.lifetime import unsubscribe_on_destroy
from ui.notify import Notifier

WIDTH = (220, 560)  # the line's narrowest and widest, in pixels: the health bar keeps its room


class NoteLine(ElidingLabel):
    def __init__(self, adapter: Any, notifier: Notifier, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("platformNotes")
        self.setStyleSheet(theme.text_style(theme.WARNING, bold=True) + " padding: 0 8px;")
        self.setMinimumWidth(WIDTH[0])
        self.setMaximumWidth(WIDTH[1])
        self.notifier = notifier
        self.notes: list[str] = [str(n) for n in getattr(adapter, "notes", None) or ()]
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

    def _show(self) -> None:
        self.setVisible(bool(self.notes))
        if self.notes:
            self.setText("⚠ " + self.notes[-1])

    def _elide(self) -> None:
        super()._elide()
        self.setToolTip("\n\n".join(getattr(self, "notes", ())))  # every note, whole
