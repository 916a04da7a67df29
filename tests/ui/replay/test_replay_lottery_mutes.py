"""The replay counts a lottery's entrants as the platform does (issue 13, D16): a user muted
before the draw leaves the lottery (the platform removes them; the replay once counted every
keyword comment and showed 3 where the platform said 2). Recorded from the real sandbox server."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.platform import models as m
from app.session.replay import SessionFile
from tests.support.polling import until
from tests.support.recording_rig import recording_host
from tests.ui.replay.test_replay_moment import rows
from ui.replay.window import ReplayWindow

pytestmark = [pytest.mark.slow, pytest.mark.qt_log_ignore("propagateSizeHints")]


async def record_lottery_with_mutes(srv: Any, directory: Path) -> tuple[Path, str]:
    """u1, u2, u3 and u4 type the keyword; u3 is muted during the window and u2 after it closed
    (before the draw); u4, muted for a second, types it again once the mute is over."""
    async with recording_host(srv, directory) as (room, rec):
        await room.start_session()
        await until(lambda: rec.recording, 20, "recording")
        lot = await room.start_lottery(
            m.LotterySpec(prize="福袋", keyword="抽我", winners=3, duration_seconds=6)
        )
        async with httpx.AsyncClient(headers=srv.headers("host"), timeout=30) as http:

            async def say(user: str, text: str) -> int:
                r = await http.post(
                    srv.api("/_debug/viewer-comment"),
                    json={"user_id": user, "nickname": f"观众{user}", "text": text},
                )
                return r.status_code

            async def entrants() -> int:
                r = await http.get(srv.api(f"/lotteries/{lot.id}"))
                return int(r.json()["entrants"])

            for u in ("u1", "u2", "u3", "u4"):
                assert await say(u, "抽我！") == 200
            assert await entrants() == 4
            await room.mute_user("u3")  # for good: leaves the lottery
            await room.mute_user("u4", seconds=1)  # leaves it too…
            assert await entrants() == 2
            # the live console's count (panel, overlay) follows: the mutes come as events
            await until(lambda: room.muted_until.keys() >= {"u3", "u4"}, 10, "the mute events")
            assert room.lotteries[lot.id].entrants == 2
            t_unmuted = time.time() + 1.2
            await until(lambda: time.time() > t_unmuted, 5, "u4's mute to end")
            await say("u4", "抽我")  # …and is back if this comes inside the window
            await until(lambda: time.time() > lot.ends_ts + 0.3, 15, "the window to close")
            await room.mute_user("u2")  # after the window, before the draw: leaves it as well
            await room.draw_lottery(lot.id)
        await room.end_session()
        await until(lambda: not rec.recording, 20, "the file to close")
    [path] = rec.files
    return path, lot.id


async def test_the_replay_counts_entrants_as_the_platform_does_with_mutes(
    qtbot: Any, sandbox_server: Callable[..., Any], tmp_path: Path
) -> None:
    srv = sandbox_server(debug_routes=True)
    path, lot_id = await record_lottery_with_mutes(srv, tmp_path / "sessions")
    async with httpx.AsyncClient(headers=srv.headers("reviewer"), timeout=30) as http:
        lot = (await http.get(srv.api(f"/lotteries/{lot_id}"))).json()
    assert lot["status"] == "drawn"
    ids = set(lot["participant_ids"])
    assert "u1" in ids and not {"u2", "u3"} & ids  # u4: back only if it made the window
    assert lot["entrants"] == len(ids)

    with SessionFile(path) as f:
        [result] = f.lotteries()
    assert result.lottery.entrants == lot["entrants"]
    assert result.participants_from_comments == lot["entrants"]  # was 4: every keyword comment

    win = ReplayWindow(path)
    win.show()
    try:
        [row] = rows(win.lotteries)
        assert row[3] == row[4] == str(lot["entrants"])  # entrants, recomputed from the file
    finally:
        win.close()
