"""The console restarts while its own lottery and quiz are open (the real sandbox restricted to the
interaction kinds, like Bilibili; the real recorder): the restarted console gets both back from
its journal (app/live/pending_games.py) and finishes them verifiably.

- the lottery comes back with the commitment viewers saw and the entrants seen before the restart;
  a comment made while the console was down does not enter, one made after it does; its draw
  verifies live and from the session file alone;
- the quiz comes back closed at its last counted answer, with its tally; an answer made while the
  console was down does not count; the reveal and the draw among the correct answerers verify,
  and the replay's recount from the recorded comments agrees;
- the operator is told both in plain words, and the journals are gone once nothing is open;
- a lottery and a quiz of a session that ended while the console was down are voided and said so.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from app.live.console_lottery import ConsoleLotteries
from app.live.pending_games import GameJournal, GameRecovery
from app.live.quiz import Quizzes
from app.live.room import LiveRoom
from app.platform import models as m
from app.session.quizzes import quizzes_of
from app.session.recorder import SessionRecorder
from app.session.replay import SessionFile
from plugins.sandbox.adapter import SandboxAdapterFactory
from tests.integration.test_recording_console_lottery import BILIBILI_LIKE, viewer_says
from tests.support.polling import until


class _Console:
    """One run of a console: the room, its recorder and its games with their journals."""

    def __init__(self, adapter: Any, room: LiveRoom, rec: SessionRecorder) -> None:
        self.adapter, self.room, self.rec = adapter, room, rec
        self.said: list[str] = []
        self.lotteries = ConsoleLotteries(room, journal=GameJournal.for_room(room, "lotteries"))
        self.quizzes = Quizzes(room, self.lotteries, journal=GameJournal.for_room(room, "quiz"))
        self.recovery = GameRecovery(room, (self.lotteries, self.quizzes), self.said.append)

    async def stop(self) -> None:
        """What closing the window and the process does; nothing is drawn or revealed."""
        for game in (self.recovery, self.quizzes, self.lotteries):
            game.close()
        await self.rec.stop()
        await self.room.stop()
        await self.adapter.close()


async def _start(srv: Any, sessions: Path) -> _Console:
    adapter = await SandboxAdapterFactory().open(
        {"url": srv.url, "room": srv.room, "token": srv.tokens["host"],
         "capabilities": BILIBILI_LIKE}
    )  # fmt: skip
    room = LiveRoom(adapter)
    rec = SessionRecorder(room, sessions)
    console = _Console(adapter, room, rec)  # built before the room connects, as the window is
    room.start()
    rec.start()  # as ui/launch.py: right after room.start(), before the snapshot is in
    await room.wait_loaded()
    await until(lambda: room.online, 30, "the event stream to connect")
    await until(lambda: console.recovery.done, 30, "the games restored after the snapshot")
    return console


async def _say(srv: Any, console: _Console, *lines: tuple[str, str]) -> None:
    before = console.room.metrics.comments
    for uid, text in lines:
        await asyncio.to_thread(viewer_says, srv, uid, f"观众{uid}", text)
    await until(lambda: console.room.metrics.comments >= before + len(lines), 30, "the comments")


def _journals(room: LiveRoom) -> list[Path]:
    return [
        p for p in (GameJournal.for_room(room, n).path for n in ("lotteries", "quiz")) if p.exists()
    ]


async def test_a_restarted_console_finishes_its_open_lottery_and_quiz_verifiably(
    sandbox_server: Callable[..., Any], tmp_path: Path
) -> None:
    srv = sandbox_server(debug_routes=True, live=True)
    sessions = tmp_path / "sessions"
    first = await _start(srv, sessions)
    try:
        assert first.said == []  # nothing to restore on a first start
        spec = m.LotterySpec(prize="签名照", keyword="666", winners=2, duration_seconds=1)
        lot = first.lotteries.open(spec, manual=True)
        q = first.quizzes.start("哪个颜色卖得最好？", ["红色", "蓝色", "绿色"], correct=1)
        await _say(srv, first, ("a", "666"), ("b", "我要666"), ("v0", "B"), ("v1", "A"))
        await _say(srv, first, ("v2", "2"), ("v0", "C"))  # v0's second answer: ignored
        await until(lambda: first.room.lotteries[lot.id].entrants == 2, 30, "two entrants")
        assert first.room.quizzes[q.id].tally == [1, 2, 0]
        assert all(p.stat().st_mode & 0o077 == 0 for p in _journals(first.room))  # owner-only
    finally:
        await first.stop()

    # while the console is down: neither counts
    await asyncio.to_thread(viewer_says, srv, "c", "观众c", "666")
    await asyncio.to_thread(viewer_says, srv, "v3", "观众v3", "B")

    second = await _start(srv, sessions)
    try:
        room = second.room
        assert len(second.said) == 2, second.said
        assert "「签名照」已恢复" in second.said[0] and "保留 2 位参与者" in second.said[0]
        assert "关闭期间的评论没有看到，不计入" in second.said[0]
        assert "截止作答" in second.said[1] and "保留重启前的 3 份答案" in second.said[1]
        back = room.lotteries[lot.id]
        assert back.commitment == lot.commitment and back.status == "open"
        assert back.entrants == 2 and second.lotteries.manual(lot.id)
        quiz = room.quizzes[q.id]
        assert quiz.status == "closed" and quiz.tally == [1, 2, 0] and quiz.answerers == 3

        await _say(srv, second, ("d", "666"), ("v4", "B"))  # after the restart: d enters
        await until(lambda: room.lotteries[lot.id].entrants == 3, 30, "d to enter")
        assert room.quizzes[q.id].tally == [1, 2, 0]  # the quiz was closed

        revealed = second.quizzes.reveal(q.id)
        assert revealed.correct_ids == ["v0", "v2"]
        among = second.quizzes.draw_among_correct(q.id, "口红", 1)
        among_drawn = second.lotteries.draw(among.id)
        drawn = second.lotteries.draw(lot.id)
        assert drawn.participant_ids == ["a", "b", "d"]
        assert len(drawn.winner_ids or []) == 2
        v = room.verify_lottery(lot.id)
        assert v is not None and v.ok  # against the commitment of the first run
        assert among_drawn.participant_ids == ["v0", "v2"]
        assert _journals(room) == []  # nothing open: no secret left on disk
    finally:
        await second.stop()

    [path] = {*first.rec.files, *second.rec.files}  # the same session's file, reopened
    with SessionFile(path) as f:
        by_id = {r.lottery.id: r for r in f.lotteries()}
        main = by_id[lot.id]
        assert main.start_commitment == lot.commitment and main.verification.ok
        assert main.lottery.participant_ids == ["a", "b", "d"]
        assert by_id[among.id].verification.ok
        [r] = quizzes_of(f)
        assert r.ok and r.tally == (1, 2, 0) and r.correct_ids == ("v0", "v2"), r
        marks = [mk.kind for mk in f.markers() if mk.kind.startswith(("quiz", "lottery"))]
        assert marks == [  # the restored lottery's start is not marked twice
            "lottery_started", "quiz_started", "quiz_revealed", "lottery_started",
            "lottery_drawn", "lottery_drawn",
        ]  # fmt: skip


async def test_games_of_a_session_that_ended_meanwhile_are_voided(
    sandbox_server: Callable[..., Any], tmp_path: Path
) -> None:
    srv = sandbox_server(debug_routes=True, live=True)
    sessions = tmp_path / "sessions"
    first = await _start(srv, sessions)
    try:
        spec = m.LotterySpec(prize="签名照", keyword="666", winners=1, duration_seconds=60)
        lot = first.lotteries.open(spec)
        q = first.quizzes.start("今天几号色？", ["01", "02"], correct=0)
        sid = first.room.session.id if first.room.session else ""
    finally:
        await first.stop()

    async with httpx.AsyncClient(base_url=srv.api(), headers=srv.headers(), timeout=30) as c:
        (await c.post(f"/sessions/{sid}/end")).raise_for_status()
        (await c.post("/sessions")).raise_for_status()

    second = await _start(srv, sessions)
    try:
        assert len(second.said) == 2, second.said
        assert "「签名照」所属的场次在中控台重启前已结束：该抽奖作废" in second.said[0]
        assert "「今天几号色？」所属的场次在中控台重启前已结束：该题作废" in second.said[1]
        assert lot.id not in second.room.lotteries and q.id not in second.room.quizzes
        assert _journals(second.room) == []
    finally:
        await second.stop()
