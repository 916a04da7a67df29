"""The console's own games on a platform without lotteries (the real sandbox restricted to the
interaction kinds, like Bilibili), recorded and then checked from the session file alone:

- a quiz answered by scripted commenters through the real event stream, revealed, and a lottery
  drawn among exactly the correct answerers: the replay recounts the answers from the recorded
  comments and the test recomputes the winners from the recorded events;
- a blind box: winners AND each winner's prize recomputed from the recorded start (commitment
  over seed and pool) and draw, and the same draw with a tampered pool fails verification."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from app.live import blind_box
from app.live.console_lottery import ConsoleLotteries
from app.live.lottery_verify import recompute_winners, verify
from app.live.quiz import Answers, Quizzes
from app.live.room import LiveRoom
from app.platform import models as m
from app.session.quizzes import quizzes_of
from app.session.recorder import SessionRecorder
from app.session.replay import SessionFile
from plugins.sandbox.adapter import SandboxAdapterFactory
from tests.integration.test_recording_console_lottery import BILIBILI_LIKE, viewer_says
from tests.support.polling import until

ANSWERS = {  # user → what they comment, in order (the first valid answer counts)
    "v0": ["B"], "v1": ["ｂ"], "v2": ["A", "B"], "v3": ["我猜", "2"], "v4": ["蓝色"],
    "v5": ["C"], "v6": ["D"],  # D: no 4th option, no answer
}  # fmt: skip


async def _open(sandbox_server: Callable[..., Any], tmp_path: Path) -> Any:
    srv = sandbox_server(debug_routes=True, live=True)
    adapter = await SandboxAdapterFactory().open(
        {"url": srv.url, "room": srv.room, "token": srv.tokens["host"],
         "capabilities": BILIBILI_LIKE}
    )  # fmt: skip
    room = LiveRoom(adapter)
    rec = SessionRecorder(room, tmp_path / "sessions")
    room.start()
    await room.wait_loaded()
    rec.start()
    await until(lambda: room.online, 30, "the event stream to connect")
    await until(lambda: rec.recording, 30, "the recorder to open the live session's file")
    return srv, adapter, room, rec


async def test_quiz_answers_reveal_and_the_draw_among_correct_answerers_verify_from_the_file(
    sandbox_server: Callable[..., Any], tmp_path: Path
) -> None:
    srv, adapter, room, rec = await _open(sandbox_server, tmp_path)
    lotteries = ConsoleLotteries(room)
    quizzes = Quizzes(room, lotteries)
    try:
        await asyncio.to_thread(viewer_says, srv, "early", "早到", "B")  # before the quiz
        await until(lambda: room.metrics.comments >= 1, 30, "the early comment")
        q = quizzes.start("哪个颜色卖得最好？", ["红色", "蓝色", "绿色"], correct=1)
        n = 1
        for uid, texts in ANSWERS.items():
            for text in texts:
                await asyncio.to_thread(viewer_says, srv, uid, f"观众{uid}", text)
                n += 1
        await until(lambda: room.metrics.comments >= n, 30, "every answer")
        assert room.quizzes[q.id].tally == [1, 4, 1]  # v2 A (first); v0 v1 v3 v4 B; v5 C
        revealed = quizzes.reveal()
        await asyncio.to_thread(viewer_says, srv, "late", "迟到", "B")  # after the reveal
        await until(lambda: room.metrics.comments >= n + 1, 30, "the late comment")
        lot = quizzes.draw_among_correct(q.id, "签名照", 2)
        drawn = lotteries.draw(lot.id)
    finally:
        quizzes.close()
        lotteries.close()
        await rec.stop()
        await room.stop()
        await adapter.close()

    assert revealed.correct_ids == ["v0", "v1", "v3", "v4"]
    assert drawn.participant_ids == revealed.correct_ids
    [path] = rec.files
    f = SessionFile(path)
    try:
        # the replay's check: recount from recorded comments, the lottery verified
        [r] = quizzes_of(f)
        assert r.ok and r.tally == (1, 4, 1) and r.correct_ids == ("v0", "v1", "v3", "v4"), r
        assert r.lottery is not None and r.lottery.verification.ok
        # and by hand, from the recorded events alone: the quiz's window from its local
        # events, the answers from the recorded comments, the lottery from its start and draw
        rows = list(f.conn.execute("SELECT type, data FROM local_events ORDER BY n"))
        quiz_states = [orjson.loads(d)["quiz"] for t, d in rows if t.startswith("quiz_")]
        final = quiz_states[-1]
        answers = Answers(final["options"])
        for ev in f.iter_events():
            if ev.type == "comment" and final["after_seq"] < ev.seq <= final["last_seq"]:
                c = ev.data.comment
                if c.role == "viewer":
                    answers.add(c.user_id, c.nickname, c.text)
        correct = answers.correct_ids(final["correct"])
        assert correct == final["correct_ids"] == ["v0", "v1", "v3", "v4"]
        lot_states = [orjson.loads(d)["lottery"] for t, d in rows if t == "lottery_started"]
        [start] = [s for s in lot_states if s["quiz_id"] == final["id"]]
        [done] = [orjson.loads(d)["lottery"] for t, d in rows if t == "lottery_drawn"]
        seed = bytes.fromhex(done["seed"])
        assert recompute_winners(seed, correct, done["winners"]) == done["winner_ids"]
        assert verify(m.Lottery.model_validate(done), start["commitment"]).ok
        assert start["seed"] is None  # the seed was not in the file before the draw
        marks = [mk.kind for mk in f.markers() if mk.kind.startswith(("quiz", "lottery"))]
        assert marks == ["quiz_started", "quiz_revealed", "lottery_started", "lottery_drawn"]
    finally:
        f.close()


async def test_a_blind_box_draw_recomputes_winners_and_prizes_from_the_file(
    sandbox_server: Callable[..., Any], tmp_path: Path
) -> None:
    srv, adapter, room, rec = await _open(sandbox_server, tmp_path)
    lotteries = ConsoleLotteries(room)
    pool = m.PrizePool.model_validate(
        {"mode": "counts", "prizes": [{"name": "隐藏款", "n": 1}, {"name": "普通款", "n": 3}]}
    )
    try:
        spec = m.LotterySpec(prize="盲盒", keyword="盲盒", winners=3, duration_seconds=60)
        lot = lotteries.open(spec, manual=True, pool=pool)
        for i in range(6):
            await asyncio.to_thread(viewer_says, srv, f"b{i}", f"盲盒迷{i}", "我要盲盒")
        await until(
            lambda: getattr(room.lotteries.get(lot.id), "entrants", None) == 6, 30, "6 entrants"
        )
        drawn = lotteries.draw(lot.id)
    finally:
        lotteries.close()
        await rec.stop()
        await room.stop()
        await adapter.close()

    [path] = rec.files
    f = SessionFile(path)
    try:
        [r] = f.lotteries()
        assert r.verification.ok and r.verification.prizes_ok, r.verification
        rows = list(f.conn.execute("SELECT type, data FROM local_events ORDER BY n"))
        [start] = [orjson.loads(d)["lottery"] for t, d in rows if t == "lottery_started"]
        [done] = [orjson.loads(d)["lottery"] for t, d in rows if t == "lottery_drawn"]
        seed = bytes.fromhex(done["seed"])
        start_pool = m.PrizePool.model_validate(start["pool"])
        assert blind_box.commitment_of(seed, start_pool) == start["commitment"]
        winners = recompute_winners(seed, done["participant_ids"], done["winners"])
        assert winners == done["winner_ids"] == drawn.winner_ids
        prizes = blind_box.recompute_prizes(seed, start_pool, len(winners))
        assert prizes == done["winner_prizes"] and prizes.count("隐藏款") <= 1
        tampered = m.Lottery.model_validate(
            {**done, "pool": {"mode": "counts", "prizes": [{"name": "隐藏款", "n": 3},
                                                           {"name": "普通款", "n": 1}]}}
        )  # fmt: skip
        assert verify(tampered, start["commitment"]).failed
    finally:
        f.close()
