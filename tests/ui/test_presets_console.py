"""Picture presets in the real console on the real OBS: a preset saved for the camera is put on
it when the console's OBS stack connects and sets up the scenes (the camera input created then),
and 设备 → 画面预设（美颜/调色）… opens the dialog on the console's own settings."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction

from app.camera.testcard import write_clip
from app.obs.names import CAMERA
from app.obs.presets import PREFIX, filter_list
from app.obs.stack import ObsStack
from app.platform.connection import LinkState
from app.settings import PicturePreset, Settings
from tests.support.real_obs import RealObs
from ui.camera.presets_dialog import PicturePresetsDialog
from ui.main_window import MainWindow

pytestmark = pytest.mark.obs


async def test_saved_preset_follows_the_camera_and_the_menu_opens_the_dialog(
    clean_obs: RealObs,
    sandbox_server: Callable[..., Any],
    live_room: Callable[..., Awaitable[Any]],
    tmp_path: Path,
    qtbot: Any,
    until: Callable[..., Awaitable[None]],
) -> None:
    room = await live_room(sandbox_server(), "host")
    settings = Settings()
    settings.obs.port = clean_obs.port
    settings.camera.source = str(write_clip(tmp_path / "cam.avi", "normal", (320, 180), seconds=4))
    settings.picture[CAMERA] = PicturePreset(preset="warm", strength=70)
    stack = ObsStack.build(room, settings, password=clean_obs.password,
                           overlay_dir=tmp_path / "overlays")  # fmt: skip
    await stack.start()
    window = None
    try:
        await stack.conn.wait_state(LinkState.CONNECTED, 60)
        await stack.set_up_scenes("16:9")  # creates 「LiveDesk 摄像头」 in this clean OBS

        async def camera_filters() -> list[dict[str, Any]]:
            return await filter_list(stack.conn, CAMERA)

        found: list[dict[str, Any]] = []
        for _ in range(100):  # up to 20 s on a busy machine
            found = await camera_filters()
            if found:
                break
            await asyncio.sleep(0.2)
        assert [f["filterName"] for f in found] == [f"{PREFIX} LUT"]
        assert found[0]["filterSettings"]["clut_amount"] == 0.7

        window = MainWindow(room, settings, qsettings=QSettings(str(tmp_path / "l.ini"),
                            QSettings.Format.IniFormat), obs=stack)  # fmt: skip
        window.show()
        action = window.findChild(QAction, "action:picture-presets")
        assert action is not None and action.isEnabled()
        action.trigger()
        dialog = window.findChild(PicturePresetsDialog)
        assert dialog is not None
        await until(lambda: dialog.input_combo.currentText() == CAMERA, 20, "the camera listed")
        assert dialog.slider.value() == 70  # the saved choice shown
        dialog.slider.setValue(30)
        await until(lambda: settings.picture[CAMERA].strength == 30, 20, "the console's settings")
        await until(lambda: "30%" in dialog.status.text(), 20, "applied")
        assert (await camera_filters())[0]["filterSettings"]["clut_amount"] == 0.3
        dialog.close()
    finally:
        if window is not None:
            window.close_without_asking()
        await stack.stop()
