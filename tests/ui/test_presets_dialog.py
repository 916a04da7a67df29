"""画面预设 dialog against a real OBS (on the qasync loop, as in the app): the streamer picks 暖色
and drags the strength; the PROGRAM output warms, the choice is saved for that input, and the
before/after pictures show the input without and with the preset (filters back on after)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel

from app.obs.connection import ObsConnection
from app.obs.presets import filter_list
from app.settings import Settings, load_settings
from tests.integration.obs.helpers import to_array
from tests.integration.obs.test_obs_presets import INPUT, show_patches, stats, wait_for
from tests.support.polling import until
from tests.support.real_obs import RealObs
from ui.camera.presets_dialog import PicturePresetsDialog


@pytest.fixture
async def obs(clean_obs: RealObs) -> AsyncIterator[ObsConnection]:
    conn = ObsConnection("127.0.0.1", clean_obs.port, clean_obs.password)
    await conn.connect_once()
    try:
        yield conn
    finally:
        await conn.stop()


def rb_of(label: QLabel) -> float:
    pix = label.pixmap()
    if pix is None or pix.isNull():
        return 0.0
    return stats(to_array(pix.toImage().convertToFormat(QImage.Format.Format_RGBA8888)))[1]


async def test_dialog_applies_live_saves_and_shows_before_after(
    obs: ObsConnection, tmp_path: Path, qtbot: object
) -> None:
    program = await show_patches(obs, tmp_path)
    _, base_rb = stats(await program())
    file = tmp_path / "settings.json"
    dialog = PicturePresetsDialog(obs=obs, settings=Settings(), settings_file=file)
    dialog.show()
    await until(lambda: dialog.input_combo.findText(INPUT) >= 0, within=20)
    dialog.input_combo.setCurrentIndex(dialog.input_combo.findText(INPUT))
    assert "磨皮" in dialog.note.text()
    keys = [
        dialog.preset_list.item(i).data(Qt.ItemDataRole.UserRole)
        for i in range(dialog.preset_list.count())
    ]
    dialog.preset_list.setCurrentRow(keys.index("warm"))
    for v in (20, 45, 70, 100):  # a drag: debounced, the last position wins
        dialog.slider.setValue(v)
    await until(lambda: "100%" in dialog.status.text(), within=20)
    _, rb = await wait_for(program, lambda s: s[1] > base_rb * 1.15)
    assert rb > base_rb * 1.15, "the program output warms"
    saved = load_settings(file).picture[INPUT]
    assert (saved.preset, saved.strength) == ("warm", 100)

    dialog.refresh_compare()
    await until(lambda: rb_of(dialog.after) > max(rb_of(dialog.before), 0.5) * 1.15, within=20)
    assert rb_of(dialog.before) == pytest.approx(base_rb, rel=0.05)  # the picture without it
    assert [f["filterEnabled"] for f in await filter_list(obs, INPUT)] == [True]  # back on
    dialog.close()
    dialog.deleteLater()


async def test_camera_dialog_opens_the_presets(obs: ObsConnection, qtbot: object) -> None:
    """摄像头设置 → 画面预设（美颜/调色）…: one button, enabled with an OBS link, opens the dialog."""
    from PySide6.QtTest import QTest

    from ui.camera.dialog import CameraSetupDialog

    camera = CameraSetupDialog(settings=Settings(), obs=obs, find_devices=False)
    camera.show()
    assert camera.presets_button.isEnabled()
    QTest.mouseClick(camera.presets_button, Qt.MouseButton.LeftButton)
    await until(lambda: camera.findChild(PicturePresetsDialog) is not None, within=10)
    dialog = camera.findChild(PicturePresetsDialog)
    assert dialog is not None and dialog.isVisible()
    await until(lambda: dialog.status.text() != "" and not dialog._busy, within=20)  # OBS answered
    dialog.close()
    camera.close()
    camera.deleteLater()

    offline = CameraSetupDialog(settings=Settings(), obs=None, find_devices=False)
    assert not offline.presets_button.isEnabled()
    offline.close()
    offline.deleteLater()
