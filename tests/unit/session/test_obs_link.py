"""OBS changes land in the session file: a scene switch is a timeline marker, the recording's
file is linked to the session (what the replay's video pane plays)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app.obs.connection import ObsConnection
from app.session.obs_link import follow_obs
from app.session.replay import SessionFile
from app.session.writer import SessionWriter


class _WriterRecorder:
    def __init__(self, w: SessionWriter) -> None:
        self.w = w

    def record_obs(self, kind: str, data: dict[str, object]) -> None:
        self.w.put_obs(1_760_000_010.0, kind, dict(data))


async def test_scene_switch_and_recording_file_are_recorded(tmp_path: Path) -> None:
    path = tmp_path / "o.livedesk-session.sqlite"
    w = SessionWriter(path, {"room": "r", "session_id": "s", "started_ts": "1760000000.0"})
    conn = ObsConnection()  # not connected: events are fed the way its receive thread does
    unlink = follow_obs(_WriterRecorder(w), conn)
    conn._dispatch("CurrentProgramSceneChanged", {"sceneName": "讲解近景"})
    conn._dispatch(
        "RecordStateChanged", {"outputActive": True, "outputState": "OBS_WEBSOCKET_OUTPUT_STARTED"}
    )
    conn._dispatch(
        "RecordStateChanged",
        {
            "outputActive": False,
            "outputState": "OBS_WEBSOCKET_OUTPUT_STOPPED",
            "outputPath": "/videos/live.mkv",
        },
    )
    unlink()
    conn._dispatch("CurrentProgramSceneChanged", {"sceneName": "after unlink"})
    await asyncio.to_thread(w.close)
    with SessionFile(path) as f:
        assert [(mk.kind, mk.label) for mk in f.markers()] == [("scene", "讲解近景")]
        assert f.summary().obs_recording == "/videos/live.mkv"
        kinds = [k for _, k, _ in f.obs_changes()]
        assert kinds == ["scene", "record", "record", "recording"]
