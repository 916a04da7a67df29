"""Small pieces the marketing panels share: the rows list, money inputs, and the compliance check of
operator-written text (flagged inline while typing; asked with the one compliance dialog before
pushing). Actions run through :class:`ui.notify.OneAtATime` (a double click never sends twice)."""

from __future__ import annotations

from PySide6.QtWidgets import QDoubleSpinBox, QFrame, QScrollArea, QVBoxLayout, QWidget

from app.compliance import check
from ui.compliance_dialog import confirm_push
from ui.i18n import localize

GROUP = "营销"  # the cheat sheet's group for the marketing panels' shortcuts


def row_list(parent: QWidget) -> tuple[QVBoxLayout, QScrollArea]:
    """A frameless scrolling list of rows (coupons issued, flash sales run): its layout, ending
    in a stretch (insert rows above it), and the scroll area to put in the panel."""
    host = QWidget(parent)
    rows = QVBoxLayout(host)
    rows.setContentsMargins(0, 0, 0, 0)
    rows.addStretch(1)
    scroll = QScrollArea(parent)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setWidget(host)
    return rows, scroll


def yuan_spin(
    parent: QWidget, value_cents: int, *, maximum_yuan: float = 1_000_000.0
) -> QDoubleSpinBox:
    spin = QDoubleSpinBox(parent)
    spin.setDecimals(2)
    spin.setPrefix("¥")
    spin.setRange(0.0, maximum_yuan)
    spin.setValue(value_cents / 100)
    spin.setGroupSeparatorShown(True)
    return spin


def cents_of(spin: QDoubleSpinBox) -> int:
    return round(spin.value() * 100)


def compliance_problems(text: str) -> str:
    """'' when clean; otherwise the terms hit and why, as plain text for the operator."""
    hits = check(text)
    if not hits:
        return ""
    return "；".join(f"「{text[h.start : h.end]}」{localize(h.reason)}" for h in hits)


def confirm_compliance(parent: QWidget, what: str, text: str) -> bool:
    """Ask before pushing text with prohibited terms, with the one compliance question
    (:func:`ui.compliance_dialog.confirm_push`: the text with its hits marked, the reasons,
    取消 the default); True when clean or the operator chooses to push anyway."""
    return confirm_push(parent, {text: check(text)}, what=what)
