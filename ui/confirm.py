"""One way to ask the operator before a costly step: ``confirm(parent, …)``.

Guarantees, for every question LiveDesk asks (下播, closing while live, pushing flagged text):
- the buttons are named for what they do, in the UI language (「下播」/「取消」, never a bare
  Yes/No in English);
- the safe answer is the default and the Escape answer: Enter or Esc on a question never ends a
  broadcast or pushes anything;
- the text is plain text (it may quote user or product text), never rich text.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from ui.i18n import tr


def confirm_box(
    parent: QWidget | None, title: str, text: str, *, action: str, cancel: str = ""
) -> QMessageBox:
    """The question as a box (not shown yet): ``action`` names the button that goes ahead (already
    translated), ``cancel`` the one that does not (default 「取消」). Cancel is the default."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(title)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(text)
    go = box.addButton(action, QMessageBox.ButtonRole.AcceptRole)
    go.setObjectName("confirmAction")
    stop = box.addButton(cancel or tr("取消"), QMessageBox.ButtonRole.RejectRole)
    stop.setObjectName("confirmCancel")
    box.setDefaultButton(stop)
    box.setEscapeButton(stop)
    return box


def confirm(
    parent: QWidget | None, title: str, text: str, *, action: str, cancel: str = ""
) -> bool:
    """Ask and wait: True only when the operator chose ``action`` (see :func:`confirm_box`)."""
    box = confirm_box(parent, title, text, action=action, cancel=cancel)
    box.exec()
    clicked = box.clickedButton()
    return clicked is not None and clicked.objectName() == "confirmAction"
