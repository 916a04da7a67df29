"""A lottery's recorded state stays the platform's when the recorder writes events out of seq
order (issue 20: the replay showed 393 entrants where the recount from comments said 392, every
check ✔).

The recorder fills a gap from the platform's log *after* the live events that followed it (a
console that connects or restarts mid-show, or a writer that fell behind a burst). The file kept
each entity's "latest" state as the last one written: the back-filled ``lottery_entered`` of an
entrant who was muted afterwards set the drawn lottery's count back up by one, and a back-filled
``lottery_started`` set a drawn lottery back to open. Here a real recording (the real sandbox,
mutes included) is written again in exactly that order: the tail first, then the gap."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.platform import models as m
from app.session.replay import SessionFile
from app.session.writer import SessionWriter
from tests.support.polling import until
from tests.ui.replay.test_replay_lottery_mutes import record_lottery_with_mutes
from tests.ui.replay.test_replay_moment import rows
from ui.replay.window import ReplayWindow

pytestmark = [pytest.mark.slow, pytest.mark.qt_log_ignore("propagateSizeHints")]


async def test_a_backfilled_gap_does_not_roll_the_lottery_back(
    qtbot: Any, sandbox_server: Callable[..., Any], tmp_path: Path
) -> None:
    srv = sandbox_server(debug_routes=True)
    path, lot_id = await record_lottery_with_mutes(srv, tmp_path / "sessions")
    async with httpx.AsyncClient(headers=srv.headers("reviewer"), timeout=30) as http:
        lot = (await http.get(srv.api(f"/lotteries/{lot_id}"))).json()
    with SessionFile(path) as f:
        meta = dict(f.meta)
        events = list(f.iter_events())
    drawn = next(e.seq for e in events if e.type is m.EventType.LOTTERY_DRAWN)
    # the live tail arrives first; the gap before it is filled from the log afterwards
    tail = [e for e in events if e.seq >= drawn]
    gap = [e for e in events if e.seq < drawn]
    again = tmp_path / "again" / path.name
    w = SessionWriter(again, {k: v for k, v in meta.items() if k != "schema_version"})
    w.put_events(tail)
    await until(lambda: w.stats.last_seq == tail[-1].seq, 20, "the tail written")
    w.put_events(gap)
    await until(lambda: w.stats.events == len(events), 20, "the gap written")
    w.close()

    with SessionFile(again) as f:
        [result] = f.lotteries()
    assert result.lottery.status == "drawn"  # was "open": the back-filled start won
    assert result.verification.ok  # the start's commitment is still the first state
    assert result.lottery.entrants == lot["entrants"]
    assert result.participants_from_comments == lot["entrants"]

    win = ReplayWindow(again)
    win.show()
    try:
        [row] = rows(win.lotteries)
        assert row[3] == row[4] == str(lot["entrants"])  # entrants and the recount agree
        assert row[5] == row[6] == row[7] == "✔"
        assert win.lottery_tab.note.isHidden()  # nothing to explain: the counts agree
    finally:
        win.close()


async def test_counts_that_legitimately_differ_say_why(
    qtbot: Any, sandbox_server: Callable[..., Any], tmp_path: Path
) -> None:
    """A recording that lacks events the platform no longer keeps cannot recount every entrant:
    the lottery tab says so under the table instead of showing two numbers and every ✔."""
    import dataclasses

    from ui.replay.lottery_tab import LotteryTab

    srv = sandbox_server(debug_routes=True)
    path, _ = await record_lottery_with_mutes(srv, tmp_path / "sessions")
    with SessionFile(path) as f:
        [result] = f.lotteries()
    short = dataclasses.replace(
        result,
        participants_from_comments=result.lottery.entrants - 1,
        differs_because="gaps",
    )
    tab = LotteryTab([short])
    qtbot.addWidget(tab)
    assert not tab.note.isHidden()
    assert "录制缺少平台已不保留的事件" in tab.note.text()
    assert f"平台 {result.lottery.entrants} 人" in tab.note.text()
