"""Red-envelope rain panel against the real sandbox: the form refuses too little money for the
minimum, a scheduled rain shows its countdown, then 已抢 / 剩余, 手气最佳 and the latest grabbers
as viewers grab through the platform, the overlay card follows, 结束红包雨 ends it and the ended
row shows the leftover the platform reported. On a platform without red envelopes the dock is the
note saying why."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.overlays.controller import derive
from app.overlays.images import ImageCache
from tests.support.console import Console
from ui.capability import Unavailable
from ui.marketing.red_envelope import RedEnvelopePanel


async def test_a_rain_from_the_panel_to_its_leftover(
    qtbot: QtBot, sandbox_server: Any, live_room: Callable[..., Awaitable[Any]], until: Any
) -> None:
    srv = sandbox_server(live=True)
    room = await live_room(srv)
    console = Console(qtbot, room)
    panel = console.panel("red_envelope", RedEnvelopePanel)
    panel.title.setText("感谢家人们")
    panel.total.setValue(1.00)
    panel.count.setValue(10)
    panel.minimum.setValue(0.20)
    assert not panel.start_button.isEnabled()
    assert "总金额不足" in panel.problem_label.text() and "¥2.00" in panel.problem_label.text()
    panel.minimum.setValue(0.05)
    panel.starts_in.setValue(2)
    panel.duration.setValue(30)
    assert panel.start_button.isEnabled() and panel.problem_label.text() == ""
    assert panel.per_envelope.text() == "平均每个 ¥0.10"
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    await until(lambda: panel.card.isVisibleTo(panel), what="the rain's card")
    rain = room.active_rain()
    assert rain is not None and rain.status == "scheduled" and rain.title == "感谢家人们"
    assert panel.card.state.text().startswith("待开始 · 0:0"), panel.card.state.text()
    assert not panel.start_button.isEnabled()  # one rain at a time
    await until(lambda: room.active_rain().status == "active", what="the rain to start")
    assert "还剩 0:" in panel.card.state.text()
    got = []
    async with httpx.AsyncClient(base_url=srv.api(), headers=srv.headers(), timeout=30) as c:
        for i in range(3):
            r = await c.post(
                f"/red-envelopes/{rain.id}/grabs", json={"user_id": f"v{i}", "nickname": f"观众{i}"}
            )
            got.append(r.json()["amount_cents"])
    await until(lambda: panel.card.progress.value() == 3, what="3 grabs shown")
    assert "手气最佳：" in panel.card.best.text()
    assert "观众2" in panel.card.grabbers.text() and panel.card.grabbers.text().startswith("最新：")
    card = derive(room, rain.starts_ts + 3, ImageCache(), {}).red_envelope
    assert card is not None and card.grabbed == 3 and card.title == "感谢家人们"
    qtbot.mouseClick(panel.card.end_button, Qt.MouseButton.LeftButton)
    await until(lambda: len(panel.ended_rows) == 1, what="the ended rain's row")
    assert not panel.card.isVisibleTo(panel)
    row = next(iter(panel.ended_rows.values()))
    left = 100 - sum(got)
    assert f"退回 ¥{left // 100}.{left % 100:02d}" in row.text(), row.text()
    assert panel.start_button.isEnabled()  # the next one may go
    console.shortcuts.actions["red_envelope.start"].trigger()  # the key: the same path
    await until(lambda: len(room.red_envelopes) == 2, what="a second rain from the key")
    assert console.errors == []


async def test_without_red_envelopes_the_dock_says_why(
    qtbot: QtBot, sandbox_server: Any, restricted_room: Any
) -> None:
    srv = sandbox_server()
    room = await restricted_room(srv, "comments,gifts,catalogue,flash_sales")
    console = Console(qtbot, room)
    note = console.panel("red_envelope", Unavailable)
    assert "沙盒平台不支持红包雨" in note.text.text()
