"""A room whose shop sells in US dollars: the Shopify stand-in (real HTTP, Admin GraphQL) through
the real ``shopify`` adapter, a LiveRoom on it, the console's real panels. Every amount of the
catalogue reads in dollars — the queue, the stage, the orders feed and its summary, the metrics
tiles, the overlay card on stream — and the session recording keeps USD: the replay's header,
tables and the HTML report say ``$`` too."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from app.i18n import set_language
from app.live.hold import ExplainHold
from app.live.room import LiveRoom
from app.overlays.controller import derive
from app.overlays.images import ImageCache
from app.platform.client import PlatformClient
from app.platform.composite import CompositeAdapter
from app.session.attribution import per_product
from app.session.columns import product_cells
from app.session.recorder import SessionRecorder
from app.session.replay import SessionFile
from app.session.report import build_html
from plugins.bilibili.standin.runner import serve_in_thread
from plugins.shopify.adapter import ShopifyFactory
from plugins.shopify.standin.server import ShopifyStandIn
from tests.support import polling
from ui.marketing.coupons import CouponsPanel
from ui.metrics.panel import MetricsPanel
from ui.notify import Notifier
from ui.orders.panel import OrdersPanel
from ui.products.editor import ProductEditor
from ui.products.model import RowRole
from ui.products.panel import ProductQueuePanel
from ui.replay.window import ReplayWindow, summary_text
from ui.shortcuts import ShortcutRegistry
from ui.stage import Stage

SNEAKER = ("Retro Runner sneaker", 8900, 40, 12900)  # $89.00, was $129.00
TOTE = ("Canvas tote", 2400, 120, None)


@contextlib.asynccontextmanager
async def usd_shop(
    tmp_path: Path, before_load: Callable[[LiveRoom], object] = lambda _room: None
) -> AsyncIterator[tuple[LiveRoom, ShopifyStandIn]]:
    """A loaded LiveRoom on a Shopify store in USD. Opened inside the test body, not in a
    fixture: between a fixture and the test the loop is not running while Qt may still fire the
    adapter's poll timers, and its HTTP client then fails with "no running event loop"."""
    set_language("zh_CN")
    standin = ShopifyStandIn()  # a store whose shop.currencyCode is USD
    for title, price, stock, was in (SNEAKER, TOTE):
        standin.add_product(title, price, stock, compare_at=was)
    with serve_in_thread(standin.app()) as served:  # its own thread and loop, as the tools do
        adapter = await ShopifyFactory().open(
            {"base": served.base, "shop": standin.shop, "token": standin.token,
             "state_dir": str(tmp_path / "state"), "poll_every": 0.2, "orders_since": 0}
        )  # fmt: skip
        room = LiveRoom(adapter)
        before_load(room)  # what the console builds before the room's snapshot comes
        room.start()
        try:
            await asyncio.wait_for(room.wait_loaded(), polling.patience(30))
            yield room, standin
        finally:
            await room.stop()
            await adapter.close()


async def test_the_console_shows_a_usd_shops_money_in_dollars(qtbot: QtBot, tmp_path: Path) -> None:
    early: list[CouponsPanel] = []

    def build(room: LiveRoom) -> None:  # a panel made while the room still says CNY
        early.append(CouponsPanel(room, Notifier(QWidget())))
        qtbot.addWidget(early[0])
        assert "¥199.00" in early[0].preview.text()

    async with usd_shop(tmp_path, build) as (room, standin):
        coupons = early[0]
        assert coupons.threshold.prefix() == "$" and coupons.threshold.value() == 199.0
        assert "满$199.00减$20.00" in coupons.preview.text()  # redone when the snapshot said USD
        await _console_in_dollars(qtbot, room, standin)


