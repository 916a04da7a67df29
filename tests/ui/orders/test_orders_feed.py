"""Orders feed against the real sandbox: an order placed through the server's orders route shows,
with buyer, product, amount and status, and its row turns 已支付 when it is paid."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from pytestqt.qtbot import QtBot

from app.format import money
from app.platform import models as m
from ui.orders.model import OrdersModel
from ui.orders.panel import OrdersPanel


async def _post(srv: Any, path: str, body: dict[str, Any]) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=srv.api(), headers=srv.headers(), timeout=30) as c:
        r = await c.post(path, json=body)
        r.raise_for_status()
        out: dict[str, Any] = r.json()
        return out


def _texts(model: OrdersModel) -> list[list[str]]:
    return [
        [model.index(r, c).data() for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]


async def test_an_order_placed_on_the_server_shows_and_then_turns_paid(
    qtbot: QtBot, sandbox_server: Any, live_room: Callable[..., Awaitable[Any]], until: Any
) -> None:
    srv = sandbox_server(live=True)
    room = await live_room(srv)
    panel = OrdersPanel(room)
    qtbot.addWidget(panel)
    product = room.bag[0]
    nick = "<b>小王</b>"  # a nickname with markup stays literal text
    order = await _post(
        srv, "/orders", {"user_id": "u-test", "nickname": nick, "product_id": product.id}
    )
    model = panel.model
    await until(lambda: model.rowCount() == 1, what="the order row")
    row = _texts(model)[0]
    assert row[1] == nick and row[2] == product.title
    assert row[4] == "×1" and row[5] == money(order["amount_cents"]) and row[6] == "待支付"
    await _post(srv, f"/orders/{order['id']}/pay", {})
    await until(lambda: _texts(model)[0][6] == "已支付", what="the row turning paid")
    assert model.rowCount() == 1  # updated in place, not a second row
    # the counts line is redrawn a few times a second (ui/orders/panel.py SUMMARY_MS)
    await until(lambda: "支付 1" in panel.summary.text(), what="the summary counting it")


def _order(i: int, status: str = "created") -> m.Order:
    return m.Order(
        id=f"o{i}",
        user_id=f"u{i}",
        nickname=f"买家{i}",
        product_id="p1",
        product_title="商品",
        quantity=1,
        unit_price_cents=1000,
        amount_cents=1000,
        status=status,  # type: ignore[arg-type]
        created_ts=0.0,
    )


def test_thousands_of_orders_in_one_insert_bounded_with_in_place_updates(qtbot: QtBot) -> None:
    model = OrdersModel(capacity=1000)
    inserts: list[tuple[int, int]] = []
    changed: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _p, a, b: inserts.append((a, b)))
    model.dataChanged.connect(lambda a, b: changed.append((a.row(), b.row())))
    for k in range(30):  # 3,000 orders arrive in 30 platform batches before one flush
        model.add_orders([_order(i) for i in range(k * 100, k * 100 + 100)])
    model.flush()
    assert inserts == [(0, 999)] and model.order(0).id == "o2000"
    model.add_orders([_order(2500, "paid"), _order(2999, "refunded"), _order(5, "paid")])
    model.flush()
    assert changed == [(500, 999)]  # one dataChanged spanning the rows that changed
    # o5 had left the feed: appended anew, pushing the oldest row out (rows move up by one)
    assert model.rowCount() == 1000 and model.order(999).id == "o5"
    assert model.index(499, 6).data() == "已支付" and model.index(998, 6).data() == "已退款"
    model.add_orders([_order(2999, "paid")])  # found at its new row
    model.flush()
    assert model.index(998, 6).data() == "已支付" and model.rowCount() == 1000
