"""Coupons panel against the real sandbox with a simulated audience: a double click issues exactly
one coupon; the claimed count moves as viewers claim it; "end early" ends it; a flagged name asks
with the one compliance dialog first."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from app.platform import models as m
from ui.compliance_dialog import ComplianceDialog
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


async def test_a_flagged_coupon_name_asks_with_the_compliance_dialog_first(
    qtbot: QtBot,
    sandbox_server: Any,
    live_room: Callable[..., Awaitable[Any]],
    until: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same question as the product queue's: the name with its hits, 取消 the default."""
    srv = sandbox_server(live=True, seed=7)
    room = await live_room(srv)
    panel = CouponsPanel(room, Notifier())
    qtbot.addWidget(panel)
    shown: list[ComplianceDialog] = []
    answer = [QDialog.DialogCode.Rejected]

    def fake_exec(self: ComplianceDialog) -> int:  # only the modal loop itself is replaced
        shown.append(self)
        return int(answer[0].value)

    monkeypatch.setattr(ComplianceDialog, "exec", fake_exec)
    panel.name.setText("全网最低价专享券")
    panel.issue()
    assert len(shown) == 1 and shown[0].terms() == ["全网最低", "最低价"]
    assert shown[0].cancel_button.isDefault()
    await asyncio.sleep(0.5)
    assert await _server_coupons(srv) == [] and not panel.issuing.busy  # declined: nothing sent
    answer[0] = QDialog.DialogCode.Accepted
    panel.issue()
    await until(lambda: len(room.coupons) == 1, what="the coupon issued after confirmation")
    assert len(shown) == 2
