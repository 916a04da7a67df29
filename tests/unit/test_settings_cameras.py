"""Settings: cameras by role. A file from before roles loads with its one camera as the host."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from app.settings import CameraRolesSettings, load_settings, save_settings


def test_an_old_single_camera_file_loads_as_the_host(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    old = {"camera": {"source": "/dev/video2", "width": 1280, "height": 720, "fps": 25,
                      "focus_baseline": 312.5}, "obs": {"canvas": "9:16"}}  # fmt: skip
    path.write_text(json.dumps(old), encoding="utf-8")
    s = load_settings(path)
    host = s.camera_for("host")
    assert (host.source, host.width, host.height, host.fps) == ("/dev/video2", 1280, 720, 25)
    assert host.focus_baseline == 312.5
    assert s.camera_for("closeup").source is None and s.camera_for("standby").source is None
    assert (s.cameras.pip_corner, s.cameras.pip_size, s.cameras.pip_swap) == (
        "top_right", "medium", False)  # fmt: skip
    assert not path.with_suffix(".broken.json").exists()


def test_roles_and_the_pip_preset_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    s = load_settings(path)
    s.camera.source = "0"
    s.camera_for("closeup").source = "/tmp/closeup.mp4"
    s.camera_for("standby").source = "rtsp://192.168.1.9/live"
    s.cameras.pip_corner = "bottom_left"
    s.cameras.pip_size = "large"
    s.cameras.pip_swap = True
    save_settings(s, path)
    again = load_settings(path)
    assert again.camera_for("host").source == "0"
    assert again.camera_for("closeup").source == "/tmp/closeup.mp4"
    assert again.camera_for("standby").source == "rtsp://192.168.1.9/live"
    assert (again.cameras.pip_corner, again.cameras.pip_size, again.cameras.pip_swap) == (
        "bottom_left", "large", True)  # fmt: skip


def test_a_bad_pip_preset_is_refused() -> None:
    roles = CameraRolesSettings()
    with pytest.raises(ValidationError):
        roles.pip_corner = "middle"  # type: ignore[assignment]
    with pytest.raises(ValidationError):
        roles.pip_size = "huge"  # type: ignore[assignment]
