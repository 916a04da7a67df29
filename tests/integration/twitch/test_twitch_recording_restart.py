"""A console restarted mid-broadcast on Twitch keeps recording: Twitch keeps no log and the
adapter numbers its events from 1 on every start, so the session's reopened file already holds
those seqs; what comes after the restart goes to a continuation file instead of being dropped
as already recorded (real adapter, Twitch stand-in, real recorder)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.live.room import LiveRoom
from app.platform.models import EventType
from app.session.recorder import SessionRecorder
from app.session.replay import SessionFile
from plugins.bilibili.standin.runner import Served
from plugins.twitch import payloads as p
from plugins.twitch.adapter import TwitchFactory
from plugins.twitch.standin import server as s
from tests.integration.twitch.conftest import endpoints
from tests.support.polling import until

WAIT = 60.0
ME = (s.BROADCASTER.user_id, s.BROADCASTER.display_name)


def texts(path: Path) -> list[str]:
    with SessionFile(path) as f:
        return [
            e.data.comment.text  # type: ignore[union-attr]
            for e in f.iter_events()
            if e.type is EventType.COMMENT
        ]


async def _console(served: Served, directory: Path) -> tuple[LiveRoom, SessionRecorder]:
    adapter = await TwitchFactory().open({**endpoints(served), "token": s.BROADCASTER.token})
    room = LiveRoom(adapter)
    rec = SessionRecorder(room, directory)
    room.start()
    await room.wait_loaded()
    rec.start()
    await until(lambda: room.online, WAIT, "the EventSub session")
    await until(lambda: rec.recording, WAIT, "the recorder to open the live session's file")
    return room, rec


async def _stop(room: LiveRoom, rec: SessionRecorder) -> None:
    await rec.stop()
    await room.stop()
    await room.adapter.close()


async def test_a_restart_mid_broadcast_records_what_comes_after_it(
    twitch_thread: Callable[[s.TwitchStandIn], Served], tmp_path: Path
) -> None:
    viewers = [("1001", "PixelPanda"), ("1002", "sneaker_sam"), ("1003", "LunaLoops")]
    script: list[Any] = [
        s.notify(p.CHAT_MESSAGE, p.chat_message(ME, who, f"before {n}", chat_id=f"b{n}"))
        for n, who in enumerate(viewers)
    ]
    standin = s.TwitchStandIn(script, s.Options())
    standin.go_live(s.BROADCASTER, "Spring sneaker drop")
    served = twitch_thread(standin)
    sessions = tmp_path / "sessions"

    room, rec = await _console(served, sessions)
    try:
        await until(lambda: room.metrics.comments >= 3, WAIT, "three chat messages")
    finally:
        await _stop(room, rec)
    [first] = rec.files
    assert texts(first) == ["before 0", "before 1", "before 2"]

    # the console starts again while the stream goes on: the same session, numbered from 1
    room, rec = await _console(served, sessions)
    try:
        await room.send_comment("after the restart")  # comes back from Twitch as chat
        await until(
            lambda: any(c.text == "after the restart" for c in room.chat), WAIT, "the reply"
        )
    finally:
        await _stop(room, rec)
    [second] = rec.files
    assert second != first and second.name.endswith("-2.livedesk")
    assert texts(second) == ["after the restart"]
    assert texts(first) == ["before 0", "before 1", "before 2"]  # untouched
    with SessionFile(second) as f:
        assert f.meta["continues"] == first.name
