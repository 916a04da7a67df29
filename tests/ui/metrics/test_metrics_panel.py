"""Metrics panel against the real sandbox: GMV and the derived figures move after orders; a
synthetic online drop (viewers events injected through the debug route) raises an alert that the
operator can dismiss and that does not come back while the drop lasts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QToolButton
from pytestqt.qtbot import QtBot

from app.format import money
from ui.metrics.panel import MetricsPanel


async def _post(srv: Any, path: str, body: dict[str, Any]) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=srv.api(), headers=srv.headers(), timeout=30) as c:
        r = await c.post(path, json=body)
        r.raise_for_status()
        out: dict[str, Any] = r.json()
        return out


async def _viewers(srv: Any, online: int, uv: int) -> None:
    await _post(
        srv,
        "/_debug/raw-events",
        {"events": [{"type": "viewers", "data": {"online": online, "uv": uv}}]},
    )


async def test_gmv_conversion_and_order_value_move_after_orders(
    qtbot: QtBot, sandbox_server: Any, live_room: Callable[..., Awaitable[Any]], until: Any
) -> None:
    srv = sandbox_server(live=True, debug_routes=True)
    room = await live_room(srv)
    panel = MetricsPanel(room, sample_ms=200)
    qtbot.addWidget(panel)
    value = {k: label.text for k, label in panel.values.items()}
    await _viewers(srv, 150, 200)
    await until(lambda: value["uv"]() == "200", what="UV shown")
    assert value["gmv"]() == "¥0.00" and value["conversion"]() == "0.0%"
    p1, p2 = room.bag[0], room.bag[1]
    o1 = await _post(srv, "/orders", {"user_id": "b1", "product_id": p1.id, "pay": True})
    o2 = await _post(srv, "/orders", {"user_id": "b1", "product_id": p2.id})
    o3 = await _post(srv, "/orders", {"user_id": "b2", "product_id": p2.id})
    gmv = o1["amount_cents"] + o2["amount_cents"] + o3["amount_cents"]
    await until(lambda: value["gmv"]() == money(gmv), what="GMV moving")
    assert value["orders"]() == "3"
    assert value["paid_gmv"]() == money(o1["amount_cents"])
    assert value["conversion"]() == "1.0%"  # 2 distinct buyers / 200 viewers
    assert value["avg_order"]() == money(round(gmv / 3))
    assert value["uv_value"]() == money(round(gmv / 200))
    trend = panel.trends["gmv"]
    await until(lambda: trend.points and trend.points[-1][1] == gmv, what="the GMV trend")
    assert trend.points[0][1] == 0  # it rose over the samples


async def test_an_online_drop_alert_fires_and_can_be_dismissed(
    qtbot: QtBot, sandbox_server: Any, live_room: Callable[..., Awaitable[Any]], until: Any
) -> None:
    srv = sandbox_server(live=True, debug_routes=True)
    room = await live_room(srv)
    panel = MetricsPanel(room, sample_ms=200)
    qtbot.addWidget(panel)
    await _viewers(srv, 1000, 1200)
    await until(lambda: any(s.online == 1000 for s in panel.tracker.history), what="a peak")
    assert "online_drop" not in panel.strip.rows
    await _viewers(srv, 700, 1200)  # -30 % within seconds
    await until(lambda: "online_drop" in panel.strip.rows, what="the online-drop alert")
    assert not panel.strip.isHidden()
    assert any("下降 30%" in t and "1000 → 700" in t for t in panel.strip.texts())
    button = panel.strip.rows["online_drop"].findChild(QToolButton, "dismiss:online_drop")
    assert button is not None
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert "online_drop" not in panel.strip.rows
    n = len(panel.tracker.history)
    await until(lambda: len(panel.tracker.history) >= n + 3, what="more samples")
    assert "online_drop" not in panel.strip.rows  # the drop still holds: not shown again


async def test_paid_messages_show_in_the_currency_the_platform_paid_in(
    qtbot: QtBot, sandbox_server: Any, live_room: Callable[..., Awaitable[Any]], until: Any
) -> None:
    """A Twitch cheer is US cents: the tile must not show it as yuan."""
    srv = sandbox_server(live=True, debug_routes=True)
    room = await live_room(srv)
    panel = MetricsPanel(room, sample_ms=200)
    qtbot.addWidget(panel)
    paid = {"user_id": "t1", "nickname": "cheerer", "amount_cents": 500, "currency": "USD",
            "text": "Cheer500"}  # fmt: skip
    await _post(srv, "/_debug/raw-events", {"events": [{"type": "paid_message", "data": paid}]})
    value = panel.values["paid_messages"].text
    await until(lambda: value() == "1 · $5.00", what="the paid message in USD")
