""" "Use this camera in OBS" against a real OBS: creates the camera input once, then updates it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np

from app.camera.devices import source_from_setting
from app.camera.modes import Mode
from app.camera.obs_apply import use_in_obs
from app.camera.obs_input import obs_input_for
from app.camera.testcard import write_clip
from app.obs.connection import ObsConnection
from app.obs.inputs import input_names, screenshot
from app.obs.setup import CAMERA

MODE = Mode(1280, 720, 30)


async def test_camera_input_is_created_then_updated_not_duplicated(
    obs: ObsConnection, tmp_path: Path
) -> None:
    from helpers import png_array

    first = write_clip(tmp_path / "first.avi", "normal", size=(640, 360), seconds=4)
    second = write_clip(tmp_path / "second.avi", "cast", size=(640, 360), seconds=4)
    names_before = await input_names(obs)
    if CAMERA in names_before:  # another test's set-up made it: start from none
        await obs.request("RemoveInput", inputName=CAMERA)
        for _ in range(100):
            if CAMERA not in await input_names(obs):
                break
            await asyncio.sleep(0.05)

    text = await use_in_obs(obs, obs_input_for(source_from_setting(str(first)), MODE, "linux"))
    assert "创建" in text
    info = await obs.request("GetInputSettings", inputName=CAMERA)
    assert info["inputKind"] == "ffmpeg_source"
    assert info["inputSettings"]["local_file"] == str(first)

    # OBS really plays it: the source's own screenshot shows the test card, not black
    async def picture() -> np.ndarray:
        return png_array(await screenshot(obs, CAMERA, 320, 180))

    for _ in range(100):
        img = await picture()
        if img[..., :3].mean() > 40:
            break
        await asyncio.sleep(0.1)
    assert img[..., :3].mean() > 40

    text = await use_in_obs(obs, obs_input_for(source_from_setting(str(second)), MODE, "linux"))
    assert "更新" in text
    info = await obs.request("GetInputSettings", inputName=CAMERA)
    assert info["inputSettings"]["local_file"] == str(second)
    assert sum(n == CAMERA for n in await input_names(obs)) == 1

    # a real camera now (a different input kind): the input is replaced, still only one
    cam = obs_input_for(source_from_setting("/dev/video0", "linux"), MODE, "linux")
    await use_in_obs(obs, cam)
    info = await obs.request("GetInputSettings", inputName=CAMERA)
    assert info["inputKind"] == "v4l2_input"
    assert info["inputSettings"]["device_id"] == "/dev/video0"
    assert info["inputSettings"]["resolution"] == (1280 << 16) | 720
    await obs.request("RemoveInput", inputName=CAMERA)
