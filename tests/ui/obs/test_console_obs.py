"""The main window with OBS wired in, as `livedesk` runs it: a real sandbox platform and a real OBS
under Xvfb. The OBS link is in the health bar, the OBS panel is a dock, the set-up button builds the
scene set with the camera chosen in settings, an explain in the console lands on OBS's overlay
source, and going live puts the platform's push URL into OBS. Without OBS the console still works
and says OBS is not there."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtTest import QTest

from app.obs.names import SCENE_CLOSEUP, SCENE_FULL, SCENE_PIP
from app.obs.stack import ObsStack
from app.overlays.layout import SOURCE_NAMES, Kind
from app.settings import Settings
from tests.support.console import main_window
from tests.support.ports import free_port
from tests.support.real_obs import RealObs
from ui.obs.panel import ObsPanel


@pytest.fixture
def real_obs(clean_obs: RealObs) -> RealObs:
    """The suite's shared OBS at its baseline (tests/support/obs_fixtures.py ``clean_obs``)."""
    return clean_obs


def _camera_clip(path: Path) -> Path:
    import cv2
    import numpy as np

    frame = np.full((360, 640, 3), 120, np.uint8)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30, (640, 360))
    for _ in range(15):
        writer.write(frame)
    writer.release()
    return path


@pytest.mark.obs
async def test_console_drives_a_real_obs(
    sandbox_server: Callable[..., Any],
    live_room: Callable[..., Awaitable[Any]],
    real_obs: RealObs,
    tmp_path: Path,
    qtbot: Any,
    until: Callable[..., Awaitable[None]],
) -> None:
    srv = sandbox_server()
    room = await live_room(srv, "host")
    settings = Settings()
    settings.obs.port = real_obs.port
    settings.camera.source = str(_camera_clip(tmp_path / "camera.mp4"))
    stack = ObsStack.build(
        room, settings, password=real_obs.password, overlay_dir=tmp_path / "overlays"
    )
    await stack.start()
    window = main_window(qtbot, room, tmp_path, settings, obs=stack)
    try:
        indicator = window.health.indicators["obs"]
        await until(lambda: "OBS 已连接" in indicator.text(), 30, "the OBS link in the health bar")
        panel = window.panels["obs"]
        assert isinstance(panel, ObsPanel)
        assert panel.notifier is window.notifier  # the console's one way to tell the operator
        assert window.docks["obs"].isVisible()

        QTest.mouseClick(panel.setup_btn, Qt.MouseButton.LeftButton)
        await until(lambda: "已配置" in panel.message.text(), 60, "the scene set-up to finish")
        await until(
            lambda: {SCENE_FULL, SCENE_CLOSEUP, SCENE_PIP} <= set(stack.scenes.state.scenes), 10
        )
        inputs = await stack.conn.request("GetInputSettings", inputName="LiveDesk 摄像头")
        assert inputs["inputSettings"]["local_file"] == settings.camera.source

        # running it again from the console creates nothing twice
        QTest.mouseClick(panel.setup_btn, Qt.MouseButton.LeftButton)
        await until(lambda: "无需新建" in panel.message.text(), 60, "the second set-up")

        # an explain in the console → the product card image is handed to OBS
        before = stack.sink.applied_at.get(Kind.PRODUCT, 0.0)
        await room.explain(room.product_ids[0])
        await until(lambda: stack.sink.applied_at.get(Kind.PRODUCT, 0.0) > before, 10)
        shown = await stack.conn.request("GetInputSettings", inputName=SOURCE_NAMES[Kind.PRODUCT])
        assert Path(shown["inputSettings"]["file"]) == stack.sink.path(Kind.PRODUCT)

        # going live on the platform sets OBS's stream target by itself, and the panel says so
        window.start_session()
        await until(lambda: stack.target.applied is not None, 20, "the RTMP target in OBS")
        service = await stack.conn.request("GetStreamServiceSettings")
        assert room.session is not None
        target = await room.adapter.stream_target(room.session.id)
        assert service["streamServiceSettings"]["key"] == target.stream_key.get_secret_value()
        await until(lambda: "推流地址已写入 OBS" in panel.target_label.text(), 10)

        # the overlay pages for Browser Source users: one URL per overlay, each with a copy button
        urls = stack.overlay_urls()
        assert set(urls) == set(Kind)
        assert urls[Kind.PRODUCT] == f"http://127.0.0.1:{stack.server.port}/overlay/product"
        for kind, url in urls.items():
            assert panel.overlay_urls[kind].text() == url
        QTest.mouseClick(panel.copy_buttons[Kind.COUPON], Qt.MouseButton.LeftButton)
        assert QGuiApplication.clipboard().text() == urls[Kind.COUPON]
        async with httpx.AsyncClient() as http:
            page = await http.get(QGuiApplication.clipboard().text())
        assert page.status_code == 200 and 'data-kind="coupon"' in page.text
    finally:
        window.close()
        await stack.stop()


