"""A lottery drawn among Bilibili commenters: the ``bilibili-web`` adapter against the stand-in
(real danmaku frames over the real protocol), the console's own lottery (Bilibili runs none for
the console), and the draw verified from the session recording alone."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.live.console_lottery import ConsoleLotteries
from app.live.lottery_verify import recompute_winners
from app.live.room import LiveRoom
from app.platform import models as m
from app.platform.capabilities import Capability
from app.session.recorder import SessionRecorder
from app.session.replay import SessionFile
from plugins.bilibili import samples
from plugins.bilibili.standin import danmaku as dm
from plugins.bilibili.standin.web import WebStandIn
from plugins.bilibili.web_adapter import BilibiliWebAdapterFactory
from tests.support.polling import until


async def test_bilibili_commenters_enter_and_the_recorded_draw_verifies(
    web_standin: Callable[[WebStandIn], Any], tmp_path: Path
) -> None:
    standin = WebStandIn.scripted([])
    served = await web_standin(standin)
    adapter = await BilibiliWebAdapterFactory().open({"room": "6", "base": served.base})
    room = LiveRoom(adapter)
    assert not room.can(Capability.PLATFORM_LOTTERIES) and room.can(Capability.COMMENTS)
    lotteries = ConsoleLotteries(room)
    rec = SessionRecorder(room, tmp_path / "sessions")
    # opened before the danmaku connection: every scripted comment comes after it
    lot = lotteries.open(
        m.LotterySpec(prize="应援棒", keyword="冲鸭", winners=2, duration_seconds=60), manual=True
    )
    now_ms = int(time.time() * 1000) + 200

    def danmu(uid: int, name: str, text: str, n: int) -> dict[str, Any]:
        return samples.danmu_msg(uid, name, text, id_str=f"d{n}", ts_ms=now_ms + n)

    standin.danmaku.script = dm.Script(
        [
            dm.frame(danmu(101, "阿狸", "冲鸭冲鸭", 1), danmu(102, "小熊", "主播好", 2)),
            dm.frame(danmu(103, "番茄", "  冲鸭 ", 3), danmu(101, "阿狸", "冲鸭", 4)),
            dm.frame(danmu(104, "可乐", "我也冲鸭!", 5), ver=0),
        ]
    )
    room.start()
    await room.wait_loaded()
    rec.start()
    try:
        await until(lambda: len(room.chat) == 5, 30, "the five danmaku")
        assert room.lotteries[lot.id].entrants == 3
        drawn = lotteries.draw(lot.id)
    finally:
        lotteries.close()
        await rec.stop()
        await room.stop()
        await adapter.close()

    assert drawn.participant_ids == ["101", "103", "104"]  # Bilibili uids, as text
    assert set(drawn.winner_nicknames or []) <= {"阿狸", "番茄", "可乐"}
    [path] = rec.files
    with SessionFile(path) as f:
        [r] = f.lotteries()
        assert r.verification.ok and r.lottery.origin == "console", r.verification
        assert r.start_commitment == lot.commitment
        assert r.participants_from_comments == 3
        seed = bytes.fromhex(r.lottery.seed or "")
        assert recompute_winners(seed, r.lottery.participant_ids or [], 2) == r.lottery.winner_ids
