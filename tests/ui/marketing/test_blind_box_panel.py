"""The lottery dock's 盲盒 mode on the full sandbox (a platform WITH lotteries: a blind box is
still this console's draw): the pool is edited in the panel, a pool smaller than the winners
blocks the start with the reason, the commitment covers seed and pool, commenters enter through
the real stream, 开奖 shows each winner's prize, the verdict checks the prizes too, and the
stream's winners card reveals the prizes one by one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.live import blind_box
from app.overlays.controller import PRIZE_REVEAL_SECONDS, derive
from app.overlays.images import ImageCache
from tests.support.console import Console
from ui.marketing.lottery import LotteryPanel


async def test_a_blind_box_from_the_panel_with_prizes_verified_and_revealed_one_by_one(
    qtbot: QtBot, sandbox_server: Any, live_room: Callable[..., Awaitable[Any]], until: Any
) -> None:
    srv = sandbox_server(live=True, debug_routes=True)
    room = await live_room(srv)
    console = Console(qtbot, room)
    panel = console.panel("lottery", LotteryPanel)
    console.window.setCentralWidget(panel)
    console.window.show()
    assert panel.console is None and panel.blind_box.isVisible()  # the platform's, or a box
    panel.prize.setText("神秘盲盒")
    panel.keyword.setText("开盒")
    panel.winners.setValue(3)
    panel.blind_box.setChecked(True)
    assert panel.pool_box.isVisible() and panel.start_button.text() == "发起盲盒"
    assert not panel.start_button.isEnabled()  # no prize in the pool yet
    panel.pool_names[0].setText("隐藏款")
    panel.pool_counts[0].setValue(1)
    panel.pool_names[1].setText("普通款")
    panel.pool_counts[1].setValue(1)
    assert "少于中奖人数" in panel.start_button.toolTip() and not panel.start_button.isEnabled()
    panel.pool_counts[1].setValue(4)
    panel.duration.setValue(0)  # drawn by hand
    assert panel.start_button.isEnabled()
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    await until(lambda: panel.current() is not None, what="the blind box in the panel")
    lot = panel.current()
    assert lot is not None and lot.origin == "console" and lot.pool == panel.pool()
    assert "盲盒" in panel.choice.currentText()
    async with httpx.AsyncClient(base_url=srv.api(), headers=srv.headers(), timeout=30) as c:
        for i in range(5):
            body = {"user_id": f"x{i}", "nickname": f"盒友{i}", "text": "开盒开盒"}
            (await c.post("/_debug/viewer-comment", json=body)).raise_for_status()
    await until(lambda: "参与 5 人" in panel.status.text(), what="5 entrants shown")
    qtbot.mouseClick(panel.draw_button, Qt.MouseButton.LeftButton)
    await until(lambda: panel.winners_list.count() == 3, what="the winners with prizes")
    drawn = room.lotteries[lot.id]
    seed = bytes.fromhex(drawn.seed or "")
    assert drawn.winner_prizes == blind_box.recompute_prizes(seed, lot.pool, 3)  # type: ignore[arg-type]
    rows = [panel.winners_list.item(i).text() for i in range(3)]
    assert rows == [f"{n} — {p}" for n, p in zip(drawn.winner_nicknames or [],
                                                 drawn.winner_prizes, strict=True)]  # fmt: skip
    assert panel.verdict.text().startswith("✓ 验证通过")
    assert "✓ 按公开算法复算的盲盒奖品与公布一致" in panel.verdict.text()
    assert "✓ sha256(seed + 奖池) == 开始时的承诺值" in panel.verdict.text()
    assert (
        "sha256(seed + 奖池)" in panel.commitment.text() and "普通款 ×4" in panel.commitment.text()
    )
    seen: dict[str, float] = {}
    t0 = drawn.ends_ts
    first = derive(room, t0, ImageCache(), seen).winners
    later = derive(room, t0 + PRIZE_REVEAL_SECONDS * 2, ImageCache(), seen).winners
    assert first is not None and first.prizes == tuple(drawn.winner_prizes[:1])
    assert later is not None and later.prizes == tuple(drawn.winner_prizes)
    assert console.errors == []
