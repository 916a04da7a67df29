"""A session file with the console's games in it, written by the real recorder's writer from a
real LiveRoom: a quiz answered by comment, revealed, and a draw among its correct answerers, then
a blind box drawn — for the replay's tests and screenshots (tools/games_screenshots.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.live.console_lottery import ConsoleLotteries
from app.live.quiz import Quizzes
from app.live.room import LiveRoom
from app.platform import models as m
from app.platform.connection import ConnectionTracker
from app.session.writer import SessionWriter

T0 = 1_800_000_000.0
ANSWERS = [("u1", "小鹿", "B"), ("u2", "阿杰", "２"), ("u3", "Momo", "A"), ("u4", "奶茶不加糖", "02 豆沙"),
           ("u5", "老王", "C"), ("u1", "小鹿", "A"), ("u6", "晴天", "b")]  # fmt: skip
POOL = m.PrizePool.model_validate(
    {"mode": "counts", "prizes": [{"name": "隐藏款", "n": 1}, {"name": "普通款", "n": 3}]}
)


class _Adapter:
    room = "r-games"
    role = m.Role.HOST
    connection = ConnectionTracker()


def synthesise_games(path: Path) -> Path:
    """Write the file and return its path (its quiz: 4 correct of 6; 2 winners; a blind box of
    3 winners among 5)."""
    now = [T0]
    room = LiveRoom(_Adapter())  # type: ignore[arg-type]
    room.apply_snapshot(
        m.Snapshot.model_validate(
            {"room": "r-games", "seq": 0, "bag": {"version": 1, "products": []}}
        )
    )
    w = SessionWriter(path, {"room": "r-games", "session_id": "s-games", "started_ts": repr(T0)})
    room.subscribe_events(w.put_events)
    room.subscribe_local(w.put_local)
    lots = ConsoleLotteries(room, clock=lambda: now[0])
    quizzes = Quizzes(room, lots, clock=lambda: now[0])

    def comment(uid: str, nick: str, text: str, **kw: Any) -> None:
        now[0] += 1
        seq = room.seq + 1
        c = {"id": f"c{seq}", "user_id": uid, "nickname": nick, "text": text, "ts": now[0], **kw}
        room.ingest([m.parse_event({"seq": seq, "ts": now[0], "type": "comment",
                                    "data": {"comment": c}})])  # fmt: skip

    comment("u0", "早到", "B")
    q = quizzes.start("主播今天涂的是几号色？", ["01 正红", "02 豆沙", "03 橘棕"], correct=1)
    for uid, nick, text in ANSWERS:
        comment(uid, nick, text)
    comment("h", "主播", "B", role="host")
    quizzes.reveal()
    lot = quizzes.draw_among_correct(q.id, "正红口红一支", 2)
    lots.draw(lot.id)
    box = lots.open(
        m.LotterySpec(prize="神秘盲盒", keyword="开盒", winners=3, duration_seconds=60),
        manual=True,
        pool=POOL,
    )
    for i in range(5):
        comment(f"x{i}", f"盒友{i}", "开盒！")
    lots.draw(box.id)
    quizzes.close()
    lots.close()
    w.close()
    return path