async def test_console_without_obs_says_so_and_keeps_working(
    sandbox_server: Callable[..., Any],
    live_room: Callable[..., Awaitable[Any]],
    tmp_path: Path,
    qtbot: Any,
    until: Callable[..., Awaitable[None]],
) -> None:
    srv = sandbox_server()
    room = await live_room(srv, "host")
    settings = Settings()
    settings.obs.port = free_port()  # nothing listens there: OBS is not running
    stack = ObsStack.build(room, settings, password="", overlay_dir=tmp_path / "overlays")
    await stack.start()
    window = main_window(qtbot, room, tmp_path, settings, obs=stack)
    try:
        indicator = window.health.indicators["obs"]
        await until(lambda: "重连中" in indicator.text(), 20, "OBS shown as reconnecting")
        panel = window.panels["obs"]
        assert isinstance(panel, ObsPanel)
        assert not panel.setup_btn.isEnabled()
        assert not panel.stream_btn.isEnabled()
        # the platform side is untouched: an explain still goes through
        await room.explain(room.product_ids[0])
        await until(lambda: room.explaining is not None, 10, "the explain to come back")
        assert "平台 已连接" in window.health.indicators["platform"].text()

        # 设备 → 摄像头设置… opens the camera set-up, told that OBS is not connected
        from ui.camera.dialog import CameraSetupDialog

        window.findChild(QAction, "action:camera").trigger()
        dialog = window.findChild(CameraSetupDialog)
        assert dialog is not None and dialog.isVisible()
        assert not dialog.obs_button.isEnabled()
        dialog.close()
    finally:
        window.close()
        await stack.stop()


