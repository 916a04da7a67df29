"""The mouse wheel never changes a value that does not have focus.

Scrolling a panel with the wheel while the pointer passes over a spin box, a combo box or a slider
used to change that value silently (a coupon's quantity 100 → 97 mid-show). :class:`WheelGuard`,
installed once on the application, hands such a wheel event to the widget's parent instead (so
the panel scrolls as the operator meant) unless the value widget has keyboard focus — clicking
into it first and then wheeling still works.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDial,
    QSlider,
    QWidget,
)

# scroll bars are sliders too, but scrolling is what they are for
_VALUE_WIDGETS = (QAbstractSpinBox, QComboBox, QSlider, QDial)


class WheelGuard(QObject):
    """An application event filter: wheel over an unfocused value widget → its parent."""

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.Polish and isinstance(obj, _VALUE_WIDGETS):
            assert isinstance(obj, QWidget)
            if obj.focusPolicy() == Qt.FocusPolicy.WheelFocus:  # a wheel would focus it first
                obj.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            return False
        if kind != QEvent.Type.Wheel or not isinstance(obj, _VALUE_WIDGETS):
            return False
        assert isinstance(obj, QWidget)
        if obj.hasFocus():
            return False
        # a spin box's line edit is its child: its own wheel events come here as well.
        # Qt propagates only the window system's own events to parents, so walk up by hand
        # to the first ancestor that takes it (the scroll area's viewport, in a panel).
        assert isinstance(event, QWheelEvent)
        parent = obj.parentWidget()
        while parent is not None:
            pos = obj.mapTo(parent, event.position().toPoint()).toPointF()
            forwarded = QWheelEvent(
                pos,
                event.globalPosition(),
                event.pixelDelta(),
                event.angleDelta(),
                event.buttons(),
                event.modifiers(),
                event.phase(),
                event.inverted(),
                event.source(),
            )
            forwarded.setAccepted(False)
            if QApplication.sendEvent(parent, forwarded) and forwarded.isAccepted():
                break
            if parent.isWindow():
                break
            parent = parent.parentWidget()
        return True  # the value widget never sees it


_guard: WheelGuard | None = None


def install_wheel_guard(app: QApplication) -> WheelGuard:
    """Install the guard on ``app`` once (idempotent)."""
    global _guard
    if _guard is None:
        _guard = WheelGuard(app)
        app.installEventFilter(_guard)
    return _guard
