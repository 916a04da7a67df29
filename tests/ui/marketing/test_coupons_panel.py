"""Coupons panel against the real sandbox with a simulated audience: a double click issues exactly
one coupon; the claimed count moves as viewers claim it; "end early" ends it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.platform import models as m
from ui.marketing.coupons import CouponsPanel
from ui.notify import Notifier


async def _server_coupons(srv: Any) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=srv.api(), headers=srv.headers(), timeout=30) as c:
        r = await c.get("/coupons")
        r.raise_for_status()
        body = r.json()
        items: list[dict[str, Any]] = body.get("coupons", body) if isinstance(body, dict) else body
        return items


async def test_double_click_issues_one_coupon_that_viewers_claim_and_that_ends_early(
    qtbot: QtBot, sandbox_server: Any, live_room: Callable[..., Awaitable[Any]], until: Any
) -> None:
    srv = sandbox_server(viewers=200, live=True, seed=7)
    room = await live_room(srv)
    notifier = Notifier()
    messages: list[tuple[str, str]] = []
    notifier.message.connect(lambda level, text: messages.append((level, text)))
    panel = CouponsPanel(room, notifier)
    qtbot.addWidget(panel)
    panel.kind.setCurrentIndex(2)  # 无门槛
    panel.amount.setValue(5.0)
    panel.quantity.setValue(50)
    assert "无门槛减¥5.00" in panel.preview.text() and "共 50 张" in panel.preview.text()
    qtbot.mouseDClick(panel.issue_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.issue_button, Qt.MouseButton.LeftButton)  # and an impatient third
    await until(lambda: len(panel.rows) >= 1, what="the coupon in the panel")
    await until(lambda: not panel.issuing.busy, what="the issue to finish")
    await asyncio.sleep(1.0)  # anything sent twice would have landed by now
    assert len(await _server_coupons(srv)) == 1
    assert len(room.coupons) == 1 and len(panel.rows) == 1
    assert ("info", "已发券") in messages
    row = next(iter(panel.rows.values()))
    coupon: m.Coupon = row.coupon
    assert coupon.kind is m.CouponKind.NO_THRESHOLD and coupon.amount_cents == 500
    assert row.progress.maximum() == 50
    await until(lambda: row.progress.value() > 0, within=90, what="viewers claiming the coupon")
    assert "剩余" in row.info.text()
    claimed = row.progress.value()
    assert row.end_button.isEnabled()
    qtbot.mouseClick(row.end_button, Qt.MouseButton.LeftButton)
    await until(lambda: row.coupon.status == "ended", what="the coupon to end")
    assert "已结束" in row.info.text() and not row.end_button.isEnabled()
    server = (await _server_coupons(srv))[0]
    assert server["status"] == "ended" and server["claimed"] >= claimed
