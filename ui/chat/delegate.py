"""Paints one chat line as plain text (never HTML): badges, nickname, text, keyword highlight
(the first matching rule's colour behind the row), and hidden / muted lines dimmed, struck
through and labelled."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from app.live.comment_kinds import Kind
from app.live.room import ChatLine
from ui import theme
from ui.chat.model import LineRole
from ui.i18n import tr

BADGES: tuple[tuple[Kind, str, str], ...] = (
    (Kind.NOTE, "提示", "#757575"),  # the platform's own notice (room_note)
    (Kind.STAFF, "主播", "#d81b60"),
    (Kind.PAID, "醒目", "#c62828"),
    (Kind.MEMBER, "会员", "#3949ab"),  # a membership bought (Bilibili: 舰长…)
    (Kind.GIFT, "礼", "#f57c00"),
    (Kind.INTENT, "购", "#2e7d32"),
    (Kind.QUESTION, "问", "#1565c0"),
    (Kind.FAN, "粉", "#8e24aa"),
)
#: a paid message or a membership wears its own badge, not also the gift one
_NOT_PLAIN_GIFT = Kind.PAID | Kind.MEMBER
NICK_COLOURS = (
    "#1e88e5",
    "#43a047",
    "#fb8c00",
    "#8e24aa",
    "#00897b",
    "#e53935",
    "#3949ab",
    "#6d4c41",
)
DIMMED = QColor(theme.FADED)
#: what the room's ``moderation(line)`` says → the label painted on the line
MODERATION_LABELS = {"hidden": "已隐藏", "muted": "已禁言", "deleted": "已被平台删除"}
Rule = tuple[str, QColor]
_LINE_FLAGS = (
    Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextSingleLine
)
_ELIDE = Qt.TextElideMode.ElideRight


def nickname_cell(fm: QFontMetrics, nick: str, limit: int) -> tuple[str, int]:
    """The nickname as drawn and its width: whole when it fits in ``limit`` pixels, else elided.
    Two pixels of slack: elidedText measures through the layout engine, and a name exactly as
    wide as horizontalAdvance says (Latin letters, the asterisks of a masked name) was cut to
    "Lil…" / "观***…" while it fitted."""
    width = min(fm.horizontalAdvance(nick) + 2, limit)
    return fm.elidedText(nick, _ELIDE, width), width


def matching_colour(text: str, rules: Sequence[Rule]) -> QColor | None:
    """The colour of the first rule whose keyword is in ``text``."""
    for word, colour in rules:
        if word and word in text:
            return colour
    return None


class ChatDelegate(QStyledItemDelegate):
    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        moderation: Callable[[ChatLine], str | None] = lambda line: None,
        highlight_rules: Callable[[], Sequence[Rule]] = lambda: (),
    ) -> None:
        super().__init__(parent)
        self.moderation = moderation
        self.highlight_rules = highlight_rules
        self._nick_colours = [QColor(c) for c in NICK_COLOURS]
        self._badges = [(k, tr(t), QColor(c)) for k, t, c in BADGES]
        self._labels = {k: tr(v) for k, v in MODERATION_LABELS.items()}

    def retranslate(self) -> None:
        """After a live language switch (ui/i18n.py): the badges and labels in the new language."""
        self._badges = [(k, tr(t), QColor(c)) for k, t, c in BADGES]
        self._labels = {k: tr(v) for k, v in MODERATION_LABELS.items()}
        view = self.parent()
        if isinstance(view, QAbstractItemView):
            view.viewport().update()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        fm = QFontMetrics(option.font)  # type: ignore[attr-defined]
        return QSize(200, fm.height() + 8)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        line: ChatLine | None = index.data(LineRole)
        if line is None:
            return
        rect: QRect = option.rect  # type: ignore[attr-defined]
        palette: QPalette = option.palette  # type: ignore[attr-defined]
        font: QFont = option.font  # type: ignore[attr-defined]
        state = option.state  # type: ignore[attr-defined]
        painter.save()
        selected = bool(state & QStyle.StateFlag.State_Selected)
        verdict = self.moderation(line)
        hidden = verdict is not None
        if selected:
            painter.fillRect(rect, palette.highlight())
        else:
            colour = matching_colour(line.text, self.highlight_rules())
            if colour is not None:
                painter.fillRect(rect, colour)
        fm = QFontMetrics(font)
        x = rect.x() + 6
        y = rect.y()
        h = rect.height()
        small = QFont(font)
        small.setPointSizeF(max(6.0, font.pointSizeF() * 0.8))
        sfm = QFontMetrics(small)
        for kind, text, colour in self._badges:
            if kind in line.kind and not (kind is Kind.GIFT and line.kind & _NOT_PLAIN_GIFT):
                w = sfm.horizontalAdvance(text) + 8
                badge = QRect(x, y + (h - sfm.height()) // 2, w, sfm.height())
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(colour)
                painter.drawRoundedRect(badge, 3, 3)
                painter.setFont(small)
                painter.setPen(QColor("white"))
                painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)
                x += w + 4
        painter.setFont(font)
        if line.kind & Kind.NOTE:  # the platform speaking: no nickname, the text in grey
            body = QRect(x, y, max(0, rect.right() - 4 - x), h)
            painter.setPen(palette.highlightedText().color() if selected else DIMMED)
            painter.drawText(body, _LINE_FLAGS, fm.elidedText(line.text, _ELIDE, body.width()))
            painter.restore()
            return
        nick = line.nickname + "："
        colour = self._nick_colours[zlib.crc32(line.user_id.encode()) % len(self._nick_colours)]
        painter.setPen(DIMMED if hidden else colour)
        shown, nick_w = nickname_cell(fm, nick, rect.width() // 3)
        flags = _LINE_FLAGS
        painter.drawText(QRect(x, y, nick_w, h), flags, shown)
        x += nick_w
        right = rect.right() - 4
        if verdict is not None:
            label = self._labels.get(verdict, verdict)
            w = sfm.horizontalAdvance(label) + 8
            tag = QRect(right - w, y + (h - sfm.height()) // 2, w, sfm.height())
            painter.setPen(DIMMED)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(tag, 3, 3)
            painter.setFont(small)
            painter.drawText(tag, Qt.AlignmentFlag.AlignCenter, label)
            painter.setFont(font)
            right = tag.x() - 4
        body = QRect(x, y, max(0, right - x), h)
        if hidden:
            painter.setPen(DIMMED)
            f = QFont(font)
            f.setStrikeOut(True)
            painter.setFont(f)
        else:
            painter.setPen(
                palette.highlightedText().color() if selected else palette.text().color()
            )
        # drawText with a plain string: Qt never interprets it as HTML.
        painter.drawText(
            body, flags, fm.elidedText(line.text, Qt.TextElideMode.ElideRight, body.width())
        )
        painter.restore()
