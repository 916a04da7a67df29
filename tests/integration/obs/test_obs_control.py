"""Scenes, set-up, stream target and connection errors, against a real OBS under Xvfb."""

from __future__ import annotations

import asyncio
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from app.obs.camera_input import camera_from_source
from app.obs.connection import ObsConnection
from app.obs.errors import ObsAuthError, ObsConnectError, ObsOfflineError
from app.obs.inputs import scene_items
from app.obs.names import SCENES
from app.obs.outputs import Outputs
from app.obs.scenes import Scenes
from app.obs.setup import setup_live_selling
from app.overlays.layout import SOURCE_NAMES, Kind
from app.platform.connection import LinkState
from tests.support.polling import until
from tests.support.ports import free_port
from tests.support.real_obs import RealObs

pytestmark = pytest.mark.obs


def _overlay_files(tmp_path: Path) -> dict[Kind, Path]:
    from app.overlays.png import write_atomic

    files = {}
    for kind in Kind:
        files[kind] = tmp_path / f"{kind.value}.a.png"
        write_atomic(files[kind], b"")
    return files


async def test_setup_creates_scene_set_once_16_9_and_9_16(
    obs: ObsConnection, camera_video: Path, tmp_path: Path
) -> None:
    camera = camera_from_source(str(camera_video))
    assert camera.kind == "ffmpeg_source"
    files = _overlay_files(tmp_path)
    first = await setup_live_selling(obs, canvas="16:9", camera=camera, overlay_files=files)
    listing = await obs.request("GetSceneList")
    names = [s["sceneName"] for s in listing["scenes"]]
    for scene in SCENES:
        assert names.count(scene) == 1
        items = await scene_items(obs, scene)
        assert "LiveDesk 摄像头" in items
        assert all(SOURCE_NAMES[k] in items for k in Kind)
    assert any(c.startswith("input:LiveDesk 摄像头") for c in first.created)
    before = {s: await obs.request("GetSceneItemList", sceneName=s) for s in SCENES}
    inputs_before = await obs.request("GetInputList")

    second = await setup_live_selling(obs, canvas="9:16", camera=camera, overlay_files=files)
    assert second.created == []  # nothing created twice
    after = {s: await obs.request("GetSceneItemList", sceneName=s) for s in SCENES}
    assert {s: len(v["sceneItems"]) for s, v in after.items()} == {
        s: len(v["sceneItems"]) for s, v in before.items()
    }
    assert len((await obs.request("GetInputList"))["inputs"]) == len(inputs_before["inputs"])
    video = await obs.request("GetVideoSettings")
    assert (video["baseWidth"], video["baseHeight"]) == (1080, 1920)
    # the product card sits where the 9:16 layout says
    item = (await scene_items(obs, "主播全景"))[SOURCE_NAMES[Kind.PRODUCT]]
    tr = (await obs.request("GetSceneItemTransform", sceneName="主播全景", sceneItemId=item))[
        "sceneItemTransform"
    ]
    assert (tr["positionX"], tr["positionY"]) == (40, 1180)
    await setup_live_selling(obs, canvas="16:9", camera=camera, overlay_files=files)
    video = await obs.request("GetVideoSettings")
    assert (video["baseWidth"], video["baseHeight"]) == (1920, 1080)


async def test_setup_report_reads_english_in_the_english_ui(
    obs: ObsConnection, tmp_path: Path
) -> None:
    """The set-up result the OBS panel shows the operator: English in the English UI."""
    from app import i18n

    try:
        i18n.set_language("en")
        report = await setup_live_selling(
            obs, canvas="16:9", camera=None, overlay_files=_overlay_files(tmp_path)
        )
    finally:
        i18n.set_language("zh_CN")
    assert report.warnings, "no camera chosen is reported"
    for warning in report.warnings:
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in warning), warning
    assert report.warnings[-1].startswith("No camera chosen")


