"""Lottery panel against the real sandbox: started from the panel, viewers enter by commenting the
keyword (debug route), the draw is enabled only after the window, and the drawn result verifies ✓
by recomputing it locally from the revealed seed and participant ids."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from ui.marketing.lottery import LotteryPanel
from ui.notify import Notifier


async def test_lottery_started_entered_drawn_and_verified(
    qtbot: QtBot, sandbox_server: Any, live_room: Callable[..., Awaitable[Any]], until: Any
) -> None:
    srv = sandbox_server(live=True, debug_routes=True)
    room = await live_room(srv)
    panel = LotteryPanel(room, Notifier())
    qtbot.addWidget(panel)
    assert not panel.start_button.isEnabled()  # no prize, no keyword yet
    panel.prize.setText("口红一支")
    panel.keyword.setText("福袋来")
    panel.winners.setValue(2)
    panel.duration.setValue(4)
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    await until(lambda: panel.current() is not None, what="the lottery in the panel")
    lot = panel.current()
    assert lot is not None and len(lot.commitment) == 64
    assert lot.commitment in panel.commitment.text()
    assert "进行中" in panel.status.text() and not panel.draw_button.isEnabled()
    async with httpx.AsyncClient(base_url=srv.api(), headers=srv.headers(), timeout=30) as c:
        for i in range(5):
            r = await c.post(
                "/_debug/viewer-comment",
                json={"user_id": f"v{i}", "nickname": f"<i>观众{i}</i>", "text": "福袋来福袋来"},
            )
            r.raise_for_status()
        r = await c.post(
            "/_debug/viewer-comment", json={"user_id": "v9", "text": "路过看看"}
        )  # not the keyword: not an entrant
        r.raise_for_status()
    await until(lambda: "参与 5 人" in panel.status.text(), what="5 entrants shown")
    await until(lambda: panel.draw_button.isEnabled(), what="the draw after the window")
    assert "可以开奖" in panel.status.text()
    qtbot.mouseClick(panel.draw_button, Qt.MouseButton.LeftButton)
    await until(lambda: panel.winners_list.count() == 2, what="the winners list")
    names = {panel.winners_list.item(i).text() for i in range(2)}
    assert names <= {f"<i>观众{i}</i>" for i in range(5)}  # nicknames shown literally
    assert "种子" in panel.reveal.text() and "参与人数：5" in panel.reveal.text()
    assert not panel.draw_button.isEnabled()
    qtbot.mouseClick(panel.verify_button, Qt.MouseButton.LeftButton)
    verdict = panel.verdict.text()
    assert verdict.startswith("✓ 验证通过") and "✓ sha256(seed) == 承诺值" in verdict
    assert "✗" not in verdict
