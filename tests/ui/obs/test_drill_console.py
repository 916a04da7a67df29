"""应急演练 in the real console with the real OBS (ui/drill.py, ui/failover.py): a live sandbox room,
the failover armed with auto-return off. The operator rehearses a black camera and a silent
microphone from 视图 → 应急演练…: the failover switches to 备用画面 by itself, sees the camera
back and waits; the operator presses the emergency key (now 切回直播画面) and the program shows
the camera again. The report has the switch as automatic, the going back as the operator's, and
the fault over only when the camera is back on program. LIVEDESK_DRILL_SHOT=<png>: the dialog
while the camera fault runs; LIVEDESK_FAILOVER_SHOT=<png>: the main window on standby, waiting for
the operator."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings

from app.camera.testcard import write_clip
from app.drill.report import FaultResult
from app.obs.names import SCENE_FULL, SCENE_STANDBY
from app.obs.stack import ObsStack
from app.platform.connection import LinkState
from app.settings import Settings
from tests.integration.obs.test_obs_failover import add_mic, write_tone
from tests.support.real_obs import RealObs
from ui.drill import DrillDialog
from ui.main_window import MainWindow

pytestmark = [pytest.mark.obs, pytest.mark.slow]
MIC = "LiveDesk 演练测试麦克风"


async def test_a_camera_drill_with_the_operator_going_back(
    clean_obs: RealObs,
    sandbox_server: Callable[..., Any],
    live_room: Callable[..., Awaitable[Any]],
    tmp_path: Path,
    qtbot: Any,
    until: Callable[..., Awaitable[None]],
) -> None:
    srv = sandbox_server(live=True, viewers=80, seed=5)
    room = await live_room(srv, "host")
    settings = Settings()
    settings.obs.port = clean_obs.port
    settings.camera.source = str(write_clip(tmp_path / "cam.avi", "normal", (320, 180), seconds=4))
    settings.failover.mic_input = MIC
    settings.failover.auto_return = False
    settings.failover.mic_window_s = 3.0
    stack = ObsStack.build(room, settings, password=clean_obs.password,
                           overlay_dir=tmp_path / "overlays")  # fmt: skip
    await stack.start()
    window = None
    try:
        await stack.conn.wait_state(LinkState.CONNECTED, 60)
        await stack.set_up_scenes("16:9")
        await add_mic(stack.conn, MIC, write_tone(tmp_path / "tone.wav", 12000))
        await stack.scenes.switch(SCENE_FULL)
        qs = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
        window = MainWindow(room, settings, qsettings=qs, obs=stack)
        window.docks["products"].hide()  # no image downloads outliving the test's loop
        window.show()
        recorded: list[dict[str, Any]] = []
        window.drill_record = recorded.append
        failover = stack.failover
        await until(lambda: failover.armed, 20, "the failover armed by the live session")
        await until(lambda: failover.judge.good_since is not None, 60, "the camera seen moving")
        dialog = window.open_drill()
        assert isinstance(dialog, DrillDialog)
        await until(lambda: dialog.ready, 30, "the dialog to know what it may inject")
        assert dialog.boxes["camera_frozen"].isEnabled()  # the camera is a clip: a media source
        assert not dialog.boxes["obs_killed"].isEnabled()  # never from the console
        for kind, box in dialog.boxes.items():
            box.setChecked(kind in ("camera_black", "mic_silence"))
        # each fault held 8 s: the microphone's 3 s window fits with room to spare when a busy
        # machine delays OBS's level meters (5 s once missed the silence in CI)
        dialog.hold.setValue(8)
        dialog.gap.setValue(2)
        dialog.start_button.click()
        drill = dialog.drill
        assert drill is not None
        await until(lambda: failover.standby_from is not None, 30, "the switch to standby")
        window_shot = os.environ.get("LIVEDESK_FAILOVER_SHOT")
        if window_shot:  # the alert of the switch, then (below) the wait for the operator
            await asyncio.sleep(0.5)
            window.grab().save(window_shot.replace(".png", "-switched.png"))
        shot = os.environ.get("LIVEDESK_DRILL_SHOT")
        if shot:
            await asyncio.sleep(1.0)  # the table refreshed with the switch
            dialog.grab().save(shot)
        await until(lambda: failover.awaiting_return, 60, "the camera seen back, waiting for me")
        if window_shot:
            window.grab().save(window_shot)
        assert (await stack.conn.request("GetCurrentProgramScene"))[
            "currentProgramSceneName"
        ] == SCENE_STANDBY
        assert drill.current is not None and drill.current.recovered_at is None  # still on standby
        window.shortcuts.actions["obs.emergency"].trigger()  # the key, reading 切回直播画面
        await until(lambda: len(recorded) == 2, 90, "both faults to run")
        cam, mic = (FaultResult.from_record(d) for d in recorded)
        assert cam.kind == "camera_black" and cam.detected_by == "failover:switched"
        assert [w for _, w in cam.auto] == [
            "failover:switched",
            "failover:recovered",
            "failover:switched_back",
        ]
        assert [w for _, w in cam.operator] == ["operator:go_back"]
        assert cam.recovered_at is not None and cam.recovered_at >= cam.operator[0][0]
        assert cam.broken_picture_s == cam.detect_s  # the standby card ended the broken picture
        assert mic.kind == "mic_silence" and mic.detected_by == "failover:mic_alert"
        assert (await stack.conn.request("GetCurrentProgramScene"))[
            "currentProgramSceneName"
        ] == SCENE_FULL
        assert not (await stack.conn.request("GetInputMute", inputName=MIC))["inputMuted"]
        await until(lambda: not dialog.stop_button.isEnabled(), 10, "the drill to end")
        dialog.close()
    finally:
        if window is not None:
            window.close_without_asking()
        await stack.stop()
