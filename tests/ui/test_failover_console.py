"""The emergency key and the failover's alerts in the real console, on a live sandbox room and the
real OBS (ui/failover.py): F12 and the toolbar button, the status line, the beep count."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QToolButton

from app.camera.testcard import write_clip
from app.obs.inputs import screenshot
from app.obs.names import CAMERA, SCENE_FULL, SCENE_STANDBY
from app.obs.stack import ObsStack
from app.platform.connection import LinkState
from app.settings import Settings
from tests.integration.obs.test_obs_failover import PAUSE, add_mic, write_tone
from tests.support.real_obs import RealObs
from ui.main_window import MainWindow

pytestmark = pytest.mark.obs
MIC = "LiveDesk 控制台测试麦克风"
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


async def test_f12_is_the_emergency_key_and_a_frozen_camera_is_said_and_heard(
    clean_obs: RealObs,
    sandbox_server: Callable[..., Any],
    live_room: Callable[..., Awaitable[Any]],
    tmp_path: Path,
    qtbot: Any,
    until: Callable[..., Awaitable[None]],
) -> None:
    srv = sandbox_server(live=True)
    room = await live_room(srv, "host")
    settings = Settings()
    settings.obs.port = clean_obs.port
    settings.camera.source = str(write_clip(tmp_path / "cam.avi", "normal", (320, 180), seconds=4))
    settings.failover.mic_input = MIC
    stack = ObsStack.build(room, settings, password=clean_obs.password,
                           overlay_dir=tmp_path / "overlays")  # fmt: skip
    await stack.start()
    window = None
    try:
        await stack.conn.wait_state(LinkState.CONNECTED, 60)
        await stack.set_up_scenes("16:9")
        tone = write_tone(tmp_path / "tone.wav", 12000)
        await add_mic(stack.conn, MIC, tone)
        await stack.scenes.switch(SCENE_FULL)
        qs = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
        window = MainWindow(room, settings, qsettings=qs, obs=stack)
        window.show()
        failover = stack.failover
        await until(lambda: failover.armed, 20, "the failover armed by the live session")
        key = window.shortcuts.key("obs.emergency")
        assert key == "F12"
        button = window.findChild(QToolButton, "emergencyKey")
        assert button is not None and button.text() == "一键应急"

        window.activateWindow()
        await until(lambda: QApplication.activeWindow() is window, 10, "the window active")
        QTest.keyClick(window, Qt.Key.Key_F12)
        await until(lambda: failover.emergency_state is not None and not window.failover.runner.busy,
                    20, "the emergency key")  # fmt: skip
        assert (await stack.conn.request("GetCurrentProgramScene"))[
            "currentProgramSceneName"
        ] == SCENE_STANDBY
        assert (await stack.conn.request("GetInputMute", inputName=MIC))["inputMuted"] is True
        assert button.text() == "结束应急"
        assert "一键应急" in window.message.text()
        # the banner across the top says it too, with the way back
        row = window.link_banner.standby_row
        await until(lambda: row.isVisible(), 10, "the standby row of the banner")
        assert row.title.text() == "一键应急中 · 观众正在看「备用画面」"
        assert row.button.text() == "结束应急"

        button.click()  # the button on the live toolbar: the same action
        await until(lambda: failover.emergency_state is None and not window.failover.runner.busy,
                    20, "the return")  # fmt: skip
        assert (await stack.conn.request("GetCurrentProgramScene"))[
            "currentProgramSceneName"
        ] == SCENE_FULL
        assert (await stack.conn.request("GetInputMute", inputName=MIC))["inputMuted"] is False
        assert button.text() == "一键应急"
        await until(lambda: not row.isVisible(), 10, "the standby row gone")

        await until(lambda: failover.judge.good_since is not None, 60, "the camera seen moving")
        beeps = window.failover.beeps
        await stack.conn.request("TriggerMediaInputAction", inputName=CAMERA, mediaAction=PAUSE)
        await until(lambda: "冻结" in window.message.text(), 30, "the failover said in the status")
        assert SCENE_STANDBY in window.message.text()
        assert window.failover.beeps > beeps
        await until(lambda: row.isVisible(), 10, "the banner says viewers see the standby")
        assert row.title.text() == "已自动切到「备用画面」· 观众看不到主画面"
        assert "冻结" in row.detail.text() and "自动切回" in row.detail.text()
        if os.environ.get("LIVEDESK_SCREENSHOTS"):  # docs/obs.md: the alert, the standby picture
            SHOTS.mkdir(parents=True, exist_ok=True)
            window.grab().save(str(SHOTS / "failover-alert-zh.png"))
            png = await screenshot(stack.conn, SCENE_STANDBY, 960, 540)
            (SHOTS / "obs-standby.png").write_bytes(png)
        # the operator does not wait for the camera: back from the banner (the still frozen
        # camera then sends the program to standby again after its window, as it should)
        kinds: list[str] = []
        failover.subscribe(lambda e: kinds.append(e.kind))
        row.button.click()
        await until(lambda: "switched_back" in kinds, 20, "back to the live picture")
        assert kinds[0] == "switched_back"
    finally:
        if window is not None:
            window.close_without_asking()
        await stack.stop()
