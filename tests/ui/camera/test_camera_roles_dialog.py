"""The camera dialog's roles (主机位 / 商品特写 / 备用) and 画中画 preset, offscreen, with
generated clips as cameras."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.camera.devices import source_from_setting
from app.camera.testcard import write_clip
from app.settings import load_settings
from ui.camera.dialog import CameraSetupDialog, find_data

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")

WAIT = 30_000  # ms: generous, the machine is shared


@pytest.fixture
def dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LIVEDESK_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("LIVEDESK_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


@pytest.fixture
def dialogs(qtbot: QtBot, dirs: Path) -> Iterator[list[CameraSetupDialog]]:
    made: list[CameraSetupDialog] = []
    yield made
    for d in made:
        d.close()
        g = d._grabber
        assert g is None or not g.running


def open_dialog(qtbot: QtBot, made: list[CameraSetupDialog]) -> CameraSetupDialog:
    d = CameraSetupDialog(find_devices=False)
    qtbot.addWidget(d)
    d.show()
    made.append(d)
    return d


def test_a_camera_per_role_and_the_pip_preset_are_saved_together(
    dialogs: list[CameraSetupDialog], dirs: Path, qtbot: QtBot
) -> None:
    host = write_clip(dirs / "host.avi", "normal", size=(640, 360), seconds=20)
    closeup = write_clip(dirs / "closeup.avi", "cast", size=(640, 360), seconds=20)
    d = open_dialog(qtbot, dialogs)
    assert d.role == "host" and not d.clear_role_button.isEnabled()
    d.select_source(source_from_setting(str(host)))
    qtbot.waitUntil(lambda: d.preview.image is not None, timeout=WAIT)

    # the close-up role: not set yet, said so over the picture, nothing previewed
    d.select_role("closeup")
    assert d.source is None and d._grabber is None
    assert "商品特写" in d.preview.message and "未设置" in d.preview.message
    assert d.clear_role_button.isEnabled()
    d.select_source(source_from_setting(str(closeup)))
    qtbot.waitUntil(lambda: d.preview.image is not None, timeout=WAIT)
    assert "特写摄像头" in d.obs_button.toolTip() or not d.obs_button.isEnabled()

    # back to the host: its choice was kept
    d.select_role("host")
    assert d.source is not None and d.source.ref == str(host)
    d.pip_corner_combo.setCurrentIndex(find_data(d.pip_corner_combo, "bottom_left"))
    d.pip_size_combo.setCurrentIndex(find_data(d.pip_size_combo, "large"))
    d.pip_swap_box.setChecked(True)
    d.save()
    assert "主机位" in d.message_label.text() and "商品特写" in d.message_label.text()

    s = load_settings()
    assert s.camera.source == str(host)
    assert s.cameras.closeup.source == str(closeup)
    assert s.cameras.standby.source is None
    assert (s.cameras.pip_corner, s.cameras.pip_size, s.cameras.pip_swap) == (
        "bottom_left", "large", True)  # fmt: skip

    # opened again: the same choices; clearing the close-up role saves it as unused
    d.close()
    again = open_dialog(qtbot, dialogs)
    assert again.source is not None and again.source.ref == str(host)
    assert again.pip_swap_box.isChecked()
    again.select_role("closeup")
    assert again.source is not None and again.source.ref == str(closeup)
    again.clear_role()
    assert again.source is None and again._grabber is None
    again.save()
    s = load_settings()
    assert s.cameras.closeup.source is None and s.camera.source == str(host)


def test_saving_without_a_host_camera_is_refused(
    dialogs: list[CameraSetupDialog], dirs: Path, qtbot: QtBot
) -> None:
    d = open_dialog(qtbot, dialogs)
    d.select_role("standby")
    d.select_source(source_from_setting(str(write_clip(dirs / "s.avi", "normal", seconds=5))))
    d.save()
    assert "主机位" in d.message_label.text()
    assert load_settings().cameras.standby.source is None  # nothing written
