"""Flash sale panel against the real sandbox: price validated below the current price; a delayed
sale shows at once as 待开始 with the countdown to its start, then starts, counts down, shows the
live remaining as orders come in, then shows it ended."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from ui.marketing.flash_sale import FlashSalePanel
from ui.notify import Notifier


async def _order(srv: Any, user: str, product_id: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=srv.api(), headers=srv.headers(), timeout=30) as c:
        r = await c.post("/orders", json={"user_id": user, "product_id": product_id})
        r.raise_for_status()
        out: dict[str, Any] = r.json()
        return out


async def test_flash_sale_validation_countdown_remaining_and_end(
    qtbot: QtBot, sandbox_server: Any, live_room: Callable[..., Awaitable[Any]], until: Any
) -> None:
    srv = sandbox_server(live=True)
    room = await live_room(srv)
    panel = FlashSalePanel(room, Notifier())
    qtbot.addWidget(panel)
    product = next(p for p in room.bag if p.stock >= 20)
    panel.select_product(product.id)
    panel.price.setValue(product.price_cents / 100)  # not below the current price
    assert not panel.start_button.isEnabled() and "低于当前价" in panel.problem_label.text()
    panel.price.setValue((product.price_cents - 100) / 100)
    panel.quantity.setValue(5)
    panel.starts_in.setValue(3)
    panel.duration.setValue(4)
    assert panel.start_button.isEnabled() and panel.problem_label.text() == ""
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    await until(lambda: len(panel.rows) == 1, what="the sale in the panel")
    row = next(iter(panel.rows.values()))
    # the platform announces a delayed sale at once (flash_sale_scheduled): 待开始 + countdown
    assert row.sale.status == "scheduled" and row.sale.price_cents == product.price_cents - 100
    text = row.state.text()
    assert text.startswith("待开始 · 0:0") and text.endswith(" 后开始"), text
    await until(lambda: row.sale.status == "active", what="the sale to start")
    assert "剩余 5 件" in row.state.text() and "还剩 0:0" in row.state.text()
    order = await _order(srv, "fan1", product.id)
    await _order(srv, "fan2", product.id)
    assert order["unit_price_cents"] == product.price_cents - 100  # bought at the sale price
    await until(lambda: "剩余 3 件" in row.state.text(), what="remaining to fall")
    assert row.progress.value() == 2
    await until(lambda: row.sale.status == "ended", what="the sale to end")
    assert "已结束" in row.state.text() and "2 / 5" in row.state.text()
