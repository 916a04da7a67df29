"""The streamer's stage (central widget): the explained product and its selling points, LARGE.

Read from 2 m away: title, price (the flash price while a flash sale runs), stock left, the
selling points (卖点/话术) in big type with compliance hits marked and their reasons below, the
hold state, and a preview of the next product. Everything comes from the room and the hold.

Time on the stage: a running flash sale's remaining time and an open lottery's time to its draw
(「可以开奖」 once it is due) in large type at the top, ticking twice a second.

The stage never changes the window's layout mid-show: its height is what the window gives it
(an ignored vertical size policy, no minimum from its contents), and what is shown fits that
space instead — the title takes at most two lines and is elided beyond them, the compliance note
at most two lines, and the selling points shrink their type (to :data:`MIN_POINT_PT`) to fit the
rest. A long title therefore never pushes the selling points off the stage, and the docks below
(发券) never move.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable

from PySide6.QtCore import QRect, QSize, Qt, QTimer
from PySide6.QtGui import QFontMetrics, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.compliance import Hit, check
from app.format import countdown, money
from app.live.hold import ExplainHold
from app.live.queue import step
from app.live.room import BAG, EXPLAINING, FLASH_SALES, LOTTERIES, OPERATOR, LiveRoom
from app.platform import models as m
from app.platform.capabilities import Capability
from ui import theme
from ui.coalesce import Coalescer
from ui.compliance_dialog import highlight_html, reasons_html
from ui.i18n import tr

POINT_PT = 30
TITLE_PT = 30
PRICE_PT = 40


FULL_WIDTH = 760  # px at which the stage uses the sizes above; narrower stages scale down
MIN_SCALE = 0.5
#: stock and price changes of the product on stage show at most this often (the explain: at once)
REFRESH_MS = 250
COUNTDOWN_MS = 500
TITLE_LINES = 2
WARNING_LINES = 2
MIN_POINT_PT = 12.0


def _label(
    parent: QWidget, name: str, pt: int, *, bold: bool = False, rich: bool = False
) -> QLabel:
    label = QLabel(parent)
    label.setObjectName(name)
    label.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setProperty("basePt", pt)
    font = label.font()
    font.setPointSize(pt)
    font.setBold(bold)
    label.setFont(font)
    return label


def fit_lines(text: str, fm: QFontMetrics, width: int, lines: int) -> str:
    """``text`` as it fits in ``lines`` wrapped lines of ``width`` px: whole, or cut with "…"."""

    def fits(t: str) -> bool:
        flags = Qt.TextFlag.TextWordWrap | Qt.TextFlag.TextWrapAnywhere
        return fm.boundingRect(QRect(0, 0, max(1, width), 100_000), flags, t).height() <= (
            lines * fm.lineSpacing()
        )

    if width <= 0 or fits(text):
        return text
    lo, hi = 0, len(text)  # the longest prefix that fits with the ellipsis
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(text[:mid].rstrip() + "…"):
            lo = mid
        else:
            hi = mid - 1
    return text[:lo].rstrip() + "…"


def scale_for(width: int, height: int) -> float:
    """Type size relative to the design size: as large as the stage allows, never tiny."""
    return max(MIN_SCALE, min(1.25, width / FULL_WIDTH, height / (FULL_WIDTH * 0.75)))


class Stage(QWidget):
    def __init__(self, room: LiveRoom, hold: ExplainHold, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stage")
        self.room = room
        self.hold = hold
        self.hits: list[Hit] = []  # compliance hits in what is shown (title and points)
        self._scale = 1.0

        self.status = _label(self, "stageStatus", 16, bold=True)
        self.status.setWordWrap(False)  # one line beside the countdown, in every language
        self.hold_badge = _label(self, "stageHold", 16, bold=True)
        self.hold_badge.setStyleSheet(
            f"background:{theme.SPECIAL};color:white;border-radius:6px;padding:2px 10px;"
        )
        self.title = _label(self, "stageTitle", TITLE_PT, bold=True, rich=True)
        self.price = _label(self, "stagePrice", PRICE_PT, bold=True)
        self.price.setStyleSheet(theme.text_style(theme.PRICE))
        self.original = _label(self, "stageOriginal", 20)
        self.original.setStyleSheet(f"color:{theme.MUTED};text-decoration:line-through;")
        self.stock = _label(self, "stageStock", 22, bold=True)
        self.points = _label(self, "stagePoints", POINT_PT, rich=True)
        self.points.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.warnings = _label(self, "stageWarnings", 14, rich=True)
        self.warnings.setStyleSheet(theme.text_style(theme.DANGER_DARK))
        self.next_label = _label(self, "stageNext", 18)
        self.next_label.setStyleSheet(theme.text_style(theme.SECONDARY))
        self.next_label.setWordWrap(False)
        self.countdown = _label(self, "stageCountdown", 26, bold=True)
        self.countdown.setWordWrap(False)
        self.countdown.setStyleSheet(
            f"background:{theme.ACCENT};color:white;border-radius:8px;padding:2px 12px;"
        )
        self.countdown.hide()
        self.countdown.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        # the stage takes the height the window gives it; its contents fit that, never push it
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
        self.points.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Ignored)
        for capped in (self.title, self.warnings):
            capped.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self._title_text = ""
        self._clock = QTimer(self)
        self._clock.setInterval(COUNTDOWN_MS)
        self._clock.timeout.connect(self.tick)
        self.now: Callable[[], float] = time.time

        top = QHBoxLayout()
        top.addWidget(self.status)
        top.addStretch(1)
        top.addWidget(self.hold_badge)
        clock_row = QHBoxLayout()  # a row of its own: never cut beside the status, any language
        clock_row.addWidget(self.countdown)
        clock_row.addStretch(1)
        price_row = QHBoxLayout()
        price_row.addWidget(self.price)
        price_row.addWidget(self.original)
        price_row.addStretch(1)
        line = QFrame(self)
        line.setFrameShape(QFrame.Shape.HLine)
        layout = self._layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.addLayout(top)
        layout.addLayout(clock_row)
        layout.addWidget(self.title)
        layout.addLayout(price_row)
        layout.addWidget(self.stock)
        layout.addWidget(line)
        layout.addWidget(self.points, 1)
        layout.addWidget(self.warnings)
        layout.addWidget(self.next_label)

        self._refresher = Coalescer(self.refresh, REFRESH_MS, self)
        unsubs = [room.subscribe(self._changed), hold.subscribe(lambda _pid: self.refresh())]
        self.destroyed.connect(lambda *_: [u() for u in unsubs])
        self.refresh()
        self.tick()

    def sizeHint(self) -> QSize:
        return QSize(FULL_WIDTH, int(FULL_WIDTH * 0.75))

    def minimumSizeHint(self) -> QSize:
        return QSize(240, 160)  # whatever is shown: the window's layout never depends on it

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        scale = scale_for(self.width(), self.height())
        if abs(scale - self._scale) >= 0.03:
            self._scale = scale
            for label in self.findChildren(QLabel):
                base = label.property("basePt")
                if base:
                    font = label.font()
                    font.setPointSizeF(max(9.0, float(base) * scale))
                    label.setFont(font)
        self._fit()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._fit()

    def _text_width(self, label: QLabel) -> int:
        m = self._layout.contentsMargins()
        return max(50, self.width() - m.left() - m.right() - 2 * label.margin())

    def _fit(self) -> None:
        """Title and note capped in lines, selling points shrunk to the space that is left."""
        fm = self.title.fontMetrics()
        # a stage not on screen has no real width yet: the whole title (fitted when it shows)
        width = self._text_width(self.title) if self.isVisible() else 0
        title = fit_lines(self._title_text, fm, width, TITLE_LINES)
        self.title.setText(highlight_html(title, check(title)) if self._title_text else "")
        if not self._title_text:
            # a platform without a catalogue has no product to explain: no hint pointing at it
            hint = (
                tr("点击排品中的「讲解」把商品卡片推送给观众")
                if self.room.can(Capability.CATALOGUE)
                else tr("当前平台不提供商品讲解")
            )
            self.title.setText(html.escape(hint))
        self.title.setFixedHeight(TITLE_LINES * fm.lineSpacing() + 4)
        wfm = self.warnings.fontMetrics()
        self.warnings.setFixedHeight(
            WARNING_LINES * wfm.lineSpacing() + 2 if self.warnings.text() else 0
        )
        self._layout.activate()
        self._fit_points()

    def _fit_points(self) -> None:
        label = self.points
        base = float(label.property("basePt")) * self._scale
        font = label.font()
        pt = max(9.0, base)
        font.setPointSizeF(pt)
        label.setFont(font)
        if not self.isVisible():
            return  # no real size yet: the design size (fitted when the stage shows)
        room_h = label.height()
        width = label.width()
        while pt > MIN_POINT_PT and room_h > 0 and label.heightForWidth(width) > room_h:
            pt = max(MIN_POINT_PT, pt - 2.0)
            font.setPointSizeF(pt)
            label.setFont(font)

    def points_fit(self) -> bool:
        """Whether every selling point is inside the stage (none clipped at the bottom)."""
        return self.points.heightForWidth(self.points.width()) <= self.points.height()

    # --- time on the stage -------------------------------------------------------------------
    def _countdown_text(self) -> str | None:
        now = self.now()
        room = self.room
        parts: list[str] = []
        on_stage = room.explaining.product_id if room.explaining else None
        flashes = [fs for fs in room.flash_sales.values() if fs.status == "active"]
        flashes.sort(key=lambda fs: (fs.product_id != on_stage, fs.ends_ts))
        if flashes:
            parts.append(tr("秒杀 剩 {t}").format(t=countdown(flashes[0].ends_ts - now)))
        lots = [lot for lot in room.lotteries.values() if lot.status != "drawn"]
        if lots:
            lot = min(lots, key=lambda x: x.ends_ts)
            left = lot.ends_ts - now
            if lot.duration_seconds == 0:  # the console's own, open until drawn by hand
                parts.append(tr("福袋 进行中 · 手动开奖"))
            else:
                parts.append(
                    tr("福袋 剩 {t}").format(t=countdown(left)) if left > 0 else tr("福袋 可以开奖")
                )
        return "  ·  ".join(parts) if parts else None

    def tick(self) -> None:
        text = self._countdown_text()
        self.countdown.setVisible(text is not None)
        self.countdown.setText(text or "")
        running = text is not None
        if running and not self._clock.isActive():
            self._clock.start()
        elif not running and self._clock.isActive():
            self._clock.stop()

    def _changed(self, changes: frozenset[str]) -> None:
        if changes & {FLASH_SALES, LOTTERIES, EXPLAINING}:
            self.tick()
        if EXPLAINING in changes or (OPERATOR in changes and changes & {BAG, FLASH_SALES}):
            self._refresher.now()  # the streamer waits for these (explain, a price edit)
        elif changes & {BAG, FLASH_SALES}:
            self._refresher.request()  # stock ticks: a few times a second is plenty

    def _flash(self, product_id: str) -> m.FlashSale | None:
        for fs in self.room.flash_sales.values():
            if fs.product_id == product_id and fs.status == "active":
                return fs
        return None

    def refresh(self) -> None:
        room = self.room
        product = room.explaining_product
        held = self.hold.product_id
        self.hold_badge.setText(tr("保持中") if held else "")
        self.hold_badge.setVisible(held is not None)
        current = product.id if product else None
        nxt = step(room.product_ids, room.products, current, +1)
        nxt_product = room.product(nxt) if nxt else None
        self.next_label.setText(
            tr("下一个：{title}  {price}").format(
                title=nxt_product.title, price=money(nxt_product.price_cents, room.currency)
            )
            if nxt_product
            else tr("下一个：无")
        )
        if product is None:
            self.hits = []
            self.status.setText(tr("未在讲解"))
            self.status.setStyleSheet(theme.text_style(theme.MUTED))
            self._title_text = ""
            for label in (self.price, self.original, self.stock, self.points, self.warnings):
                label.setText("")
            self._fit()
            return
        self.status.setText(tr("● 讲解中"))
        self.status.setStyleSheet(theme.text_style(theme.STAGE_LIVE))
        title_hits = check(product.title)
        self._title_text = product.title
        self.title.setToolTip(product.title)
        flash = self._flash(product.id)
        if flash is not None:
            self.price.setText(
                tr("秒杀 {price}").format(price=money(flash.price_cents, room.currency))
            )
            self.original.setText(money(product.price_cents, room.currency))
            self.stock.setText(
                tr("秒杀剩余 {n} 件 · 库存 {stock}").format(n=flash.remaining, stock=product.stock)
            )
        else:
            self.price.setText(money(product.price_cents, room.currency))
            original = product.original_price_cents
            self.original.setText(
                money(original, room.currency)
                if original and original > product.price_cents
                else ""
            )
            self.stock.setText(
                tr("已售罄")
                if product.stock == 0
                else tr("库存 {stock} 件").format(stock=product.stock)
            )
        self.stock.setStyleSheet(theme.text_style(theme.WARNING if product.stock == 0 else ""))
        hits = list(title_hits)
        points = []
        for n, point in enumerate(product.selling_points, 1):
            point_hits = check(point)
            hits += point_hits
            points.append(f"{n}. {highlight_html(point, point_hits)}")
        self.points.setText("<br>".join(points) if points else html.escape(tr("（未填写卖点）")))
        self.hits = hits
        self.warnings.setText(
            "⚠ "
            + html.escape(tr("含广告法禁用或慎用词，口播时请避免："))
            + "<br>"
            + reasons_html(hits)
            if hits
            else ""
        )
        self._fit()
