"""Framing guide geometry and the OBS input each kind of camera becomes."""

from __future__ import annotations

import pytest

from app.camera.devices import CameraSource, source_from_setting
from app.camera.guides import covered_bands, fit, safe_area, thirds_lines, vertical_crop
from app.camera.modes import Mode
from app.obs.camera_input import obs_input_for, v4l2_pack

MODE = Mode(1920, 1080, 30)


def test_vertical_crop_of_a_landscape_camera_is_centred_full_height() -> None:
    crop = vertical_crop(1920, 1080)
    assert crop.h == 1080 and crop.w == pytest.approx(607.5)
    assert crop.x == pytest.approx((1920 - 607.5) / 2)
    assert crop.w / crop.h == pytest.approx(9 / 16)


def test_vertical_camera_crop_is_full_width() -> None:
    crop = vertical_crop(1080, 2400)
    assert crop.w == 1080 and crop.h == pytest.approx(1920) and crop.y == pytest.approx(240)


def test_safe_area_lies_inside_the_crop_clear_of_the_covered_bands() -> None:
    crop = vertical_crop(1920, 1080)
    safe = safe_area(crop)
    assert crop.x < safe.x and safe.right < crop.right
    assert crop.y < safe.y and safe.bottom < crop.bottom
    for band in covered_bands(crop):
        overlap_w = min(band.right, safe.right) - max(band.x, safe.x)
        overlap_h = min(band.bottom, safe.bottom) - max(band.y, safe.y)
        assert overlap_w <= 1e-6 or overlap_h <= 1e-6
    # the bottom band (comments, cart) is the biggest: products must sit above it
    assert safe.bottom <= crop.bottom - 0.2 * crop.h


def test_thirds_lines_split_the_picture_in_three() -> None:
    lines = thirds_lines(vertical_crop(1920, 1080))
    xs = sorted({x1 for x1, _, x2, _ in lines if x1 == x2})
    assert len(lines) == 4 and len(xs) == 2
    assert xs[1] - xs[0] == pytest.approx(607.5 / 3)


def test_fit_letterboxes() -> None:
    r = fit(1920, 1080, 800, 800)
    assert r.w == 800 and r.h == 450 and r.y == 175


def test_linux_camera_becomes_v4l2_input_with_the_same_mode() -> None:
    spec = obs_input_for(source_from_setting("/dev/video2", "linux"), MODE, "linux")
    assert spec.kind == "v4l2_input"
    assert spec.settings["device_id"] == "/dev/video2"
    assert spec.settings["resolution"] == (1920 << 16) | 1080
    assert spec.settings["framerate"] == v4l2_pack(1, 30)
    assert spec.settings["pixelformat"] == 0x47504A4D  # MJPG for 1080p30


def test_windows_camera_becomes_dshow_input() -> None:
    src = CameraSource("device", "0", "Logitech BRIO", "CAP_DSHOW")
    spec = obs_input_for(src, Mode(1280, 720, 60), "win32")
    assert spec.kind == "dshow_input"
    assert spec.settings["video_device_id"].startswith("Logitech BRIO:")
    assert spec.settings["resolution"] == "1280x720"
    assert spec.settings["res_type"] == 1
    assert spec.settings["frame_interval"] == 166667


def test_mac_camera_becomes_avcapture_input() -> None:
    src = CameraSource("device", "0", "FaceTime HD Camera", "CAP_AVFOUNDATION")
    assert obs_input_for(src, MODE, "darwin").kind == "macos-avcapture"
    old = obs_input_for(src, MODE, "darwin", macos_obs30=False)
    assert old.kind == "av_capture_input"
    assert old.settings["frame_rate"] == {"numerator": 30, "denominator": 1}


def test_file_and_url_become_media_sources() -> None:
    f = obs_input_for(source_from_setting("/tmp/demo.mp4"), MODE, "linux")
    assert f.kind == "ffmpeg_source"
    assert f.settings["is_local_file"] is True and f.settings["local_file"] == "/tmp/demo.mp4"
    assert f.settings["looping"] is True
    u = obs_input_for(source_from_setting("rtsp://10.0.0.8:8554/cam"), MODE, "win32")
    assert u.kind == "ffmpeg_source"
    assert (
        u.settings["is_local_file"] is False and u.settings["input"] == "rtsp://10.0.0.8:8554/cam"
    )
