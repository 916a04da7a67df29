"""The camera set-up dialog, offscreen, with generated clips as cameras."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.camera.checks import Level
from app.camera.devices import source_from_setting
from app.camera.testcard import Variant, write_clip
from app.settings import load_settings
from ui.camera.dialog import LEVEL_COLOURS, CameraSetupDialog

# offscreen QPA says this for every top-level dialog shown; nothing to fix in the app
pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")

WAIT = 30_000  # ms: generous, the machine is shared


@pytest.fixture
def dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LIVEDESK_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("LIVEDESK_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


@pytest.fixture
def make_dialog(qtbot: QtBot, dirs: Path) -> Iterator[type[CameraSetupDialog]]:
    made: list[CameraSetupDialog] = []

    def factory(**kw: object) -> CameraSetupDialog:
        d = CameraSetupDialog(find_devices=False, **kw)  # type: ignore[arg-type]
        qtbot.addWidget(d)
        d.show()
        made.append(d)
        return d

    yield factory  # type: ignore[misc]
    for d in made:
        d.close()
        g = d._grabber
        assert g is None or not g.running


def clip(dirs: Path, variant: Variant = "normal", seconds: float = 20) -> Path:
    return write_clip(dirs / f"{variant}.avi", variant, size=(640, 360), seconds=seconds)


def test_preview_shows_frames_and_plain_verdicts(make_dialog, dirs: Path, qtbot: QtBot) -> None:
    d = make_dialog()
    d.select_source(source_from_setting(str(clip(dirs))))
    qtbot.waitUntil(lambda: d.preview.image is not None, timeout=WAIT)
    qtbot.waitUntil(lambda: "亮度正常" in d.verdict_labels["exposure"].text(), timeout=WAIT)
    assert "正在预览" in d.status_label.text()
    assert "640×360" in d.report_label.text()
    assert d.crop_preview.image is not None
    qtbot.waitUntil(lambda: "fps" in d.preview.badge, timeout=WAIT)
    assert LEVEL_COLOURS[Level.OK] in d.verdict_dots["black"].styleSheet()
    # resolution/fps apply to cameras; a file plays in its own format
    assert not d.resolution_combo.isEnabled()


def test_a_dark_camera_is_called_too_dark_in_red(make_dialog, dirs: Path, qtbot: QtBot) -> None:
    d = make_dialog()
    d.select_source(source_from_setting(str(clip(dirs, "dark"))))
    qtbot.waitUntil(lambda: "太暗" in d.verdict_labels["exposure"].text(), timeout=WAIT)
    assert "/255" in d.verdict_labels["exposure"].text()
    assert LEVEL_COLOURS[Level.BAD] in d.verdict_dots["exposure"].styleSheet()


def test_guides_toggle_on_the_picture(make_dialog, dirs: Path, qtbot: QtBot) -> None:
    d = make_dialog()
    d.resize(1200, 760)
    d.select_source(source_from_setting(str(clip(dirs, "frozen"))))  # a still picture
    qtbot.waitUntil(lambda: d.preview.image is not None, timeout=WAIT)
    pic = d.preview.picture_rect()
    x_third = int(pic.x + pic.w / 3)
    y_mid = int(pic.y + pic.h / 2)

    def column_pixel() -> int:
        return d.preview.grab().toImage().pixel(x_third, y_mid)

    d.safe_box.setChecked(False)
    d.thirds_box.setChecked(True)
    with_line = column_pixel()
    d.thirds_box.setChecked(False)
    without = column_pixel()
    assert with_line != without
    assert not d.preview.show_thirds
    # the 9:16 safe area shades the sides a vertical stream cuts off
    left_edge = (int(pic.x + 5), y_mid)
    before = d.preview.grab().toImage().pixelColor(*left_edge).lightness()
    d.safe_box.setChecked(True)
    after = d.preview.grab().toImage().pixelColor(*left_edge).lightness()
    assert after < before
    # and the crop preview can be hidden
    d.crop_box.setChecked(False)
    assert not d.crop_preview.isVisible()
    d.crop_box.setChecked(True)
    assert d.crop_preview.isVisible()


def test_clip_ending_mid_preview_says_so_and_comes_back(
    make_dialog, dirs: Path, qtbot: QtBot
) -> None:
    d = make_dialog()
    d.select_source(source_from_setting(str(clip(dirs, "normal", seconds=1.0))))
    qtbot.waitUntil(lambda: d.preview.image is not None, timeout=WAIT)
    qtbot.waitUntil(lambda: "结尾" in d.status_label.text(), timeout=WAIT)
    assert "重试" in d.preview.message  # said over the picture, not only in a status bar
    qtbot.waitUntil(lambda: "正在预览" in d.status_label.text(), timeout=WAIT)
    assert d.preview.message == ""


def test_missing_source_is_explained_without_freezing(
    make_dialog, dirs: Path, qtbot: QtBot
) -> None:
    d = make_dialog()
    d.select_source(source_from_setting(str(dirs / "nowhere.mp4")))
    qtbot.waitUntil(lambda: "找不到视频文件" in d.status_label.text(), timeout=WAIT)
    assert "找不到视频文件" in d.preview.message
    # the UI stayed responsive: switching to a working source works at once
    d.select_source(source_from_setting(str(clip(dirs))))
    qtbot.waitUntil(lambda: d.preview.image is not None, timeout=WAIT)


def test_snapshot_baseline_and_saved_choice(make_dialog, dirs: Path, qtbot: QtBot) -> None:
    path = clip(dirs)
    d = make_dialog()
    d.select_source(source_from_setting(str(path)))
    qtbot.waitUntil(lambda: d.preview.image is not None, timeout=WAIT)
    qtbot.waitUntil(lambda: d._pipeline is not None and d._pipeline.verdicts != [], timeout=WAIT)
    qtbot.mouseClick(d.snapshot_button, Qt.MouseButton.LeftButton)
    shots = list((dirs / "data" / "snapshots").glob("camera-*.png"))
    assert len(shots) == 1 and "已保存照片" in d.message_label.text()
    qtbot.mouseClick(d.baseline_button, Qt.MouseButton.LeftButton)
    assert "已设清晰基准" in d.message_label.text()
    d.save()
    saved = load_settings().camera
    assert saved.source == str(path)
    assert saved.focus_baseline is not None and saved.focus_baseline > 100
    # the next time the dialog opens, it comes back on the same source with that baseline
    d.close()
    again = make_dialog()
    assert again.source is not None and again.source.ref == str(path)
    qtbot.waitUntil(lambda: "为基准的" in again.verdict_labels["focus"].text(), timeout=WAIT)


def test_obs_button_waits_for_an_obs_connection(make_dialog) -> None:
    d = make_dialog()
    assert not d.obs_button.isEnabled()
    assert "OBS" in d.obs_button.toolTip()
