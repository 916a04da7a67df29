"""Small pieces the marketing panels share: the rows list, money inputs (in the room's currency), and the compliance check of
operator-written text (flagged inline while typing; asked with the one compliance dialog before
pushing). Actions run through :class:`ui.notify.OneAtATime` (a double click never sends twice)."""

from __future__ import annotations

from PySide6.QtWidgets import QDoubleSpinBox, QFrame, QScrollArea, QVBoxLayout, QWidget

from app.compliance import check
from app.format import minor_digits, money_symbol
from app.platform.models import DEFAULT_CURRENCY
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


class MoneySpin(QDoubleSpinBox):
    """An amount typed in a currency: its symbol before the number (else its code after), as
    many decimals as it has minor digits (none for JPY); :func:`cents_of` reads minor units."""

    def __init__(
        self, parent: QWidget, value_cents: int, currency: str, maximum_units: float
    ) -> None:
        super().__init__(parent)
        self.maximum_units = maximum_units  # in whole units of the currency (1,000,000 yuan)
        self.currency = ""
        self.setGroupSeparatorShown(True)
        self.set_currency(currency, value_cents)

    def set_currency(self, currency: str, value_cents: int | None = None) -> bool:
        """Show amounts in ``currency`` (the room's, once its snapshot says); keeps the value in
        minor units when none is given. True when the currency changed (texts made from the
        amount need redoing: the value may not, so ``valueChanged`` may not come)."""
        if currency == self.currency and value_cents is None:
            return False
        cents = cents_of(self) if value_cents is None else value_cents
        self.currency = currency
        digits = minor_digits(currency)
        symbol = money_symbol(currency)
        self.setPrefix(symbol)
        self.setSuffix("" if symbol else f" {currency}")
        self.setDecimals(digits)
        self.setRange(0.0, self.maximum_units)
        self.setValue(cents / 10**digits)
        return True


def money_spin(
    parent: QWidget,
    value_cents: int,
    currency: str = DEFAULT_CURRENCY,
    *,
    maximum_units: float = 1_000_000.0,
) -> MoneySpin:
    return MoneySpin(parent, value_cents, currency, maximum_units)


def cents_of(spin: QDoubleSpinBox) -> int:
    """The spin box's amount in minor units of its currency (its decimals)."""
    return round(spin.value() * 10 ** spin.decimals())


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
