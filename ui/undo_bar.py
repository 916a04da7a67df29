"""The one undo bar: a short-lived dark bar over the bottom of a list, 「<what was done> · 撤销」.

Used after each price/stock edit in the product queue (「已改价 ¥399.00 → ¥359.00」) and after each
mute in the chat (「已禁言 张三 5 分钟」, with the note 「该用户本场已下单」).

Guarantees:
- it floats over its parent (never in a layout, so showing it moves nothing) and follows the
  parent's size while shown;
- it hides itself after ``seconds``; a newer offer replaces the one shown (and its undo);
- 撤销 calls the undo of the offer shown, once, and never takes the operator's keyboard focus;
- the text is plain text (it quotes nicknames and product titles), never HTML;
- it holds what the caller gave it (a callable over plain data), never a model index.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from ui import theme
from ui.i18n import tr

STYLE = (
    f"#undoBar {{ background: {theme.TOAST_BG}; border-radius: 6px; }}"
    f"#undoBar QLabel {{ color: {theme.TOAST_TEXT}; font-weight: 600; }}"
    f"#undoBar QLabel#undoBarNote {{ color: {theme.TOAST_NOTE}; }}"
    f"#undoBar QPushButton {{ color: {theme.TOAST_ACTION}; background: transparent;"
    f" border: 1px solid {theme.TOAST_ACTION}; border-radius: 4px; padding: 2px 10px;"
    " font-weight: 700; }"
)


class UndoBar(QFrame):
    """``offer(text, undo)`` shows the bar; ``bottom`` is the room left under it (the parent's
    last row of controls stays visible)."""

    def __init__(self, parent: QWidget, seconds: float, *, bottom: int = 8) -> None:
        super().__init__(parent)
        self.setObjectName("undoBar")
        self.setStyleSheet(STYLE)
        self.bottom = bottom
        self.label = QLabel(self)
        self.label.setObjectName("undoBarText")
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.note = QLabel(self)
        self.note.setObjectName("undoBarNote")
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.note.hide()
        self.button = QPushButton(tr("撤销"), self)
        self.button.setObjectName("undoBarButton")
        self.button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # never steals the operator's focus
        self.button.clicked.connect(self._undo)
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 6, 8, 6)
        row.addWidget(self.label)
        row.addWidget(self.note)
        row.addStretch(1)
        row.addWidget(self.button)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(int(seconds * 1000))
        self._timer.timeout.connect(self.hide)
        self._on_undo: Callable[[], None] | None = None
        parent.installEventFilter(self)
        self.hide()

    def offer(self, text: str, undo: Callable[[], None], *, note: str = "", key: str = "") -> None:
        """Show 「<text> <note> · 撤销 (<key>)」 for the bar's time; 撤销 then calls ``undo``."""
        self.label.setText(text)
        self.note.setText(note)
        self.note.setVisible(bool(note))
        self.button.setText(tr("撤销 ({key})").format(key=key) if key else tr("撤销"))
        self._on_undo = undo
        self.place()
        self.show()
        self.raise_()
        self._timer.start()

    def withdraw(self) -> None:
        """Hide the bar and forget its undo (the undo was done another way, e.g. a shortcut)."""
        self._on_undo = None
        self._timer.stop()
        self.hide()

    def place(self) -> None:
        """Across the bottom of the parent, ``bottom`` pixels above its lower edge."""
        parent = self.parentWidget()
        if parent is None:
            return
        self.adjustSize()
        width = max(120, parent.width() - 16)
        height = self.sizeHint().height()
        self.setGeometry(8, parent.height() - height - self.bottom, width, height)

    def _undo(self) -> None:
        on_undo = self._on_undo
        self.withdraw()
        if on_undo is not None:
            on_undo()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and self.isVisible():
            self.place()
        return False
