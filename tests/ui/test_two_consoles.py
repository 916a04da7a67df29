"""Two consoles on one room (host + assistant), each a LiveRoom over its own PlatformClient to one
real sandbox server, each with its own panels: a reorder, a price change, a coupon and an explain
made on one console's panels show on the other's, from the platform's events (not timed here; the
figures are in tests/bench/console_sync.py). A flash sale scheduled for later shows on the other
console as 待开始 at once, not only when it starts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from app.format import yuan
from app.live.room import LiveRoom
from app.platform import models as m
from ui.marketing.coupons import CouponsPanel
from ui.marketing.flash_sale import FlashSalePanel
from ui.notify import Notifier
from ui.products.panel import ProductQueuePanel
from ui.shortcuts import ShortcutRegistry

CLEAN = "p02"  # no compliance hits: explaining it asks nothing
Until = Callable[..., Awaitable[None]]


@dataclass
class Console:
    room: LiveRoom
    holder: QWidget
    queue: ProductQueuePanel
    coupons: CouponsPanel
    flash: FlashSalePanel
    errors: list[str]


def _console(qtbot: QtBot, room: LiveRoom) -> Console:
    holder = QWidget()
    qtbot.addWidget(holder)
    notifier = Notifier(holder)
    errors: list[str] = []
    notifier.message.connect(lambda level, text: errors.append(text) if level == "error" else None)
    return Console(
        room,
        holder,
        ProductQueuePanel(room, notifier, ShortcutRegistry(holder), parent=holder),
        CouponsPanel(room, notifier, parent=holder),
        FlashSalePanel(room, notifier, parent=holder),
        errors,
    )


# the offscreen platform cannot size the price editor's window: a limitation of the test display
@pytest.mark.qt_log_ignore("propagateSizeHints")
@pytest.mark.parametrize("acting", ["host", "assistant"])
async def test_reorder_price_coupon_and_explain_made_on_one_console_show_on_the_other(
    qtbot: QtBot, sandbox_server: Any, live_room: Callable[..., Awaitable[LiveRoom]], until: Until,
    acting: str,
) -> None:  # fmt: skip
    srv = sandbox_server()
    host = _console(qtbot, await live_room(srv, "host"))
    assistant = _console(qtbot, await live_room(srv, "assistant"))
    a, b = (host, assistant) if acting == "host" else (assistant, host)
    await until(lambda: b.queue.model.rowCount() == len(b.room.product_ids) > 5)

    # reorder: the 6th product dragged to the top of A's queue
    ids = list(a.room.product_ids)
    moved = [ids[5], *ids[:5], *ids[6:]]
    a.queue.request_move(ids[5], 0)
    await until(lambda: b.room.product_ids == moved, what="the reorder on B's room")
    await until(lambda: b.queue.model.ids() == moved, what="the reorder in B's queue")
    assert b.queue.model.row(0).position == 1 and b.room.bag_version == a.room.bag_version

    # price: edited in A's price/stock editor
    old = a.room.products[CLEAN].price_cents
    assert b.queue.model.row(b.queue.model.row_of(CLEAN)).price == yuan(old)
    a.queue.select(CLEAN)
    editor = a.queue.edit_selected()
    assert editor is not None
    editor.price.setText("129.00")  # within the 30 % that needs no question
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    await until(lambda: b.room.products[CLEAN].price_cents == 12900, what="the price on B's room")
    await until(
        lambda: b.queue.model.row(b.queue.model.row_of(CLEAN)).price == yuan(12900),
        what="the price in B's queue",
    )

    # coupon: issued from A's coupons panel
    a.coupons.kind.setCurrentIndex(a.coupons.kind.findData(m.CouponKind.NO_THRESHOLD))
    a.coupons.name.setText(f"{acting}的券")
    a.coupons.amount.setValue(3.0)
    a.coupons.quantity.setValue(40)
    assert a.coupons.issue_button.isEnabled(), a.coupons.preview.text()
    qtbot.mouseClick(a.coupons.issue_button, Qt.MouseButton.LeftButton)
    await until(lambda: len(b.coupons.rows) == 1, what="the coupon in B's coupons panel")
    coupon = next(iter(b.coupons.rows.values())).coupon
    assert coupon.name == f"{acting}的券" and coupon.amount_cents == 300 and coupon.quantity == 40
    assert coupon.id in a.room.coupons

    # explain: A pushes the product card
    a.queue.explain(CLEAN)
    await until(
        lambda: b.room.explaining is not None and b.room.explaining.product_id == CLEAN,
        what="the explain on B's room",
    )
    await until(
        lambda: b.queue.model.row(b.queue.model.row_of(CLEAN)).explaining,
        what="the explain in B's queue",
    )
    assert sum(b.queue.model.row(i).explaining for i in range(b.queue.model.rowCount())) == 1
    assert a.errors == [] and b.errors == []


async def test_a_flash_sale_scheduled_on_one_console_shows_as_pending_on_the_other(
    qtbot: QtBot, sandbox_server: Any, live_room: Callable[..., Awaitable[LiveRoom]], until: Until
) -> None:
    srv = sandbox_server()
    host = _console(qtbot, await live_room(srv, "host"))
    assistant = _console(qtbot, await live_room(srv, "assistant"))
    product = next(p for p in host.room.bag if p.stock >= 20 and p.listed)
    panel = host.flash
    panel.select_product(product.id)
    panel.price.setValue((product.price_cents - 100) / 100)
    panel.quantity.setValue(10)
    panel.starts_in.setValue(300)  # in five minutes
    panel.duration.setValue(60)
    assert panel.start_button.isEnabled(), panel.problem_label.text()
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    await until(lambda: len(assistant.room.flash_sales) == 1, what="the sale on the assistant")
    sale = next(iter(assistant.room.flash_sales.values()))
    assert sale.status == "scheduled" and sale.product_id == product.id
    assert sale.price_cents == product.price_cents - 100 and sale.quantity == 10
    await until(lambda: sale.id in assistant.flash.rows, what="the sale in the assistant's panel")
    text = assistant.flash.rows[sale.id].state.text()
    assert text.startswith("待开始 · ") and text.endswith(" 后开始"), text
    assert text in ("待开始 · 5:00 后开始", "待开始 · 4:59 后开始", "待开始 · 4:58 后开始")
    # not on sale yet: the queue shows no flash price for it on either console
    row = assistant.queue.model.row(assistant.queue.model.row_of(product.id))
    assert row.flash_price is None
    assert host.errors == [] and assistant.errors == []
