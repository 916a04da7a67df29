"""Flash sale (秒杀) dock: a product from the bag, a price below its current price, quantity,
start delay and duration; then a live list: a delayed sale as 待开始 with the countdown to its start
(from the platform's ``flash_sale_scheduled``, so every console sees it), then remaining and the
countdown to its end, then the ended state.

The product picker is searchable: type part of a title (or its id) and the list shows the
products containing it (an editable combo with a contains-completer); text that names no product
picks nothing, and the form says so. The picker defaults to the product on stage
(``room.explaining``) and follows the stage until the operator picks a product themselves.

Stock reservation 库存冻结 (where the platform offers it): 冻结 reserves N units of the picked
product for its next flash sale; the sale then sells only from them (``reservation_id``), and the
platform gives back what it did not sell when the sale ends. Without a reservation a sale may not
be larger than the free stock (stock − reserved): the form says so before the platform would."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.format import countdown, money
from app.live.room import BAG, EXPLAINING, FLASH_SALES, RESERVATIONS, LiveRoom
from app.platform import models as m
from app.platform.capabilities import Capability
from ui import theme
from ui.i18n import tr
from ui.lifetime import unsubscribe_on_destroy
from ui.marketing.common import GROUP, cents_of, money_spin, row_list
from ui.notify import Notifier, OneAtATime
from ui.shortcuts import ActionSpec

if TYPE_CHECKING:
    from ui.context import ConsoleContext


class FlashSaleRow(QFrame):
    def __init__(self, sale: m.FlashSale, panel: FlashSalePanel) -> None:
        super().__init__(panel)
        self.setObjectName(f"flashSale:{sale.id}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.panel = panel
        self.title = QLabel(self)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setStyleSheet("font-weight: 600;")
        self.progress = QProgressBar(self)
        self.progress.setFormat(tr("已抢 %v / %m"))
        self.state = QLabel(self)
        self.state.setObjectName("state")
        self.state.setTextFormat(Qt.TextFormat.PlainText)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 4)
        lay.addWidget(self.title)
        lay.addWidget(self.progress)
        lay.addWidget(self.state)
        self.show_sale(sale)

    def show_sale(self, sale: m.FlashSale) -> None:
        self.sale = sale
        product = self.panel.room.product(sale.product_id)
        title = product.title if product else sale.product_id
        self.title.setText(
            f"{title} · {tr('秒杀价')} {money(sale.price_cents, self.panel.room.currency)}"
        )
        self.progress.setRange(0, sale.quantity)
        self.progress.setValue(min(sale.sold, sale.quantity))
        self.state.setStyleSheet(
            theme.text_style(theme.WARNING_STRONG, bold=True) if sale.status == "scheduled" else ""
        )
        self.tick()

    def tick(self) -> None:
        s = self.sale
        now = time.time()
        if s.status == "scheduled":
            text = tr("待开始 · {t} 后开始").format(t=countdown(s.starts_ts - now))
        elif s.status == "active":
            text = tr("剩余 {n} 件 · 还剩 {t}").format(n=s.remaining, t=countdown(s.ends_ts - now))
        else:
            text = tr("已结束 · 售出 {sold} / {quantity}").format(sold=s.sold, quantity=s.quantity)
        self.state.setText(text)


def searchable_product_combo(parent: QWidget, name: str) -> QComboBox:
    """A product picker that filters as the operator types (any part of the title)."""
    combo = QComboBox(parent)
    combo.setObjectName(name)
    combo.setEditable(True)
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    line = combo.lineEdit()
    assert line is not None  # an editable combo has one
    line.setPlaceholderText(tr("输入商品名搜索"))
    line.setClearButtonEnabled(True)
    completer = QCompleter(combo.model(), combo)
    completer.setFilterMode(Qt.MatchFlag.MatchContains)
    completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
    combo.setCompleter(completer)
    return combo


class FlashSalePanel(QWidget):
    def __init__(self, room: LiveRoom, notifier: Notifier, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.room = room
        self.notifier = notifier
        self.product = searchable_product_combo(self, "flashProduct")
        self._picked = False  # the operator chose a product: stop following the stage
        self._items: list[tuple[str, str]] = []
        self.current_price = QLabel(self)
        self.current_price.setTextFormat(Qt.TextFormat.PlainText)
        self.price = money_spin(self, 0, room.currency)
        self.price.setObjectName("flashPrice")
        self.quantity = QSpinBox(self)
        self.quantity.setRange(1, 100_000)
        self.quantity.setValue(20)
        self.starts_in = QSpinBox(self)
        self.starts_in.setRange(0, 86_400)
        self.starts_in.setSuffix(tr(" 秒"))
        self.duration = QSpinBox(self)
        self.duration.setRange(1, 86_400)
        self.duration.setValue(60)
        self.duration.setSuffix(tr(" 秒"))
        form = QFormLayout()
        form.addRow(tr("商品"), self.product)
        form.addRow(tr("当前价"), self.current_price)
        form.addRow(tr("秒杀价"), self.price)
        form.addRow(tr("数量"), self.quantity)
        form.addRow(tr("开始于"), self.starts_in)
        form.addRow(tr("持续"), self.duration)
        self.reserve_qty = QSpinBox(self)
        self.reserve_qty.setObjectName("reserveQuantity")
        self.reserve_qty.setRange(1, 100_000)
        self.reserve_qty.setValue(20)
        self.reserve_qty.setSuffix(tr(" 件"))
        self.reserve_button = QPushButton(tr("冻结库存"), self)
        self.reserve_button.setObjectName("reserveStock")
        self.reserve_button.clicked.connect(self.reserve)
        self.release_button = QPushButton(tr("释放"), self)
        self.release_button.setObjectName("releaseReservation")
        self.release_button.clicked.connect(self.release)
        self.reserving = OneAtATime(notifier, self.reserve_button, self.release_button)
        self.reserving.on_done = self._validate
        reserve_row = QHBoxLayout()
        reserve_row.setContentsMargins(0, 0, 0, 0)
        reserve_row.addWidget(self.reserve_qty, 1)
        reserve_row.addWidget(self.reserve_button)
        reserve_row.addWidget(self.release_button)
        self.reserve_info = QLabel(self)
        self.reserve_info.setObjectName("reserveInfo")
        self.reserve_info.setTextFormat(Qt.TextFormat.PlainText)
        self.reserve_info.setWordWrap(True)
        self.reserve_info.setStyleSheet(theme.text_style(theme.SECONDARY))
        self.can_reserve = room.can(Capability.STOCK_RESERVATION)
        if not self.can_reserve:
            why = room.why_not(Capability.STOCK_RESERVATION) or ""
            for w in (self.reserve_qty, self.reserve_button, self.release_button):
                w.setEnabled(False)
                w.setToolTip(why)
        form.addRow(tr("冻结库存"), reserve_row)
        form.addRow("", self.reserve_info)
        self.problem_label = QLabel(self)
        self.problem_label.setObjectName("flashProblem")
        self.problem_label.setTextFormat(Qt.TextFormat.PlainText)
        self.problem_label.setStyleSheet(theme.text_style(theme.DANGER))
        self.start_button = QPushButton(tr("开始秒杀"), self)
        self.start_button.setObjectName("startFlashSale")
        self.start_button.setStyleSheet("font-weight: 600;")
        self.start_button.clicked.connect(self.start)
        self.starting = OneAtATime(notifier, self.start_button)
        self.starting.on_done = self._validate
        self.rows: dict[str, FlashSaleRow] = {}
        self._list, scroll = row_list(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(form)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.start_button)
        layout.addWidget(scroll, 1)
        self.product.currentIndexChanged.connect(self._product_chosen)
        self.product.activated.connect(self._operator_picked)
        self.product.editTextChanged.connect(lambda _t: self._validate())
        for w in (self.quantity, self.starts_in, self.duration, self.reserve_qty):
            w.valueChanged.connect(self._validate)
        self.price.valueChanged.connect(self._validate)
        self._unsub = room.subscribe(self._changed)
        unsubscribe_on_destroy(self, self._unsub)
        self._clock = QTimer(self)
        self._clock.setInterval(1000)
        self._clock.timeout.connect(self._tick)
        self._clock.start()
        self._changed(frozenset({BAG, FLASH_SALES, EXPLAINING, RESERVATIONS}))

    # --- the form ----------------------------------------------------------------------------
    def chosen(self) -> m.Product | None:
        """The picked product; None while the search text names none."""
        pid = self.product.currentData()
        if pid is None or self.product.currentText() != self.product.itemText(
            self.product.currentIndex()
        ):
            return None
        return self.room.product(str(pid))

    def _operator_picked(self, *_: object) -> None:
        self._picked = True

    def _follow_stage(self) -> None:
        """Default to the product on stage, unless the operator picked one."""
        on_stage = self.room.explaining.product_id if self.room.explaining else None
        if self._picked or on_stage is None:
            return
        i = self.product.findData(on_stage)
        if i >= 0 and i != self.product.currentIndex():
            self.product.setCurrentIndex(i)

    def select_product(self, product_id: str) -> None:
        i = self.product.findData(product_id)
        if i >= 0:
            self.product.setCurrentIndex(i)

    def _fill_products(self) -> None:
        items = [
            (f"{p.title}（{money(p.price_cents, self.room.currency)}）", p.id)
            for p in self.room.bag
            if p.listed
        ]
        if items == self._items:
            return  # a stock tick: the list (and a search being typed) stays as it is
        self._items = items
        keep = self.product.currentData()
        had = keep is not None
        self.product.blockSignals(True)
        self.product.clear()
        for text, pid in items:
            self.product.addItem(text, pid)
        if keep is None and self.room.explaining is not None:
            keep = self.room.explaining.product_id  # first fill: the product on stage
        i = self.product.findData(keep) if keep is not None else -1
        self.product.setCurrentIndex(max(0, i))
        self.product.blockSignals(False)
        self._product_chosen(keep_price=had and i >= 0)

    def _product_chosen(self, *_: object, keep_price: bool = False) -> None:
        p = self.chosen()
        self.current_price.setText(money(p.price_cents, self.room.currency) if p else "—")
        if p and not keep_price:
            self.price.setValue(round(p.price_cents * 0.8) / 100)  # a starting point: 20 % off
        self._validate()

    def problem(self) -> str:
        p = self.chosen()
        if p is None:
            if self.product.count() and self.product.currentText():
                return tr("没有找到这个商品：请从列表中选择")
            return tr("请先选择商品")
        price = cents_of(self.price)
        if price <= 0:
            return tr("秒杀价必须大于 0")
        if price >= p.price_cents:
            return tr("秒杀价必须低于当前价 {price}").format(
                price=money(p.price_cents, self.room.currency)
            )
        held = self.held()
        if held is not None:
            if self.quantity.value() > held.remaining:
                return tr("数量超过冻结库存（{n} 件）").format(n=held.remaining)
        elif self.quantity.value() > p.stock - p.reserved:
            if p.reserved:
                return tr("数量超过可售库存（可售 {free} 件，另有 {reserved} 件已冻结）").format(
                    free=p.stock - p.reserved, reserved=p.reserved
                )
            return tr("数量超过库存（{stock} 件）").format(stock=p.stock)
        return ""

    def held(self) -> m.Reservation | None:
        """The picked product's reservation waiting for its next flash sale, if any."""
        p = self.chosen()
        return self.room.held_reservation(p.id, "flash_sale") if p is not None else None

    def _validate(self) -> None:
        problem = self.problem()
        self.problem_label.setText(problem)
        self.start_button.setEnabled(not problem and not self.starting.busy and self.room.can_act)
        self._show_reservation()

    def _show_reservation(self) -> None:
        p = self.chosen()
        held = self.held()
        if held is not None:
            text = tr("已冻结 {n} 件，下一场秒杀从中售出；结束后未售出的退回可售库存").format(
                n=held.remaining
            )
        elif p is not None and p.reserved:
            text = tr("可售 {free} 件 · 已冻结 {reserved} 件").format(
                free=p.stock - p.reserved, reserved=p.reserved
            )
        elif p is not None:
            text = tr("可售 {free} 件").format(free=p.stock)
        else:
            text = ""
        self.reserve_info.setText(text)
        if not self.can_reserve:
            return
        ok = p is not None and self.room.can_act and not self.reserving.busy
        free = p.stock - p.reserved if p is not None else 0
        self.reserve_button.setEnabled(ok and held is None and 0 < self.reserve_qty.value() <= free)
        self.release_button.setEnabled(ok and held is not None)

    def reserve(self) -> None:
        p = self.chosen()
        if p is None or self.reserving.busy or not self.reserve_button.isEnabled():
            return
        n = self.reserve_qty.value()
        spec = m.ReservationSpec(product_id=p.id, quantity=n, promotion="flash_sale")
        self.quantity.setValue(n)
        self.reserving.run(
            tr("冻结库存"), self.room.reserve_stock(spec), done=tr("已冻结 {n} 件").format(n=n)
        )

    def release(self) -> None:
        held = self.held()
        if held is None or self.reserving.busy:
            return
        self.reserving.run(
            tr("释放冻结库存"),
            self.room.release_reservation(held.id),
            done=tr("已释放 {n} 件").format(n=held.remaining),
        )

    def spec(self) -> m.FlashSaleSpec:
        p = self.chosen()
        assert p is not None
        return m.FlashSaleSpec(
            product_id=p.id,
            price_cents=cents_of(self.price),
            quantity=self.quantity.value(),
            starts_in_seconds=self.starts_in.value(),
            duration_seconds=self.duration.value(),
            reservation_id=held.id if (held := self.held()) is not None else None,
        )

    def start(self) -> None:
        if self.starting.busy or self.problem() or not self.room.can_act:
            return
        spec = self.spec()
        done = (
            tr("秒杀已安排，{t} 后开始").format(t=countdown(spec.starts_in_seconds))
            if spec.starts_in_seconds
            else tr("秒杀已开始")
        )
        self.starting.run(tr("开始秒杀"), self.room.start_flash_sale(spec), done=done)

    # --- the list ----------------------------------------------------------------------------
    def _changed(self, changes: frozenset[str]) -> None:
        if self.price.set_currency(self.room.currency):
            self._fill_products()  # their prices
            self._validate()
        if BAG in changes:
            self._fill_products()
        if EXPLAINING in changes:
            self._follow_stage()
        if RESERVATIONS in changes or BAG in changes:
            self._validate()
        if FLASH_SALES not in changes:
            return
        sales = sorted(self.room.flash_sales.values(), key=lambda s: -s.starts_ts)
        for s in sales:
            row = self.rows.get(s.id)
            if row is None:
                row = self.rows[s.id] = FlashSaleRow(s, self)
            elif row.sale != s:
                row.show_sale(s)
        for i, s in enumerate(sales):
            if self._list.indexOf(self.rows[s.id]) != i:
                self._list.insertWidget(i, self.rows[s.id])

    def _tick(self) -> None:
        for row in self.rows.values():
            if row.sale.status != "ended":
                row.tick()


#: the dock's window-wide key (ui/panels.py lists it: without flash sales it only says why)
START = ActionSpec("flash_sale.start", "开始秒杀", "Ctrl+Alt+F", GROUP)


def make(ctx: ConsoleContext) -> FlashSalePanel:
    """The 秒杀 dock (ui/panels.py), with its shortcut."""
    panel = FlashSalePanel(ctx.room, ctx.notifier)
    ctx.shortcuts.register(START, panel.start, enabled=ctx.room.can_act)
    return panel
