"""A short-lived toast over the bottom of the queue: 「已改价 ¥399.00 → ¥359.00 · 撤销」.

It floats over its parent (never in a layout, so showing it moves nothing), hides itself after
``seconds``, and its 撤销 button emits :attr:`UndoToast.undo`. Text is plain text.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from app.live.price_guard import UNDO_SECONDS
from ui.i18n import tr


class UndoToast(QFrame):
    undo = Signal()

    def __init__(self, parent: QWidget, seconds: float = UNDO_SECONDS) -> None:
        super().__init__(parent)
        self.setObjectName("undoToast")
        self.setStyleSheet(
            "#undoToast { background:#263238; border-radius:6px; }"
            "#undoToast QLabel { color:white; font-weight:600; }"
            "#undoToast QPushButton { color:#ffd54f; font-weight:700; border:1px solid #ffd54f;"
            " border-radius:4px; padding:2px 10px; background:transparent; }"
        )
        self.label = QLabel(self)
        self.label.setObjectName("undoToastText")
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.button = QPushButton(tr("撤销"), self)
        self.button.setObjectName("undoToastButton")
        self.button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # never steals the operator's focus
        self.button.clicked.connect(self._clicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(int(seconds * 1000))
        self._timer.timeout.connect(self.hide)
        parent.installEventFilter(self)
        self.hide()

    def show_text(self, text: str, key: str = "") -> None:
        """Show 「<text> · 撤销」 (with the undo key as a hint) for the toast's time."""
        self.label.setText(text)
        self.button.setText(tr("撤销 ({key})").format(key=key) if key else tr("撤销"))
        self._place()
        self.show()
        self.raise_()
        self._timer.start()

    def _clicked(self) -> None:
        self.hide()
        self.undo.emit()

    def _place(self) -> None:
        parent = self.parentWidget()
        if parent is None:
            return
        self.adjustSize()
        width = max(120, parent.width() - 16)
        height = self.sizeHint().height()
        self.setGeometry(8, parent.height() - height - 8, width, height)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and self.isVisible():
            self._place()
        return False
