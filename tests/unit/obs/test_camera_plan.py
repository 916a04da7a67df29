"""The camera-role scene plan (app/obs/camera_plan.py): which camera is where, and what is on top."""

from __future__ import annotations

from app.camera.devices import source_from_setting
from app.camera.modes import Mode
from app.obs.camera_input import ObsInputSpec, obs_input_for, same_device
from app.obs.camera_plan import PIP_MARGIN, Layer, Pip, inset_box, plan
from app.obs.names import (
    BACKGROUND,
    CAMERA,
    CAMERA_CLOSEUP,
    CAMERA_STANDBY,
    SCENE_CLOSEUP,
    SCENE_FULL,
    SCENE_PIP,
    SCENE_STANDBY,
    STANDBY_CARD,
    STANDBY_TEXT,
)
from app.settings import CameraRole

W, H = 1920, 1080
ALL: frozenset[CameraRole] = frozenset({"host", "closeup", "standby"})


def names(layers: list[Layer]) -> list[str]:
    return [layer.source for layer in layers]


def test_host_only_is_the_scene_set_from_before_roles() -> None:
    p = plan(W, H, frozenset({"host"}), Pip())
    assert names(p[SCENE_FULL]) == [CAMERA]
    zoomed = p[SCENE_CLOSEUP][0]
    assert zoomed.source == CAMERA and zoomed.width == W * 1.6 and zoomed.x < 0
    assert names(p[SCENE_PIP]) == [BACKGROUND, CAMERA]
    inset = p[SCENE_PIP][1]
    assert (inset.x, inset.y, inset.width) == (W - W * 0.3 - 40, 40, W * 0.3)
    assert names(p[SCENE_STANDBY]) == [CAMERA, STANDBY_CARD, STANDBY_TEXT]


def test_all_roles_put_each_camera_in_its_scene() -> None:
    p = plan(W, H, ALL, Pip())
    assert names(p[SCENE_FULL]) == [CAMERA]
    assert names(p[SCENE_CLOSEUP]) == [CAMERA_CLOSEUP]
    assert p[SCENE_CLOSEUP][0] == Layer(CAMERA_CLOSEUP, 0, 0, W, H, "OBS_BOUNDS_SCALE_OUTER")
    # host full, close-up the inset (on top)
    assert names(p[SCENE_PIP]) == [CAMERA, CAMERA_CLOSEUP]
    assert p[SCENE_PIP][0].width == W and p[SCENE_PIP][1].width == W * 0.3
    # the standby camera covers the card; the host camera stays at the bottom, watched
    assert names(p[SCENE_STANDBY]) == [CAMERA, STANDBY_CARD, STANDBY_TEXT, CAMERA_STANDBY]
    assert p[SCENE_STANDBY][-1].width == W


def test_swap_exchanges_the_full_picture_and_the_inset() -> None:
    p = plan(W, H, ALL, Pip(swap=True))
    assert names(p[SCENE_PIP]) == [CAMERA_CLOSEUP, CAMERA]
    assert p[SCENE_PIP][0].width == W and p[SCENE_PIP][1].width < W / 2


def test_inset_corners_and_sizes() -> None:
    small = inset_box(W, H, Pip("bottom_left", "small"))
    assert small == (PIP_MARGIN, H - H * 0.22 - PIP_MARGIN, W * 0.22, H * 0.22)
    large = inset_box(W, H, Pip("top_left", "large"))
    assert large == (PIP_MARGIN, PIP_MARGIN, W * 0.4, H * 0.4)
    x, y, w, h = inset_box(1080, 1920, Pip("bottom_right", "medium"))  # vertical canvas
    assert x + w == 1080 - PIP_MARGIN and y + h == 1920 - PIP_MARGIN


def test_no_camera_at_all_keeps_background_and_card() -> None:
    p = plan(W, H, frozenset(), Pip())
    assert p[SCENE_FULL] == [] and p[SCENE_CLOSEUP] == []
    assert names(p[SCENE_PIP]) == [BACKGROUND]
    assert names(p[SCENE_STANDBY]) == [STANDBY_CARD, STANDBY_TEXT]


def test_closeup_without_host_shows_only_the_closeup() -> None:
    p = plan(W, H, frozenset({"closeup"}), Pip())
    assert names(p[SCENE_PIP]) == [CAMERA_CLOSEUP]
    assert CAMERA not in names(p[SCENE_STANDBY])


def cam(ref: str, mode: Mode | None = None) -> ObsInputSpec:
    return obs_input_for(source_from_setting(ref, "linux"), mode or Mode(1920, 1080, 30), "linux")


def test_two_roles_on_one_device_are_noticed_files_may_be_shared() -> None:
    assert same_device(cam("/dev/video0"), cam("/dev/video0", Mode(1280, 720, 30)))
    assert not same_device(cam("/dev/video0"), cam("/dev/video2"))
    assert not same_device(cam("/tmp/a.mp4"), cam("/tmp/a.mp4"))
