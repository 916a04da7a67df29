"""Paints one queue row: position, image, title, price, stock/sales, and state badges, and a
讲解 button at the row's bottom right (``explain_button``; clicking it emits
:attr:`QueueDelegate.explain_clicked` with the row's product id, and neither selects nor drags).

Everything is drawn with drawText (plain text): a title can never be interpreted as markup.

"Selected" (the row the keys act on) and "on stage" (the product viewers see) never look alike:
the row on stage has a strong accent bar, a tinted background and the 讲解中 badge; a selected row
has a neutral grey-blue background and outline (the theme's accent, which is Qt's selection
colour elsewhere, is kept for what is on air). :func:`row_look` decides, per state.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from ui import theme
from ui.i18n import tr
from ui.products.model import ImageRole, Row, RowRole

ROW_HEIGHT = 68
IMAGE = 56

EXPLAINING = QColor(theme.STAGE_LIVE)
HELD = QColor(theme.SPECIAL)
DELISTED = QColor(theme.MUTED)
SOLD_OUT = QColor(theme.WARNING)
PRICE = QColor(theme.PRICE)
ON_STAGE_TINT = QColor(theme.STAGE_LIVE_TINT)  # the accent, faint: the row on air
ON_STAGE_BAR = 6  # px: the accent bar on the left of the row on air
SELECTED = QColor(theme.STAGE_SELECTED)  # neutral: the row the keys act on
SELECTED_OUTLINE = QColor(theme.STAGE_SELECTED_OUTLINE)


@dataclass(frozen=True, slots=True)
class RowLook:
    """How a queue row is painted in one state (None: nothing of that kind)."""

    background: QColor | None
    bar: QColor | None  # the accent bar on the left
    outline: QColor | None
    text: QColor


def row_look(*, selected: bool, on_stage: bool, palette: QPalette) -> RowLook:
    """On stage: accent bar + tint (+ the 讲解中 badge); selected: neutral background and outline;
    both: the on-stage tint with the selection outline. Text stays dark on these light fills."""
    text = palette.text().color()
    if on_stage:
        return RowLook(ON_STAGE_TINT, EXPLAINING, SELECTED_OUTLINE if selected else None, text)
    if selected:
        return RowLook(SELECTED, None, SELECTED_OUTLINE, text)
    return RowLook(None, None, None, text)


EXPLAIN_BUTTON = QSize(52, 24)
_MOUSE = (
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseButtonRelease,
    QEvent.Type.MouseButtonDblClick,
)


def explain_button_rect(row: QRect) -> QRect:
    """Where a row's 讲解 button is (bottom right)."""
    w, h = EXPLAIN_BUTTON.width(), EXPLAIN_BUTTON.height()
    return QRect(row.right() - 6 - w, row.bottom() - 6 - h, w, h)