async def test_switch_scenes_and_follow_obs_switching(
    obs: ObsConnection, obs_instance: RealObs, camera_video: Path, tmp_path: Path
) -> None:
    await setup_live_selling(
        obs, canvas="16:9", camera=camera_from_source(str(camera_video)),
        overlay_files=_overlay_files(tmp_path),
    )  # fmt: skip
    scenes = Scenes(obs)
    state = await scenes.refresh()
    assert set(SCENES) <= set(state.scenes)

    await scenes.switch("商品特写")
    assert (await obs.request("GetCurrentProgramScene"))["currentProgramSceneName"] == "商品特写"
    await until(lambda: scenes.state.program == "商品特写")

    # OBS itself switches (another client, as the OBS window would): the console follows
    other = ObsConnection("127.0.0.1", obs_instance.port, obs_instance.password)
    await other.connect_once()
    try:
        await other.request("SetCurrentProgramScene", sceneName="画中画")
        await until(lambda: scenes.state.program == "画中画")
        # studio mode: preview and program both known
        await scenes.set_studio_mode(True)
        await until(lambda: scenes.state.studio_mode)
        await scenes.set_preview("主播全景")
        await until(lambda: scenes.state.preview == "主播全景")
        assert scenes.state.program == "画中画"
        await scenes.set_studio_mode(False)
        await until(lambda: not scenes.state.studio_mode)
    finally:
        await other.stop()


async def test_stream_target_from_platform_reads_back(obs: ObsConnection) -> None:
    outputs = Outputs(obs)
    await outputs.set_stream_target("rtmp://127.0.0.1:1935/live", "room-42-key")
    assert await outputs.stream_target() == ("rtmp://127.0.0.1:1935/live", "room-42-key")
    reply = await obs.request("GetStreamServiceSettings")
    assert reply["streamServiceType"] == "rtmp_custom"
    state = await outputs.refresh()
    assert not state.streaming and not state.recording


async def test_wrong_password_is_named(obs_instance: RealObs) -> None:
    conn = ObsConnection("127.0.0.1", obs_instance.port, "not-the-password")
    with pytest.raises(ObsAuthError, match="密码"):
        await conn.connect_once()
    # the supervised link stops (offline, with the reason) instead of hammering OBS
    assert "密码" in (conn.tracker.status.error or "")
    conn.start()
    await conn.wait_state(LinkState.CONNECTING, within=15)
    await conn.wait_state(LinkState.OFFLINE, within=15)
    assert "密码" in (conn.tracker.status.error or "")
    await asyncio.sleep(1.0)  # no retry after a refused password
    assert conn.tracker.status.state is LinkState.OFFLINE
    with pytest.raises(ObsOfflineError):
        await conn.request("GetVersion")
    await conn.stop()


async def test_closed_port_is_named() -> None:
    port = free_port()
    conn = ObsConnection("127.0.0.1", port, "x")
    with pytest.raises(ObsConnectError, match="没有程序在监听"):
        await conn.connect_once()
    conn.start()  # keeps retrying with backoff, reporting why
    await conn.wait_state(LinkState.RECONNECTING, within=15)
    assert "没有程序在监听" in (conn.tracker.status.error or "")
    await conn.stop()


async def test_wrong_port_not_obs_is_named() -> None:
    class Hello(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"hello")

        def log_message(self, *args: object) -> None:
            pass

    httpd = HTTPServer(("127.0.0.1", 0), Hello)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    try:
        conn = ObsConnection("127.0.0.1", httpd.server_address[1], "x")
        with pytest.raises(ObsConnectError, match="不是 OBS WebSocket"):
            await conn.connect_once()
        await conn.stop()
    finally:
        httpd.shutdown()
        httpd.server_close()


async def test_silent_port_is_named() -> None:
    """A port that accepts but never speaks (e.g. an OBS whose websocket server is off behind a proxy)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    try:
        conn = ObsConnection("127.0.0.1", srv.getsockname()[1], "x", request_timeout=1.0)
        with pytest.raises(ObsConnectError):
            await asyncio.wait_for(conn.connect_once(), 20)
        await conn.stop()
    finally:
        srv.close()


async def test_new_connection_settings_take_effect_without_a_restart(
    obs_instance: RealObs,
) -> None:
    """The user fixes host/port/password in 设备 → OBS 连接设置…: the running link is pointed at
    the new address and connects, no console restart needed."""
    conn = ObsConnection("127.0.0.1", free_port(), "wrong", backoff_cap=0.5)
    conn.start()
    try:
        await conn.wait_state(LinkState.RECONNECTING, within=10)
        await conn.restart("127.0.0.1", obs_instance.port, obs_instance.password)
        await conn.wait_state(LinkState.CONNECTED, within=20)
        assert (await conn.request("GetVersion"))["obsWebSocketVersion"].startswith("5.")
    finally:
        await conn.stop()
