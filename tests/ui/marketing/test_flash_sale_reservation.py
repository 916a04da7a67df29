"""Stock reservation 库存冻结 from the flash-sale panel against the real sandbox: 冻结 reserves
units, the product queue shows available / reserved, the sale made then sells only from them, and
the rest comes back when it ends; a sale larger than the free stock is refused with a clear
message in the UI language; a platform without reservations shows why; a sale that ends while
the console and the platform are both down has its rest back on sale when they return."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.i18n import localize, set_language
from app.platform.errors import PlatformError
from app.platform.models import FlashSaleSpec
from tests.support.console import Console
from ui.marketing.flash_sale import FlashSalePanel
from ui.products.model import QueueModel


async def test_reserve_then_a_flash_sale_sells_from_it_and_the_rest_comes_back(
    qtbot: QtBot, sandbox_server: Any, live_room: Callable[..., Awaitable[Any]], until: Any
) -> None:
    srv = sandbox_server(live=True)
    room = await live_room(srv)
    product = room.bag[3]
    async with httpx.AsyncClient(base_url=srv.api(), headers=srv.headers(), timeout=30) as c:
        (await c.patch(f"/products/{product.id}", json={"stock": 30})).raise_for_status()
    await until(lambda: room.product(product.id).stock == 30, what="the restock")
    console = Console(qtbot, room)
    panel = console.panel("flash_sale", FlashSalePanel)
    panel.select_product(product.id)
    panel.reserve_qty.setValue(10)
    qtbot.mouseClick(panel.reserve_button, Qt.MouseButton.LeftButton)
    await until(lambda: room.product(product.id).reserved == 10, what="10 units reserved")
    await until(lambda: "已冻结 10 件" in panel.reserve_info.text(), what="the panel to say so")
    assert panel.release_button.isEnabled() and not panel.reserve_button.isEnabled()
    queue = QueueModel()
    queue.set_rows(room.bag, None, None)
    assert queue.row(queue.row_of(product.id)).detail == "可售 20 · 冻结 10 · 已售 0"
    panel.price.setValue((product.price_cents - 100) / 100)
    panel.quantity.setValue(11)
    assert panel.problem_label.text() == "数量超过冻结库存（10 件）"
    panel.quantity.setValue(10)
    panel.duration.setValue(3)
    assert panel.start_button.isEnabled()
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    await until(lambda: len(panel.rows) == 1, what="the sale")
    sale = next(iter(room.flash_sales.values()))
    assert sale.reservation_id is not None
    async with httpx.AsyncClient(base_url=srv.api(), headers=srv.headers(), timeout=30) as c:
        for i in range(4):
            body = {"user_id": f"f{i}", "product_id": product.id}
            (await c.post("/orders", json=body)).raise_for_status()
    await until(
        lambda: getattr(room.reservations.get(sale.reservation_id), "status", None) == "released",
        15,
        "end",
    )
    assert room.reservations[sale.reservation_id].released == 6
    await until(lambda: room.product(product.id).reserved == 0, what="the rest back on sale")
    assert room.product(product.id).stock == 26
    assert "可售 26 件" in panel.reserve_info.text()
    assert console.errors == []


async def test_a_sale_larger_than_the_free_stock_is_refused_in_the_ui_language(
    qtbot: QtBot, sandbox_server: Any, live_room: Callable[..., Awaitable[Any]], until: Any
) -> None:
    srv = sandbox_server(live=True)
    room = await live_room(srv)
    product = room.bag[4]
    async with httpx.AsyncClient(base_url=srv.api(), headers=srv.headers(), timeout=30) as c:
        (await c.patch(f"/products/{product.id}", json={"stock": 30})).raise_for_status()
        body = {"product_id": product.id, "quantity": 10, "promotion": "coupon"}
        (await c.post("/reservations", json=body)).raise_for_status()
    await until(lambda: room.product(product.id).reserved == 10, what="the reservation")
    set_language("en")
    try:
        console = Console(qtbot, room)
        panel = console.panel("flash_sale", FlashSalePanel)
        panel.select_product(product.id)
        panel.price.setValue((product.price_cents - 100) / 100)
        panel.quantity.setValue(25)
        assert panel.problem_label.text() == (
            "Quantity exceeds the stock for sale (20 for sale, 10 more reserved)"
        )
        assert not panel.start_button.isEnabled()
        spec = FlashSaleSpec(
            product_id=product.id, price_cents=100, quantity=25, duration_seconds=60
        )
        try:
            await room.start_flash_sale(spec)
        except PlatformError as exc:
            refused = exc
        else:
            raise AssertionError("the platform took a sale larger than the free stock")
        assert refused.code == "insufficient_stock"
        assert localize(refused.message) == (
            "Flash sale quantity 25 exceeds the free stock 20; 10 reserved"
        )
    finally:
        set_language("zh_CN")


async def test_without_reservations_the_controls_say_why(
    qtbot: QtBot, sandbox_server: Any, restricted_room: Any
) -> None:
    srv = sandbox_server()
    room = await restricted_room(srv, "comments,catalogue,flash_sales")
    panel = Console(qtbot, room).panel("flash_sale", FlashSalePanel)
    assert not panel.reserve_button.isEnabled()
    assert panel.reserve_button.toolTip() == "沙盒平台不支持冻结库存"


async def test_a_console_started_later_sees_the_reservation_and_its_return(
    qtbot: QtBot, sandbox_server: Any, live_room: Callable[..., Awaitable[Any]], until: Any
) -> None:
    srv = sandbox_server(live=True)
    async with httpx.AsyncClient(base_url=srv.api(), headers=srv.headers(), timeout=30) as c:
        (await c.patch("/products/p03", json={"stock": 30})).raise_for_status()
        body = {"product_id": "p03", "quantity": 12, "promotion": "flash_sale"}
        res = (await c.post("/reservations", json=body)).json()
    room = await live_room(srv)  # a console (re)started after the reservation: from the snapshot
    assert room.product("p03").reserved == 12
    assert room.held_reservation("p03", "flash_sale").id == res["id"]
    panel = Console(qtbot, room).panel("flash_sale", FlashSalePanel)
    panel.select_product("p03")
    assert "已冻结 12 件" in panel.reserve_info.text()
    panel.price.setValue(1.00)
    panel.quantity.setValue(12)
    panel.duration.setValue(2)
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    await until(lambda: room.reservations[res["id"]].status == "released", 15, "the sale's end")
    await until(lambda: room.product("p03").reserved == 0, what="the units back on sale")
    assert "可售 30 件" in panel.reserve_info.text()


async def test_the_sale_ends_while_console_and_platform_are_down_and_the_rest_is_back(
    qtbot: QtBot, sandbox_server: Any, live_room: Callable[..., Awaitable[Any]], until: Any
) -> None:
    srv = sandbox_server(live=True)
    room = await live_room(srv)
    async with httpx.AsyncClient(base_url=srv.api(), headers=srv.headers(), timeout=30) as c:
        (await c.patch("/products/p04", json={"stock": 30})).raise_for_status()
    await until(lambda: room.product("p04").stock == 30, what="the restock")
    panel = Console(qtbot, room).panel("flash_sale", FlashSalePanel)
    panel.select_product("p04")
    panel.reserve_qty.setValue(10)
    qtbot.mouseClick(panel.reserve_button, Qt.MouseButton.LeftButton)
    await until(lambda: room.product("p04").reserved == 10, what="10 units reserved")
    panel.price.setValue((room.product("p04").price_cents - 100) / 100)
    panel.quantity.setValue(10)
    panel.duration.setValue(3)
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    await until(lambda: len(room.flash_sales) == 1, what="the sale")
    async with httpx.AsyncClient(base_url=srv.api(), headers=srv.headers(), timeout=30) as c:
        body = {"user_id": "f1", "product_id": "p04", "quantity": 2}
        (await c.post("/orders", json=body)).raise_for_status()
    await until(lambda: room.product("p04").sold == 2, what="the order")
    await room.stop()  # the console goes down …
    srv.kill()  # … and the platform too, before the sale ends
    await asyncio.sleep(3.5)  # the sale's end passes while both are down
    srv.restart()
    again = await live_room(srv)  # both back: the platform released the rest at its first tick
    await until(lambda: again.product("p04").reserved == 0, 15, "the rest back on sale")
    [res] = again.reservations.values()
    assert (res.status, res.released) == ("released", 8)
    assert again.product("p04").stock == 28
    queue = QueueModel()
    queue.set_rows(again.bag, None, None)
    assert queue.row(queue.row_of("p04")).detail == "库存 28 · 已售 2"
    panel = Console(qtbot, again).panel("flash_sale", FlashSalePanel)
    panel.select_product("p04")
    assert "可售 28 件" in panel.reserve_info.text()