class QueueDelegate(QStyledItemDelegate):
    explain_clicked = Signal(str)  # product id of the row whose 讲解 button was clicked

    def __init__(self, parent: QWidget | None = None, *, explain_button: bool = False) -> None:
        super().__init__(parent)
        self.explain_button = explain_button

    def editorEvent(
        self,
        event: QEvent,
        model: QAbstractItemModel,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> bool:
        if not self.explain_button or event.type() not in _MOUSE:
            return super().editorEvent(event, model, option, index)
        assert isinstance(event, QMouseEvent)
        rect: QRect = option.rect  # type: ignore[attr-defined]
        if not explain_button_rect(rect).contains(event.position().toPoint()):
            return super().editorEvent(event, model, option, index)
        row: Row | None = index.data(RowRole)
        if (
            row is not None
            and event.type() == QEvent.Type.MouseButtonRelease
            and event.button() == Qt.MouseButton.LeftButton
        ):
            self.explain_clicked.emit(row.product.id)
        return True  # the button's press/release: no selection change, no drag

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return QSize(320, ROW_HEIGHT)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        row: Row | None = index.data(RowRole)
        if row is None:
            return
        p = row.product
        rect: QRect = option.rect  # type: ignore[attr-defined]
        painter.save()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)  # type: ignore[attr-defined]
        palette = option.palette  # type: ignore[attr-defined]
        look = row_look(selected=selected, on_stage=row.explaining, palette=palette)
        if look.background is not None:
            painter.fillRect(rect, look.background)
        if look.outline is not None:
            painter.setPen(QPen(look.outline, 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect.adjusted(1, 1, -1, -1))
        if look.bar is not None:
            painter.fillRect(QRect(rect.left(), rect.top(), ON_STAGE_BAR, rect.height()), look.bar)
        text_color = look.text
        dim = not p.listed

        base = QFont(option.font)  # type: ignore[attr-defined]
        # position number
        painter.setFont(base)
        painter.setPen(DELISTED)
        painter.drawText(
            QRect(rect.left() + 6, rect.top(), 26, rect.height()),
            Qt.AlignmentFlag.AlignCenter,
            str(row.position),
        )
        # image (or a placeholder box)
        img_rect = QRect(rect.left() + 34, rect.top() + (rect.height() - IMAGE) // 2, IMAGE, IMAGE)
        pixmap: QPixmap | None = index.data(ImageRole)
        if pixmap is not None and not pixmap.isNull():
            if dim:
                painter.setOpacity(0.4)
            painter.drawPixmap(img_rect, pixmap)
            painter.setOpacity(1.0)
        else:
            painter.fillRect(img_rect, QColor("#eeeeee"))
        x = img_rect.right() + 10
        width = rect.right() - x - 8

        # badges on the right
        badges: list[tuple[str, QColor]] = []
        if row.explaining:
            badges.append((tr("讲解中"), EXPLAINING))
        if row.held:
            badges.append((tr("保持"), HELD))
        if not p.listed:
            badges.append((tr("已下架"), DELISTED))
        elif p.stock == 0:
            badges.append((tr("售罄"), SOLD_OUT))
        small = QFont(base)
        small.setPointSizeF(max(7.0, base.pointSizeF() * 0.85))
        small.setBold(True)
        painter.setFont(small)
        fm = painter.fontMetrics()
        bx = rect.right() - 6
        for label, colour in badges:
            w = fm.horizontalAdvance(label) + 10
            badge = QRect(bx - w, rect.top() + 8, w, fm.height() + 4)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colour)
            painter.drawRoundedRect(badge, 4, 4)
            painter.setPen(QColor("white"))
            painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, label)
            bx -= w + 4
        title_width = max(40, min(width, bx - x - 6))

        # title
        title_font = QFont(base)
        title_font.setBold(True)
        painter.setFont(title_font)
        painter.setPen(DELISTED if dim else text_color)
        fm = painter.fontMetrics()
        title = fm.elidedText(p.title, Qt.TextElideMode.ElideRight, title_width)
        painter.drawText(
            QRect(x, rect.top() + 8, title_width, fm.height()),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            title,
        )
        # price and stock line
        line_top = rect.top() + 12 + fm.height()
        price_font = QFont(base)
        price_font.setBold(True)
        painter.setFont(price_font)
        painter.setPen(DELISTED if dim else PRICE)
        price = row.price
        if row.flash_price:
            price = tr("秒杀 {price}").format(price=row.flash_price)
        pfm = painter.fontMetrics()
        pw = pfm.horizontalAdvance(price)
        painter.drawText(
            QRect(x, line_top, pw + 2, pfm.height()),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            price,
        )
        painter.setFont(base)
        painter.setPen(DELISTED if dim else text_color)
        detail_width = max(10, width - pw - 12 - (self._explain_width() + 8))
        detail = painter.fontMetrics().elidedText(
            row.detail, Qt.TextElideMode.ElideRight, detail_width
        )
        painter.drawText(
            QRect(x + pw + 12, line_top, detail_width, pfm.height()),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            detail,
        )
        if self.explain_button:
            self._paint_explain_button(painter, rect, base, selected, dim)
        painter.restore()

    def _explain_width(self) -> int:
        return EXPLAIN_BUTTON.width() if self.explain_button else 0

    def _paint_explain_button(
        self, painter: QPainter, rect: QRect, base: QFont, selected: bool, dim: bool
    ) -> None:
        button = explain_button_rect(rect)
        colour = DELISTED if dim else EXPLAINING
        painter.setPen(QColor("white") if selected else colour)
        painter.setBrush(Qt.BrushStyle.NoBrush if not selected else colour)
        painter.drawRoundedRect(button.adjusted(0, 0, -1, -1), 4, 4)
        font = QFont(base)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QColor("white") if selected else colour)
        painter.drawText(button, Qt.AlignmentFlag.AlignCenter, tr("讲解"))
