"""The console offers only what the connected platform can do, and says why the rest is off.

A platform declares its capabilities (app/platform/capabilities.py; ``LiveRoom.can()`` /
``why_not()``). The console never offers a control that could only fail:

- a whole panel that needs a capability the platform lacks is replaced by :class:`Unavailable`,
  a calm, readable note giving the platform's reason (ui/panels.py ``PanelSpec.needs``;
  :func:`build`);
- a single action is disabled with the reason as its tool tip (:func:`explain_disabled`), and its
  key, pressed anyway, does nothing but say why in the status line (:func:`explain_key`) — never
  an error, never a request to the platform.

Guarantees: reasons are in the operator's language and follow a live language switch (each owner
re-reads ``why_not()`` in its ``retranslate()``; ui/i18n.py calls it); user text is plain text.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from app.live.room import LiveRoom
from app.platform.capabilities import Capability
from ui import theme
from ui.i18n import tr
from ui.notify import Notifier

__all__ = ["Unavailable", "explain_disabled", "explain_key", "missing", "reasons"]


def missing(room: LiveRoom, needs: Iterable[Capability]) -> list[Capability]:
    """The capabilities of ``needs`` the room's platform lacks, in order."""
    return [c for c in needs if not room.can(c)]


def reasons(room: LiveRoom, needs: Iterable[Capability]) -> list[str]:
    """Why the platform lacks each missing capability of ``needs`` (no repeats), in the UI
    language."""
    out: list[str] = []
    for c in needs:
        why = room.why_not(c)
        if why and why not in out:
            out.append(why)
    return out


class Unavailable(QFrame):
    """What a panel shows instead of its controls when the platform cannot do what they do."""

    def __init__(
        self,
        room: LiveRoom,
        needs: Iterable[Capability],
        title: str = "",
        parent: QWidget | None = None,
    ) -> None:
        """``title``: the panel's Chinese source title (translated here)."""
        super().__init__(parent)
        self.room = room
        self.needs = tuple(needs)
        self.title = title
        self.setObjectName("unavailable")
        self.heading = QLabel(self)
        self.heading.setObjectName("unavailableHeading")
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.heading.setStyleSheet(theme.text_style(theme.FADED, bold=True))
        self.heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.heading.setWordWrap(True)  # a narrow dock wraps it, never scrolls sideways
        self.text = QLabel(self)
        self.text.setObjectName("unavailableReason")
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setWordWrap(True)
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text.setStyleSheet(theme.text_style(theme.FADED))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.addStretch(1)
        layout.addWidget(self.heading)
        layout.addWidget(self.text)
        layout.addStretch(2)
        self.retranslate()

    def reasons(self) -> list[str]:
        return reasons(self.room, self.needs)

    def retranslate(self) -> None:
        """Re-read the reasons in the language of the moment (ui/i18n.py calls this)."""
        name = tr(self.title) if self.title else ""
        self.heading.setText(
            tr("「{panel}」在当前平台不可用").format(panel=name) if name else tr("当前平台不可用")
        )
        self.text.setText("\n".join(self.reasons()))


def explain_disabled(room: LiveRoom, action: QAction | QWidget, needs: Capability) -> bool:
    """Disable ``action`` with the reason as its tool tip when the platform lacks ``needs``.
    Returns whether the platform has it (the caller keeps the control's other rules)."""
    why = room.why_not(needs)
    if why is None:
        return True
    action.setEnabled(False)
    action.setToolTip(why)
    return False


class _Explainer(QWidget):
    """Invisible: owns the explaining key of one action and re-reads its reason on a language
    switch (ui/i18n.py calls ``retranslate()`` on widgets)."""

    def __init__(self, room: LiveRoom, action: QAction, needs: Capability, host: QWidget) -> None:
        super().__init__(host)
        self.hide()
        self.room, self.action, self.needs = room, action, needs
        self.key: QShortcut | None = None

    def retranslate(self) -> None:
        explain_disabled(self.room, self.action, self.needs)


def explain_key(
    room: LiveRoom, notifier: Notifier, action: QAction, needs: Capability, host: QWidget
) -> QShortcut | None:
    """When the platform lacks ``needs``: ``action`` (a registered shortcut action) stays off,
    with the reason as its tool tip, and its key, pressed anyway, says why once in the status
    line (nothing else happens). The key follows the action's (rebound in 快捷键设置 → the same
    key explains). ``host``: the widget the key works in (the window, or the panel for a scoped
    key). None when the platform has the capability."""
    if room.can(needs):
        return None
    holder = _Explainer(room, action, needs, host)
    explain_disabled(room, action, needs)
    key = QShortcut(action.shortcut(), host)
    holder.key = key
    key.setContext(action.shortcutContext())
    key.setObjectName(f"explain:{action.objectName()}")

    def say() -> None:
        why = room.why_not(needs)
        if why:
            notifier.info(why)

    def follow() -> None:
        if key.key() != action.shortcut():
            key.setKey(action.shortcut() or QKeySequence())
        if room.why_not(needs) is not None and action.isEnabled():
            action.setEnabled(False)  # whatever else would enable it: the platform cannot

    key.activated.connect(say)
    action.changed.connect(follow)
    return key
