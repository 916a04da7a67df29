"""No stale state across a session's edges (issue "Safe on air"), driven through the real window on
the real sandbox: after 下播 nothing says 讲解中 and nothing stays pinned; mutes that no longer hold
do not carry into the next session (permanent ones do); the orders table starts again with its
counts; the audience leaving after the operator's own 下播 raises no alarm."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.qtbot import QtBot

from app.live.alerts import AlertConfig
from tests.support.console import main_window
from tests.support.polling import until
from tests.ui.products.test_product_queue import CLEAN, Connect, connect  # noqa: F401
from tests.ui.test_guardrails import _answer, _click_action, from_qt
from ui.chat.panel import ChatPanel
from ui.metrics.panel import MetricsPanel
from ui.orders.panel import OrdersPanel
from ui.products.panel import ProductQueuePanel


async def _post(srv: Any, path: str, body: dict[str, Any] | None = None) -> Any:
    async with httpx.AsyncClient(base_url=srv.api(), headers=srv.headers(), timeout=30) as c:
        r = await c.post(path, json=body)
        r.raise_for_status()
        return r.json()


async def _end_show(win: Any) -> None:
    """下播 as the operator does it: the toolbar action, then the question's 下播 button."""
    seen: list[dict[str, Any]] = []
    _answer(_click_action, seen)
    await from_qt(win.end_action.trigger, lambda: len(seen) == 1)


async def test_after_end_show_nothing_is_on_stage_pinned_muted_or_ordered_from_the_last_show(
    qtbot: QtBot,
    sandbox_server: Any,
    connect: Connect,  # noqa: F811
    tmp_path: Path,
) -> None:
    srv = sandbox_server(live=True, debug_routes=True)
    room = await connect(srv)
    win = main_window(qtbot, room, tmp_path)
    panel = win.panels["products"]
    chat = win.findChild(ChatPanel)
    orders = win.findChild(OrdersPanel)
    assert isinstance(panel, ProductQueuePanel) and isinstance(chat, ChatPanel)
    assert isinstance(orders, OrdersPanel)
    status = win.stage.findChild(QLabel, "stageStatus")
    assert status is not None
    await until(lambda: panel.model.rowCount() == len(room.product_ids) > 0, what="the bag")
    panel.select(CLEAN)
    qtbot.mouseClick(panel.buttons["explain"], Qt.MouseButton.LeftButton)
    await until(lambda: "讲解中" in status.text(), what="the stage explaining")
    said = await _post(
        srv, "/_debug/viewer-comment", {"user_id": "fan1", "nickname": "小鱼", "text": "好看"}
    )
    await room.pin_comment(said["comment"]["id"])
    await room.mute_user("troll_timed", 1)
    await room.mute_user("troll_forever")
    await _post(srv, "/orders", {"user_id": "b1", "product_id": CLEAN, "pay": True})
    await until(lambda: orders.model.rowCount() == 1, what="the order in the table")
    await until(lambda: not chat.pinned_bar.isHidden(), what="the pinned comment shown")
    await until(lambda: "troll_forever" in room.muted_user_ids, what="mutes applied")

    await _end_show(win)
    await until(lambda: room.session is not None and room.session.status == "ended")
    await until(lambda: "讲解中" not in status.text(), what="the stage cleared at 下播")
    assert status.text() == "未在讲解"
    assert room.explaining is None
    await until(lambda: chat.pinned_bar.isHidden(), what="the pin cleared at 下播")
    assert orders.model.rowCount() == 1  # the ended show's orders stay, with its counts

    await asyncio.sleep(1.1)  # the timed mute ends before the next show
    await room.start_session()
    await until(lambda: room.session is not None and room.session.status == "live")
    await until(lambda: orders.model.rowCount() == 0, what="the new show's empty orders table")
    assert "下单 0" in orders.summary.text() or room.metrics.orders == 0
    assert set(room.muted_user_ids) == {"troll_forever"}  # a permanent mute stays
    assert "讲解中" not in status.text() and chat.pinned_bar.isHidden()
    await _post(srv, "/orders", {"user_id": "b2", "product_id": CLEAN})
    await until(lambda: orders.model.rowCount() == 1, what="the new show's first order")
    assert orders.model.order(0).user_id == "b2"


async def test_no_audience_alarm_after_the_operators_own_end_show(
    qtbot: QtBot,
    sandbox_server: Any,
    connect: Connect,  # noqa: F811
) -> None:
    """在线人数下降 100% and 评论热度骤降 after 下播 are the show ending, not an emergency."""
    srv = sandbox_server(live=True, debug_routes=True)
    room = await connect(srv)
    cfg = AlertConfig(
        comment_min_history=1.0, comment_window=1.0, comment_baseline=6.0, comment_min_rate=5.0
    )
    metrics = MetricsPanel(room, alert_config=cfg, sample_ms=200)
    host = QWidget()
    qtbot.addWidget(host)
    metrics.setParent(host)
    await _post(
        srv,
        "/_debug/raw-events",
        {"events": [{"type": "viewers", "data": {"online": 1000, "uv": 1200}}]},
    )
    for i in range(30):
        await _post(
            srv, "/_debug/viewer-comment", {"user_id": f"v{i % 6}", "nickname": "v", "text": "扣1"}
        )
        await asyncio.sleep(0.05)
    history = metrics.tracker.history
    await until(lambda: any(s.online == 1000 and s.comments >= 30 for s in history), what="peak")
    assert not metrics.strip.rows  # a lively show: no alert
    await room.end_session()
    await until(lambda: room.metrics.online == 0, what="the audience gone after 下播")
    n = len(history)
    await until(lambda: len(history) >= n + 15, within=30, what="3 s of samples after 下播")
    assert "online_drop" not in metrics.strip.rows
    assert "comment_collapse" not in metrics.strip.rows
