"""The lottery panel on a platform without lotteries (the real sandbox restricted to interaction,
like Bilibili): labelled as the console's own lottery with the platform's reason and the plain
fact that it lives on this console; started from the panel (不限时), commenters enter through the
real stream, 开奖 draws here, the winners show and the draw verifies ✓; the window-wide keys work;
the stream overlay shows the keyword, the prize and the commitment from the start."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.overlays.controller import derive
from app.overlays.images import ImageCache
from tests.support.console import Console
from ui.marketing.lottery import LotteryPanel, grouped

BILIBILI_LIKE = "interaction,live_state,viewers"


async def test_the_console_lottery_from_the_panel_to_verified_winners(
    qtbot: QtBot,
    sandbox_server: Any,
    restricted_room: Callable[..., Awaitable[Any]],
    until: Any,
) -> None:
    srv = sandbox_server(live=True, debug_routes=True)
    room = await restricted_room(srv, BILIBILI_LIKE)
    console = Console(qtbot, room)
    panel = console.panel("lottery", LotteryPanel)
    console.window.setCentralWidget(panel)
    console.window.show()
    note = panel.mode_note.text()
    assert panel.mode_note.isVisible() and note.startswith("中控台抽奖 · 由本机抽取")
    assert "沙盒平台不支持平台抽奖" in note and "只在发起它的这台中控台上" in note
    assert "其他中控台看不到" in note
    panel.prize.setText("签名照")
    panel.keyword.setText("中控台")
    panel.winners.setValue(2)
    panel.duration.setValue(0)
    assert panel.duration.text() == "不限时（手动开奖）"
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    await until(lambda: panel.current() is not None, what="the lottery in the panel")
    lot = panel.current()
    assert lot is not None and lot.origin == "console" and len(lot.commitment) == 64
    assert grouped(lot.commitment) in panel.commitment.text()
    assert "不限时" in panel.status.text() and panel.draw_button.isEnabled()
    # on stream: keyword, prize and the commitment published now, before anyone entered
    card = derive(room, lot.starts_ts + 1, ImageCache(), {}).lottery
    assert card is not None and (card.prize, card.keyword) == ("签名照", "中控台")
    assert card.manual and card.commitment_short == lot.commitment[:16] + "…"
    async with httpx.AsyncClient(base_url=srv.api(), headers=srv.headers(), timeout=30) as c:
        for i in range(4):
            body = {"user_id": f"b{i}", "nickname": f"<b>弹幕{i}</b>", "text": "中控台 冲"}
            (await c.post("/_debug/viewer-comment", json=body)).raise_for_status()
        body = {"user_id": "b9", "text": "路过"}
        (await c.post("/_debug/viewer-comment", json=body)).raise_for_status()
    await until(lambda: "参与 4 人" in panel.status.text(), what="4 entrants shown")
    panel.window().activateWindow()
    qtbot.mouseClick(panel.draw_button, Qt.MouseButton.LeftButton)
    await until(lambda: panel.winners_list.count() == 2, what="the winners list")
    names = {panel.winners_list.item(i).text() for i in range(2)}
    assert names <= {f"<b>弹幕{i}</b>" for i in range(4)}  # plain text
    seed = room.lotteries[lot.id].seed
    assert "参与人数：4" in panel.reveal.text() and grouped(seed) in panel.reveal.text()
    assert panel.verdict.text().startswith("✓ 验证通过"), panel.verdict.text()
    assert not panel.draw_button.isEnabled()
    winners = derive(room, lot.starts_ts + 2, ImageCache(), {}).winners
    assert winners is not None and set(winners.nicknames) == names
    assert console.errors == []
    # the window-wide key starts the next one, through the same path; a timed one is drawn by
    # this console by itself when its window closes (it alone holds the seed)
    panel.duration.setValue(1)
    console.shortcuts.actions["lottery.start"].trigger()
    await until(lambda: len(room.lotteries) == 2, what="a second lottery from the key")
    assert all(lo.origin == "console" for lo in room.lotteries.values())
    second = next(lo for lo in room.lotteries.values() if lo.id != lot.id)
    assert second.duration_seconds == 1 and panel.auto_draw.isVisible()
    await until(
        lambda: getattr(room.lotteries.get(second.id), "status", None) == "drawn",
        10,
        "the automatic draw",
    )
    assert room.lotteries[second.id].entrants == 0 and panel.winners_list.count() == 0
    assert console.has("info", "自动开奖") and console.errors == []


async def test_a_console_restarted_before_the_draw_gets_the_lottery_back_and_draws_it(
    qtbot: QtBot,
    sandbox_server: Any,
    restricted_room: Callable[..., Awaitable[Any]],
    until: Any,
) -> None:
    srv = sandbox_server(live=True, debug_routes=True)
    room = await restricted_room(srv, BILIBILI_LIKE)
    first = Console(qtbot, room)
    panel = first.panel("lottery", LotteryPanel)
    panel.prize.setText("签名照")
    panel.keyword.setText("中控台")
    panel.duration.setValue(0)
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    await until(lambda: panel.current() is not None, what="the lottery in the panel")
    lot = panel.current()
    assert lot is not None
    async with httpx.AsyncClient(base_url=srv.api(), headers=srv.headers(), timeout=30) as c:
        for i in range(3):
            body = {"user_id": f"b{i}", "nickname": f"弹幕{i}", "text": "中控台"}
            (await c.post("/_debug/viewer-comment", json=body)).raise_for_status()
    await until(lambda: "参与 3 人" in panel.status.text(), what="3 entrants shown")
    await room.stop()  # the console crashes before the draw: nothing is cleaned up

    again = await restricted_room(srv, BILIBILI_LIKE)  # the console started again
    second = Console(qtbot, again)
    await until(lambda: second.messages, what="the operator told about the lottery")
    [(level, text)] = second.messages
    assert level == "warning" and "「签名照」已恢复：承诺值不变，保留 3 位参与者" in text
    panel = second.panel("lottery", LotteryPanel)
    second.window.setCentralWidget(panel)
    second.window.show()
    await until(lambda: panel.current() is not None, what="the lottery back in the panel")
    back = panel.current()
    assert back is not None and back.id == lot.id and back.commitment == lot.commitment
    assert grouped(lot.commitment) in panel.commitment.text()
    assert panel.draw_button.isEnabled()
    qtbot.mouseClick(panel.draw_button, Qt.MouseButton.LeftButton)
    await until(lambda: panel.winners_list.count() == 3, what="the winners")
    assert "参与人数：3" in panel.reveal.text()
    assert panel.verdict.text().startswith("✓ 验证通过"), panel.verdict.text()
    assert second.errors == []
