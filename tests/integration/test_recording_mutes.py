"""A recorded session keeps mutes and unmutes (issue 20): both are timeline markers with who did
it and whom, this console's requests have 禁言用户 and 解除禁言, the action log says for how long,
and the report names them in each language."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from app.i18n import translator
from app.live.room import LiveRoom
from app.names import action_name, event_name, marker_name
from app.platform.client import PlatformClient
from app.session import actions
from app.session.actions import action_log, operator_names
from app.session.recorder import SessionRecorder
from app.session.replay import SessionFile
from tests.support.polling import until


def viewer_says(srv: Any, user_id: str, nickname: str, text: str) -> None:
    body = {"user_id": user_id, "nickname": nickname, "text": text}
    httpx.post(srv.api("/_debug/viewer-comment"), json=body, headers=srv.headers("host"))


async def test_mutes_and_unmutes_are_recorded_as_markers_and_actions(
    sandbox_server: Callable[..., Any], tmp_path: Path
) -> None:
    srv = sandbox_server(debug_routes=True)
    client = PlatformClient(srv.url, srv.room, srv.tokens["host"], role="host")
    room = LiveRoom(client)
    rec = SessionRecorder(room, tmp_path / "sessions")
    room.start()
    await room.wait_loaded()
    rec.start()
    try:
        await until(lambda: room.online, 30, "the event stream to connect")
        await room.start_session()
        await until(lambda: rec.recording, 30, "the recorder to open the session file")
        await asyncio.to_thread(viewer_says, srv, "u2", "小李", "好看")
        await room.mute_user("u2", 300, nickname="小李")
        await room.unmute_user("u2")
        await room.mute_user("u3", until_session_end=True, nickname="小三")
        await until(lambda: "u2" not in room.muted_user_ids, 30, "user_unmuted")
        await room.end_session()
        await until(lambda: not rec.recording, 30, "the session file to close")
    finally:
        await rec.stop()
        await room.stop()
        await client.close()

    [path] = rec.files
    f = SessionFile(path)
    try:
        marks = [(mk.kind, mk.role, mk.label) for mk in f.markers() if "mute" in mk.kind]
        assert marks == [
            ("mute", "host", "小李"),
            ("unmute", "host", "小李"),
            ("mute", "host", "小三"),
        ]
        unmute = next(mk for mk in f.markers() if mk.kind == "unmute")
        zh, en = translator("zh_CN"), translator("en")
        assert marker_name(unmute.kind, unmute.label, unmute.role, zh) == (
            "解除禁言 · 小李",
            "主播",
        )
        assert marker_name(unmute.kind, unmute.label, unmute.role, en) == ("Unmute · 小李", "Host")
        names = [a["name"] for a in f.actions()]
        assert names.count("mute_user") == 2 and names.count("unmute_user") == 1
        assert action_name("unmute_user", zh) == "解除禁言"
        assert event_name("user_unmuted", en) == "Unmute"
        # the action log says for how long (the 本场 mute lasts until the session's end)
        log = [e for e in action_log(f.conn) if "mute" in e.action]
        names_zh = operator_names(log, zh)
        assert [actions.cells(e, names_zh, zh)[1:] for e in log] == [
            ["主播", "禁言 · 小李", "", "5 分钟"],
            ["主播", "解除禁言 · 小李", "", ""],
            ["主播", "禁言 · 小三", "", "本场"],
        ]
        assert actions.cells(log[0], names_zh, en)[2:] == ["Mute · 小李", "", "5 min"]
    finally:
        f.close()
