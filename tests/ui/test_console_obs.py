"""The main window with OBS wired in, as `livedesk` runs it: a real sandbox platform and a real OBS
under Xvfb. The OBS link is in the health bar, the OBS panel is a dock, the set-up button builds the
scene set with the camera chosen in settings, an explain in the console lands on OBS's overlay
source, and going live puts the platform's push URL into OBS. Without OBS the console still works
and says OBS is not there."""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest

from app.obs.setup import SCENE_CLOSEUP, SCENE_FULL, SCENE_PIP
from app.obs.stack import ObsStack
from app.overlays.layout import SOURCE_NAMES, Kind
from app.settings import Settings
from ui.main_window import MainWindow
from ui.obs.panel import ObsPanel

OBS_DIR = Path(__file__).resolve().parents[1] / "integration" / "obs"
sys.path.insert(0, str(OBS_DIR))
from real_obs import RealObs, free_port  # noqa: E402


@pytest.fixture(scope="module")
def real_obs(need_tool: Callable[[str], str]) -> Iterator[RealObs]:
    need_tool("obs")
    need_tool("Xvfb")
    obs = RealObs().start()
    try:
        yield obs
    finally:
        obs.stop()


def _camera_clip(path: Path) -> Path:
    import cv2
    import numpy as np

    frame = np.full((360, 640, 3), 120, np.uint8)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30, (640, 360))
    for _ in range(15):
        writer.write(frame)
    writer.release()
    return path


def _window(room: Any, settings: Settings, obs: ObsStack | None, tmp_path: Path) -> MainWindow:
    qs = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
    window = MainWindow(room, settings, qsettings=qs, obs=obs)
    window.show()
    return window


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
    window = _window(room, settings, stack, tmp_path)
    try:
        indicator = window.health.indicators["obs"]
        await until(lambda: "OBS 已连接" in indicator.text(), 30, "the OBS link in the health bar")
        panel = window.panels["obs"]
        assert isinstance(panel, ObsPanel)
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

        # going live on the platform sets OBS's stream target by itself
        window.start_session()
        await until(lambda: stack.target.applied is not None, 20, "the RTMP target in OBS")
        service = await stack.conn.request("GetStreamServiceSettings")
        assert service["streamServiceSettings"]["key"] == room.session.stream_key
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
    window = _window(room, settings, stack, tmp_path)
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
