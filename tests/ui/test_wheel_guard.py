"""Scrolling a panel over a spin box or a combo box never changes its value (a coupon's quantity
changed 100 → 97 while the operator scrolled): the wheel scrolls the panel unless the value has
focus."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from pytestqt.qtbot import QtBot

from ui.wheel_guard import install_wheel_guard


def _wheel(widget: QWidget, steps: int = -3) -> None:
    """A real wheel event (three notches down) over the middle of ``widget``."""
    local = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(
        local,
        QPointF(widget.mapToGlobal(local.toPoint())),
        QPoint(),
        QPoint(0, 120 * steps),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def _panel(qtbot: QtBot) -> tuple[QScrollArea, QSpinBox, QComboBox]:
    area = QScrollArea()
    qtbot.addWidget(area)
    inner = QWidget()
    layout = QVBoxLayout(inner)
    spin = QSpinBox()
    spin.setRange(0, 1000)
    spin.setValue(100)
    combo = QComboBox()
    combo.addItems(["满减", "折扣", "无门槛"])
    layout.addWidget(spin)
    layout.addWidget(combo)
    layout.addSpacing(3000)  # a long panel: there is something to scroll
    area.setWidget(inner)
    area.resize(300, 300)
    area.show()
    qtbot.waitExposed(area)
    return area, spin, combo


def test_the_wheel_scrolls_the_panel_and_leaves_unfocused_values_alone(qtbot: QtBot) -> None:
    install_wheel_guard(QApplication.instance())  # type: ignore[arg-type]
    area, spin, combo = _panel(qtbot)
    area.setFocus()
    for widget in (spin, spin.findChild(QWidget, "qt_spinbox_lineedit"), combo):
        assert widget is not None
        _wheel(widget)
    assert spin.value() == 100 and combo.currentIndex() == 0
    assert not spin.hasFocus()  # the wheel did not take focus to get around the guard
    assert area.verticalScrollBar().value() > 0  # the panel scrolled instead


def test_a_focused_value_still_takes_the_wheel(qtbot: QtBot) -> None:
    install_wheel_guard(QApplication.instance())  # type: ignore[arg-type]
    _area, spin, _combo = _panel(qtbot)
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus)
    _wheel(spin, steps=-3)
    assert spin.value() == 97