@pytest.mark.obs
async def test_reviewer_sees_obs_but_cannot_switch_stream_or_record(
    sandbox_server: Callable[..., Any],
    live_room: Callable[..., Awaitable[Any]],
    real_obs: RealObs,
    tmp_path: Path,
    qtbot: Any,
    until: Callable[..., Awaitable[None]],
) -> None:
    srv = sandbox_server()
    room = await live_room(srv, "reviewer")
    settings = Settings()
    settings.obs.port = real_obs.port
    settings.obs.overlay_server_port = 0
    stack = ObsStack.build(
        room, settings, password=real_obs.password, overlay_dir=tmp_path / "overlays"
    )
    await stack.start()
    window = main_window(qtbot, room, tmp_path, settings, obs=stack)
    try:
        panel = window.panels["obs"]
        assert isinstance(panel, ObsPanel)
        await until(lambda: "OBS 已连接" in panel.link.text(), 30, "the OBS link")
        await until(lambda: len(stack.scenes.state.scenes) >= 1, 10)
        if len(stack.scenes.state.scenes) < 2:
            await stack.conn.request("CreateScene", sceneName="复盘测试场景")
            await until(lambda: len(stack.scenes.state.scenes) >= 2, 10)
        program = stack.scenes.state.program
        # sees: the scenes with the program marked, the live figures
        assert panel.scene_list.count() == len(stack.scenes.state.scenes)
        assert "直播中" in panel.program_item_text()
        # cannot act: every action is disabled and says why
        for button in (panel.stream_btn, panel.record_btn, panel.studio_btn, panel.setup_btn):
            assert not button.isEnabled()
            assert "复盘员" in button.toolTip()
        for n in range(1, 10):
            assert not window.shortcuts.actions[f"obs.scene.{n}"].isEnabled()
        other = next(n for n in stack.scenes.state.scenes if n != program)
        row = list(stack.scenes.state.scenes).index(other)
        rect = panel.scene_list.visualItemRect(panel.scene_list.item(row))
        QTest.mouseClick(panel.scene_list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        assert "复盘员" in panel.message.text()
        QTest.keyClick(window, Qt.Key.Key_1 if row == 0 else Qt.Key.Key_2,
                       Qt.KeyboardModifier.AltModifier)  # fmt: skip
        current = await stack.conn.request("GetCurrentProgramScene")
        assert current["currentProgramSceneName"] == program  # nothing switched
        assert not (await stack.conn.request("GetStreamStatus"))["outputActive"]
    finally:
        window.close()
        await stack.stop()


class ScriptedObs:
    """Stands in for the OBS link to feed the stats poller real-shaped GetStats/GetStreamStatus/
    GetRecordStatus replies (obs-websocket 5.1 field names and types, as OBS 29 sends them)."""

    def __init__(self) -> None:
        from app.platform.connection import ConnectionTracker, LinkState

        self.tracker = ConnectionTracker()
        self.tracker.set_state(LinkState.CONNECTED)
        self.connected = True
        self.replies: dict[str, dict[str, Any]] = {}

    def on_event(self, *_a: Any) -> Callable[[], None]:
        return lambda: None

    def on_connected(self, *_a: Any) -> Callable[[], None]:
        return lambda: None

    async def request(self, request_type: str, **_data: Any) -> dict[str, Any]:
        return dict(self.replies[request_type])

    def feed(self, *, seconds: int, total: int, dropped: int, skipped: int, missed: int) -> None:
        self.replies = {
            "GetStats": {
                "activeFps": 30.000000300000007, "availableDiskSpace": 40211.4765625,
                "averageFrameRenderTime": 6.4218, "cpuUsage": 38.94477172437455,
                "memoryUsage": 231.01171875, "outputSkippedFrames": skipped,
                "outputTotalFrames": total, "renderSkippedFrames": missed,
                "renderTotalFrames": total + 40, "webSocketSessionIncomingMessages": 42,
                "webSocketSessionOutgoingMessages": 42,
            },
            "GetStreamStatus": {
                "outputActive": True, "outputBytes": 312_500 * seconds,
                "outputCongestion": 0.12, "outputDuration": seconds * 1000,
                "outputReconnecting": False, "outputSkippedFrames": dropped,
                "outputTimecode": f"00:00:{seconds:02d}.000", "outputTotalFrames": total,
            },
            "GetRecordStatus": {
                "outputActive": False, "outputBytes": 0, "outputDuration": 0,
                "outputPaused": False, "outputTimecode": "00:00:00.000",
            },
        }  # fmt: skip


async def test_dropped_frames_raise_alerts_in_the_obs_panel_and_the_metrics_panel(
    sandbox_server: Callable[..., Any],
    live_room: Callable[..., Awaitable[Any]],
    qtbot: Any,
) -> None:
    from app.obs.outputs import Outputs
    from app.obs.scenes import Scenes
    from app.obs.stack import DropWindow
    from app.obs.stats import StatsPoller
    from ui.metrics.panel import MetricsPanel

    room = await live_room(sandbox_server(), "host")
    fake = ScriptedObs()
    poller = StatsPoller(fake)  # type: ignore[arg-type]
    drops = DropWindow()
    poller.subscribe(lambda s, _a: drops.add(s))
    panel = ObsPanel(fake, Scenes(fake), Outputs(fake), poller)  # type: ignore[arg-type]
    metrics = MetricsPanel(room, dropped_frames_ratio=drops.ratio)
    qtbot.addWidget(panel)
    qtbot.addWidget(metrics)

    fake.feed(seconds=10, total=300, dropped=0, skipped=0, missed=0)
    await poller.poll()
    fake.feed(seconds=11, total=330, dropped=0, skipped=0, missed=0)
    await poller.poll()
    metrics.sample()
    assert panel.alert.text() == ""  # a clean stream: no alert anywhere
    assert not any("丢帧" in t for t in metrics.strip.texts())
    assert panel.values["stream"].text() == "推流中 0:00:11"

    # the network chokes: 12 of the next 30 frames dropped, the encoder skips 3, render misses 2
    fake.feed(seconds=12, total=360, dropped=12, skipped=3, missed=2)
    await poller.poll()
    alert = panel.alert.text()
    assert "推流丢帧：12 帧" in alert and "累计 3.3%" in alert
    assert "编码跳帧：3 帧" in alert and "渲染延迟：丢失 2 帧" in alert
    assert panel.values["dropped"].text() == "12（3.3%）"
    assert panel.alert.isVisible() or not panel.isVisible()
    metrics.sample()  # the metrics panel's 1 Hz step: 12 of 60 frames in the last minute = 20%
    assert "推流丢帧 20.0%" in metrics.strip.texts()

    # the stream ends: the one-minute window is cleared and the metrics alert goes away
    fake.replies["GetStreamStatus"] = {**fake.replies["GetStreamStatus"], "outputActive": False}
    await poller.poll()
    metrics.sample()
    assert not any("丢帧" in t for t in metrics.strip.texts())


def _test_button(dialog: Any) -> Any:
    from PySide6.QtWidgets import QPushButton

    return next(b for b in dialog.findChildren(QPushButton) if b.text() == "测试连接")


@pytest.mark.obs
async def test_wrong_password_is_named_in_the_health_bar_and_the_settings_dialog(
    sandbox_server: Callable[..., Any],
    live_room: Callable[..., Awaitable[Any]],
    real_obs: RealObs,
    tmp_path: Path,
    qtbot: Any,
    until: Callable[..., Awaitable[None]],
) -> None:
    from ui.obs.settings_dialog import ObsSettingsDialog

    srv = sandbox_server()
    room = await live_room(srv, "host")
    settings = Settings()
    settings.obs.port = real_obs.port
    settings.obs.overlay_server_port = 0
    stack = ObsStack.build(room, settings, password="not-the-password",
                           overlay_dir=tmp_path / "overlays")  # fmt: skip
    await stack.start()
    window = main_window(qtbot, room, tmp_path, settings, obs=stack)
    try:
        indicator = window.health.indicators["obs"]
        await until(lambda: "OBS 拒绝了密码" in indicator.text(), 30, "the wrong password named")
        assert "离线" in indicator.text()  # no retry loop: the password must change first
        assert "WebSocket 服务器设置" in indicator.toolTip()

        dialog = ObsSettingsDialog(settings.obs, window)
        qtbot.addWidget(dialog)
        dialog.password.setText("still-wrong")
        QTest.mouseClick(_test_button(dialog), Qt.MouseButton.LeftButton)
        await until(lambda: dialog.outcome.text().startswith("连接失败"), 30, "the test result")
        assert "OBS 拒绝了密码" in dialog.outcome.text()
        dialog.password.setText(real_obs.password)
        QTest.mouseClick(_test_button(dialog), Qt.MouseButton.LeftButton)
        await until(lambda: dialog.outcome.text().startswith("连接成功"), 30, "the right password")
        assert "obs-websocket 5." in dialog.outcome.text()

        # a port where something else answers (the platform's HTTP server): named as such
        dialog.port.setValue(int(srv.url.rsplit(":", 1)[1].split("/")[0]))
        QTest.mouseClick(_test_button(dialog), Qt.MouseButton.LeftButton)
        await until(lambda: dialog.outcome.text().startswith("连接失败"), 30, "the wrong port")
        assert "不是 OBS WebSocket 服务器" in dialog.outcome.text()
    finally:
        window.close()
        await stack.stop()


@pytest.mark.obs
async def test_an_obs_without_its_websocket_server_is_named(
    need_tool: Callable[[str], str], tmp_path: Path, qtbot: Any,
    until: Callable[..., Awaitable[None]],
) -> None:  # fmt: skip
    from ui.obs.settings_dialog import ObsSettingsDialog

    need_tool("obs")
    need_tool("Xvfb")
    quiet = RealObs(websocket=False).start()  # OBS runs, its WebSocket server is switched off
    try:
        settings = Settings()
        settings.obs.port = quiet.port
        dialog = ObsSettingsDialog(settings.obs)
        qtbot.addWidget(dialog)
        dialog.password.setText(quiet.password)
        QTest.mouseClick(_test_button(dialog), Qt.MouseButton.LeftButton)
        await until(lambda: dialog.outcome.text().startswith("连接失败"), 30, "the test result")
        text = dialog.outcome.text()
        assert (
            "OBS 正在运行" in text and "开启 WebSocket 服务器" in text and str(quiet.port) in text
        )
    finally:
        quiet.stop()


async def test_a_taken_overlay_port_is_said_in_the_panel_with_the_urls_that_work(
    qtbot: Any,
) -> None:
    import socket

    from app.obs.outputs import Outputs
    from app.obs.scenes import Scenes
    from app.obs.stats import StatsPoller
    from app.overlays.server import OverlayServer

    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    taken = int(holder.getsockname()[1])
    server = OverlayServer(port=taken)  # e.g. a second console, or another program, holds it
    await server.start()
    fake = ScriptedObs()
    panel = ObsPanel(fake, Scenes(fake), Outputs(fake), StatsPoller(fake),  # type: ignore[arg-type]
                     overlay_server=server)  # fmt: skip
    qtbot.addWidget(panel)
    try:
        assert str(taken) in panel.overlay_note.text() and "已被占用" in panel.overlay_note.text()
        url = panel.overlay_urls[Kind.WINNERS].text()
        assert url == f"http://127.0.0.1:{server.port}/overlay/winners" and server.port != taken
        async with httpx.AsyncClient() as http:
            assert (await http.get(url)).status_code == 200
    finally:
        await server.stop()
        holder.close()
    panel.refresh_overlay_urls()  # stopped: no address offered that would not answer
    assert panel.overlay_urls[Kind.WINNERS].text() == ""
    assert not panel.copy_buttons[Kind.WINNERS].isEnabled()
