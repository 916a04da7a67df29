"""OBS changes land in the session file: a scene switch is a timeline marker, the recording's
file is linked to the session (what the replay's video pane plays)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from app.live.room import ActionRecord
from app.obs.connection import ObsConnection
from app.obs.errors import ObsRequestError
from app.obs.outputs import Outputs
from app.obs.scenes import Scenes
from app.session.obs_link import follow_obs
from app.session.replay import SessionFile
from app.session.writer import SessionWriter


class _WriterRecorder:
    def __init__(self, w: SessionWriter) -> None:
        self.w = w

    def record_obs(self, kind: str, data: dict[str, object]) -> None:
        self.w.put_obs(1_760_000_010.0, kind, dict(data))

    def record_action(self, rec: ActionRecord) -> None:
        self.w.put_action(rec)


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
        # nobody at this console asked for it: the switch was made in OBS itself
        assert [(mk.kind, mk.label, mk.role) for mk in f.markers()] == [
            ("scene", "讲解近景", "obs")
        ]
        assert f.summary().obs_recording == "/videos/live.mkv"
        kinds = [k for _, k, _ in f.obs_changes()]
        assert kinds == ["scene", "record", "record", "recording"]


async def test_a_switch_asked_from_this_console_carries_the_operators_role(tmp_path: Path) -> None:
    """OBS may report the switch before it answers the request: the claim is made when asked."""
    path = tmp_path / "r.livedesk-session.sqlite"
    w = SessionWriter(path, {"room": "r", "session_id": "s", "started_ts": "1760000000.0"})
    conn = ObsConnection()
    scenes, outputs = Scenes(conn), Outputs(conn)

    async def obs_answers(request_type: str, **data: object) -> dict[str, object]:
        if request_type == "SetCurrentProgramScene":  # the event first, then the answer
            conn._dispatch("CurrentProgramSceneChanged", {"sceneName": data["sceneName"]})
            return {}
        if request_type == "StartRecord":
            raise ObsRequestError(request_type, 500, "Output already running")
        return {}

    conn.request = obs_answers  # type: ignore[method-assign]
    unlink = follow_obs(_WriterRecorder(w), conn, scenes=scenes, outputs=outputs, role="assistant")
    await scenes.switch("商品特写")
    conn._dispatch("CurrentProgramSceneChanged", {"sceneName": "主播全景"})  # made in OBS
    with pytest.raises(ObsRequestError):
        await outputs.start_record()
    unlink()
    await asyncio.to_thread(w.close)
    with SessionFile(path) as f:
        assert [(mk.label, mk.role) for mk in f.markers()] == [
            ("商品特写", "assistant"),
            ("主播全景", "obs"),
        ]
        acts = [(a["name"], a["role"], a["ok"], a["error"]) for a in f.actions()]
        assert acts[0] == ("obs_switch_scene", "assistant", 1, None)
        assert acts[1][:3] == ("obs_start_record", "assistant", 0)
        assert "Output already running" in acts[1][3]


class _Recorded:
    def __init__(self) -> None:
        self.obs: list[tuple[str, dict[str, object]]] = []

    def record_obs(self, kind: str, data: dict[str, object]) -> None:
        self.obs.append((kind, dict(data)))

    def record_action(self, rec: ActionRecord) -> None:
        pass


async def test_a_recording_duration_of_twelve_days_is_read_again_not_believed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # what CI's OBS once answered a second after StartRecord: outputDuration of 12 days
    import time

    from app.session import obs_link

    monkeypatch.setattr(obs_link, "RECORD_START_GAP_S", 0.01)
    readings = [1_032_244_724, 1_032_245_224, 3_000]  # ms: twice garbage, then 3 s
    conn = ObsConnection()

    async def request(name: str, **_: object) -> dict[str, object]:
        if name == "GetRecordStatus":
            return {"outputActive": True, "outputDuration": readings.pop(0)}
        return {"currentProgramSceneName": "全景", "outputActive": False}

    monkeypatch.setattr(conn, "request", request)
    rec = _Recorded()
    follower = obs_link.ObsFollower(rec, conn, "host")
    await follower.read_state()
    [(kind, state)] = rec.obs
    assert kind == "state" and state["recording"] is True
    started = state["record_started_ts"]
    assert isinstance(started, float) and abs(time.time() - 3.0 - started) < 1.0

    readings[:] = [1_032_244_724] * (obs_link.RECORD_START_READINGS + 1)  # never plausible
    rec.obs.clear()
    fresh = obs_link.ObsFollower(rec, conn, "host")
    await fresh.read_state()
    assert rec.obs[0][1]["record_started_ts"] is None  # unknown, not twelve days ago


async def test_failover_events_become_named_markers(tmp_path: Path) -> None:
    """A failover switch and the emergency key (app/obs/failover.py) on the replay's timeline."""
    from app.names import marker_name
    from app.obs.failover import FailoverEvent

    path = tmp_path / "f.livedesk-session.sqlite"
    w = SessionWriter(path, {"room": "r", "session_id": "s", "started_ts": "1760000000.0"})
    rec = _WriterRecorder(w)
    rec.record_obs("failover", FailoverEvent("switched", "…", "frozen", "备用画面").record())
    rec.record_obs("failover", FailoverEvent("emergency", "…", "", "备用画面").record())
    await asyncio.to_thread(w.close)
    with SessionFile(path) as f:
        marks = [(mk.kind, mk.label) for mk in f.markers()]
        assert marks == [("failover", "画面冻结"), ("emergency", "")]
        assert [marker_name(k, label, None)[0] for k, label in marks] == [
            "自动切备用画面 · 画面冻结",
            "一键应急",
        ]