async def _console_in_dollars(qtbot: QtBot, room: LiveRoom, standin: ShopifyStandIn) -> None:
    assert room.currency == "USD"  # the snapshot says the shop's currency
    host = QWidget()
    qtbot.addWidget(host)
    hold = ExplainHold(room)
    queue = ProductQueuePanel(room, Notifier(host), ShortcutRegistry(host), hold, parent=host)
    orders = OrdersPanel(room, parent=host)
    stage = Stage(room, hold, parent=host)
    metrics = MetricsPanel(room, sample_ms=200, parent=host)
    host.show()

    def prices() -> dict[str, str]:
        rows = [queue.model.index(i).data(RowRole) for i in range(queue.model.rowCount())]
        return {r.product.title: r.price for r in rows}

    await polling.until(lambda: len(prices()) == 2, 30, "the catalogue in the queue")
    assert prices() == {"Retro Runner sneaker": "$89.00", "Canvas tote": "$24.00"}

    sneaker = next(p for p in room.bag if p.title == SNEAKER[0])
    await room.explain(sneaker.id)
    await polling.until(lambda: stage.price.text() == "$89.00", 30, "the stage's price")
    assert stage.original.text() == "$129.00"  # the crossed-out compare-at price

    order = standin.add_order(sneaker.id, 2, customer=("7001", "Alice Chen"))
    standin.pay(order.id)
    await polling.until(lambda: room.metrics.paid_orders == 1, 30, "the paid order")
    await polling.until(lambda: orders.model.rowCount() == 1, 30, "the order in the feed")
    amount = orders.model.index(0, 5).data()
    assert amount == "$178.00"
    await polling.until(lambda: "$178.00" in orders.summary.text(), 30, "the feed's summary")
    assert "¥" not in orders.summary.text()

    gmv = metrics.findChild(QWidget, "metricValue:gmv")
    await polling.until(lambda: gmv.text() == "$178.00", 30, "the GMV tile")  # type: ignore[union-attr]
    avg = metrics.findChild(QWidget, "metricValue:avg_order")
    assert avg.text() == "$178.00"  # type: ignore[union-attr]

    # the price editor: in dollars, typed and sent in cents of the shop's currency
    editor = ProductEditor(room, room.product(sneaker.id) or sneaker, host)
    assert editor.price.text() == "89.00"
    assert editor.reference.text().startswith("现价 $89.00 · 原价 $129.00")
    editor.price.setText("$abc")
    editor.submit()
    assert editor.errors()["price"] == "价格格式不对，请输入数字，如 129.90"
    editor.price.setText("$84.50")
    editor.submit()
    await polling.until(
        lambda: standin.products[int(sneaker.id)].variants[0].price == 8450, 30, "the new price"
    )
    await polling.until(lambda: stage.price.text() == "$84.50", 30, "the stage's new price")

    # on stream: the product card's price in dollars (PNG and the overlay page alike)
    card = derive(room, 0.0, ImageCache(), {}).product
    assert card is not None and card.currency == "USD"
    state = derive(room, 0.0, ImageCache(), {})
    assert state.to_json()["product"]["money"]["price_cents"] == "$84.5"


async def test_a_recording_of_a_chat_and_usd_shop_room_replays_in_dollars_and_gifts_in_yuan(
    tmp_path: Path, sandbox_server: Any
) -> None:
    # the chat of a sandbox room (its sessions, its gifts: CNY) with the USD store as its shop
    chat = sandbox_server(debug_routes=True)  # quiet: only what the test does
    async with usd_shop(tmp_path) as (shop_room, standin):
        await shop_room.stop()  # the shop is the composite's commerce side from here
        client = PlatformClient(chat.url, chat.room, chat.tokens["host"], role="host")
        room = LiveRoom(CompositeAdapter(client, shop_room.adapter))
        room.start()
        try:
            await asyncio.wait_for(room.wait_loaded(), polling.patience(30))
            assert (room.currency, room.gift_currency) == ("USD", "CNY")
            path, sneaker_id = await _record(room, standin, chat, tmp_path)
        finally:
            await room.stop()
            await client.close()
    with SessionFile(path) as f:
        assert (f.currency, f.gift_currency) == ("USD", "CNY")
        s = f.summary()
        assert s.currency == "USD" and s.gmv_cents == 8900
        assert "成交额 $89.00" in summary_text(s)
        row = {r.product_id: r for r in per_product(f)}[sneaker_id]
        assert "$89.00" in product_cells(row, f.currency)
        page = build_html(f, lang="en")
        assert "$89.00" in page and "¥89.00" not in page  # GMV in the shop's dollars
        assert "¥66.60" in page  # the gift in the chat platform's yuan, never added to GMV
        assert "Cumulative GMV (USD)" in page  # the chart says its unit

    # the replay window: header, per-product table, GMV chart and gifts, each in its currency
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    win = ReplayWindow(path)  # deletes itself on close
    try:
        assert "成交额 $89.00" in win.header.text()
        cells = [win.products.item(0, c).text() for c in range(win.products.columnCount())]
        assert "$89.00" in cells
        assert win.charts.titles[1].text == "累计成交额（USD）"
        _, y = win.charts.curves[1].getData()
        assert float(y[-1]) == 89.0  # dollars on the axis, not cents
        assert "礼物价值 ¥66.60" in win.money_label.text()
    finally:
        win.close()


async def _record(
    room: LiveRoom, standin: ShopifyStandIn, chat: Any, tmp_path: Path
) -> tuple[Path, str]:
    rec = SessionRecorder(room, tmp_path / "sessions")
    rec.start()
    try:
        await polling.until(lambda: room.online, 30, "both event streams to connect")
        await room.start_session()
        await polling.until(lambda: rec.recording, 30, "the recorder to open the session file")
        sneaker = next(p for p in room.bag if p.title == SNEAKER[0])
        await room.explain(sneaker.id)
        gift = {"user_id": "v1", "nickname": "观众1", "gift": "火箭", "count": 1,
                "value_cents": 6660, "currency": "CNY"}  # fmt: skip
        async with httpx.AsyncClient(timeout=30) as http:
            r = await http.post(
                chat.api("/_debug/raw-events"),
                json={"events": [{"type": "gift", "data": gift}]},
                headers=chat.headers(),
            )
            assert r.status_code == 200, r.text
        order = standin.add_order(sneaker.id, 1, customer=("7002", "Bob Rivera"))
        standin.pay(order.id)
        await polling.until(lambda: room.metrics.paid_orders == 1, 30, "the paid order")
        await polling.until(lambda: room.metrics.gift_value_cents == 6660, 30, "the gift")
        await room.end_session()
        await polling.until(lambda: not rec.recording, 30, "the session file to close")
    finally:
        await rec.stop()
    [path] = rec.files
    return path, sneaker.id
