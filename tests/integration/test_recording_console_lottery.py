"""The console's own lottery on a platform without lotteries (the real sandbox restricted to the
interaction kinds, like Bilibili): scripted commenters enter through the real event stream, the
console draws, and the recording alone proves the draw — the commitment recorded at the start,
the seed, the participants' digest and the winners recomputed by the replay — while the
platform's seqs in the file are exactly the platform's (no console-made event among them)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson

from app.live.console_lottery import ConsoleLotteries
from app.live.lottery_verify import commitment_of, recompute_winners
from app.live.room import LiveRoom
from app.platform import models as m
from app.platform.capabilities import Capability
from app.session.actions import action_log
from app.session.recorder import SessionRecorder
from app.session.replay import SessionFile
from app.session.report import build_html
from plugins.sandbox.adapter import SandboxAdapterFactory
from tests.support.polling import until

BILIBILI_LIKE = "interaction,live_state,viewers"


def viewer_says(srv: Any, user_id: str, nickname: str, text: str) -> None:
    body = {"user_id": user_id, "nickname": nickname, "text": text}
    r = httpx.post(srv.api("/_debug/viewer-comment"), json=body, headers=srv.headers("host"))
    r.raise_for_status()


async def test_commenters_enter_the_console_draws_and_the_recording_alone_verifies_it(
    sandbox_server: Callable[..., Any], tmp_path: Path
) -> None:
    srv = sandbox_server(debug_routes=True, live=True)
    adapter = await SandboxAdapterFactory().open(
        {"url": srv.url, "room": srv.room, "token": srv.tokens["host"],
         "capabilities": BILIBILI_LIKE}
    )  # fmt: skip
    room = LiveRoom(adapter)
    assert not room.can(Capability.PLATFORM_LOTTERIES)
    rec = SessionRecorder(room, tmp_path / "sessions")
    lotteries = ConsoleLotteries(room)
    room.start()
    await room.wait_loaded()
    rec.start()
    people = {f"bili{i}": f"观众{i}" for i in range(8)}
    try:
        await until(lambda: room.online, 30, "the event stream to connect")
        await until(lambda: rec.recording, 30, "the recorder to open the live session's file")
        lot = lotteries.open(
            m.LotterySpec(prize="签名照", keyword="中控台抽奖", winners=3, duration_seconds=60),
            manual=True,
        )
        for uid, nick in people.items():
            await asyncio.to_thread(viewer_says, srv, uid, nick, "我要中控台抽奖！")
        await asyncio.to_thread(viewer_says, srv, "bili0", "观众0", "中控台抽奖 again")  # once
        await asyncio.to_thread(viewer_says, srv, "bystander", "路人", "好看")  # no keyword
        await until(
            lambda: getattr(room.lotteries.get(lot.id), "entrants", None) == 8, 30, "8 entrants"
        )
        drawn = lotteries.draw(lot.id)
        await asyncio.to_thread(viewer_says, srv, "late", "迟到", "中控台抽奖")  # after the draw
        await until(lambda: room.metrics.comments >= 11, 30, "the late comment")
        last_platform_seq = room.seq
    finally:
        lotteries.close()
        await rec.stop()
        await room.stop()
        await adapter.close()

    assert drawn.participant_ids == sorted(people) and len(drawn.winner_ids or []) == 3
    [path] = rec.files
    f = SessionFile(path)
    try:
        [r] = f.lotteries()
        v = r.verification
        assert v.ok and v.start_seen and not v.failed, v
        assert r.lottery.origin == "console" and r.lottery.entrants == 8
        assert r.participants_from_comments == 8, "the recount from recorded comments agrees"
        # from the file alone: the commitment recorded at the start, the seed revealed at the draw
        (first_json,) = f.one("SELECT first_json FROM entities WHERE kind='lottery'")
        first = orjson.loads(first_json)
        assert first["status"] == "open" and first["seed"] is None
        seed = bytes.fromhex(r.lottery.seed or "")
        assert commitment_of(seed) == first["commitment"] == r.start_commitment
        # the report has the full values (the stream showed the commitment's first 16 digits)
        report = build_html(f)
        assert first["commitment"] in report and r.lottery.seed in report
        assert "签名照 · 中控台抽奖" in report
        ids = r.lottery.participant_ids or []
        assert recompute_winners(seed, ids, r.lottery.winners) == r.lottery.winner_ids
        nicks = [people[w] for w in r.lottery.winner_ids or []]
        assert r.lottery.winner_nicknames == nicks
        # the start and the draw are on the timeline and in the action log, with no platform seq
        marks = [(mk.kind, mk.role, mk.label, mk.seq) for mk in f.markers() if "lottery" in mk.kind]
        assert marks == [
            ("lottery_started", "host", "签名照", None),
            ("lottery_drawn", "host", "签名照", None),
        ]
        assert [e.action for e in action_log(f.conn)] == ["lottery_started", "lottery_drawn"]
        # the console's events are kept apart, numbered on their own, placed after a platform seq
        local = f.conn.execute("SELECT n, after_seq, type, data FROM local_events ORDER BY n")
        rows = list(local)
        types = [t for _, _, t, _ in rows]
        assert types[0] == "lottery_started" and types[-1] == "lottery_drawn"
        assert types.count("lottery_entered") == 8
        assert r.lottery.seed not in "".join(d for _, _, t, d in rows if t != "lottery_drawn")
        assert all(0 < after <= last_platform_seq for _, after, _, _ in rows)
        # the platform's log in the file is the platform's alone: every seq once, no lottery
        seqs = [ev.seq for ev in f.iter_events()]
        assert seqs == sorted(set(seqs))
        assert not any(ev.type.startswith("lottery") for ev in f.iter_events())
    finally:
        f.close()
