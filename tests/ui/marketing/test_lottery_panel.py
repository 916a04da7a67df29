"""Lottery panel against the real sandbox: started from the panel, viewers enter by commenting the
keyword (debug route), the draw is enabled only after the window, and the drawn result verifies ✓
by recomputing it locally from the revealed seed and participant ids — against the commitment
the panel saw at the lottery's start: a platform that draws with a seed chosen afterwards (and a
matching new commitment) is shown as a loud, red failure at once, without a click."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.platform import models as m
from ui.marketing.lottery import LotteryPanel, grouped
from ui.notify import Notifier


async def test_lottery_started_entered_drawn_and_verified(
    qtbot: QtBot, sandbox_server: Any, live_room: Callable[..., Awaitable[Any]], until: Any
) -> None:
    srv = sandbox_server(live=True, debug_routes=True)
    room = await live_room(srv)
    # the operator draws by hand (到点自动开奖, on by default, is tests/ui/test_stage_time.py's:
    # with it on, a late tick on a busy machine draws before the button was ever seen enabled)
    panel = LotteryPanel(room, Notifier(), auto_draw=False)
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
    assert grouped(lot.commitment) in panel.commitment.text()
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
    verdict = panel.verdict.text()  # verified as soon as the draw shows
    assert verdict.startswith("✓ 验证通过") and "✓ sha256(seed) == 开始时的承诺值" in verdict
    assert "✗" not in verdict and "#c62828" not in panel.verdict.styleSheet()
    qtbot.mouseClick(panel.verify_button, Qt.MouseButton.LeftButton)
    assert panel.verdict.text() == verdict


async def test_a_seed_chosen_after_the_entrants_fails_loudly_in_the_panel(
    qtbot: QtBot, sandbox_server: Any, live_room: Callable[..., Awaitable[Any]], until: Any
) -> None:
    srv = sandbox_server(live=True, debug_routes=True)
    room = await live_room(srv)
    panel = LotteryPanel(room, Notifier())
    qtbot.addWidget(panel)
    panel.show()
    lot = await room.start_lottery(
        m.LotterySpec(prize="口红一支", keyword="福袋来", winners=1, duration_seconds=2)
    )
    await until(lambda: panel.current() is not None, what="the lottery in the panel")
    async with httpx.AsyncClient(base_url=srv.api(), headers=srv.headers(), timeout=30) as c:
        for i in range(4):
            r = await c.post(
                "/_debug/viewer-comment",
                json={"user_id": f"v{i}", "nickname": f"观众{i}", "text": "福袋来"},
            )
            r.raise_for_status()
        await until(lambda: time.time() > lot.ends_ts + 0.2, what="the window to close")
        # the platform cheats: a new seed now, and a commitment matching it sent with the draw
        r = await c.post(f"/_debug/lotteries/{lot.id}/cheat-draw")
        assert r.status_code == 200, r.text
    await until(lambda: panel.winners_list.count() == 1, what="the draw in the panel")
    verdict = panel.verdict.text()  # at once, no click needed
    assert verdict.startswith("✗ 验证未通过"), verdict
    assert "开奖时附带的承诺值与开始时公布的不同" in verdict
    assert "✗ sha256(seed) == 开始时的承诺值" in verdict
    assert "#c62828" in panel.verdict.styleSheet() and panel.verdict.isVisible()
    assert panel.verdict.toolTip() == ""  # the text itself says it, not a tooltip
    assert grouped(lot.commitment) in panel.commitment.text()  # the one published at start is shown
    assert "与开始时不同" in panel.commitment.text()
