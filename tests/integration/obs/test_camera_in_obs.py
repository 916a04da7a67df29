""" "Use this camera in OBS" against a real OBS: creates the camera input once, then updates it."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

import numpy as np

from app.camera.devices import source_from_setting
from app.camera.modes import Mode
from app.camera.testcard import write_clip
from app.obs.camera_apply import use_in_obs
from app.obs.camera_input import obs_input_for
from app.obs.connection import ObsConnection
from app.obs.inputs import input_names, screenshot
from app.obs.names import CAMERA
from tests.support.real_obs import RealObs

MODE = Mode(1280, 720, 30)


async def test_camera_input_is_created_then_updated_not_duplicated(
    obs: ObsConnection, tmp_path: Path
) -> None:
    from tests.integration.obs.helpers import png_array

    first = write_clip(tmp_path / "first.avi", "normal", size=(640, 360), seconds=4)
    second = write_clip(tmp_path / "second.avi", "cast", size=(640, 360), seconds=4)
    names_before = await input_names(obs)
    if CAMERA in names_before:  # another test's set-up made it: start from none
        await _drop_camera(obs, tmp_path.name)

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
    await _drop_camera(obs, tmp_path.name)


async def _drop_camera(obs: ObsConnection, tag: str) -> None:
    """Remove the camera input; renamed first, as OBS frees an input scenes showed only later."""
    tag = f"{tag}-{secrets.token_hex(3)}"
    if CAMERA in await input_names(obs):
        await obs.request("SetInputName", inputName=CAMERA, newInputName=f"{CAMERA} {tag}")
        await obs.request("RemoveInput", inputName=f"{CAMERA} {tag}")


async def test_a_camera_of_another_kind_takes_the_old_ones_place_in_every_scene(
    fresh_obs: RealObs, tmp_path: Path, qapp: object
) -> None:
    """After "set up OBS" placed a file camera in all three scenes, choosing a real device puts
    the device in each of them, where the file was: the set-up is not undone. (An OBS of its
    own: a device input for a camera this machine lacks is left out of the shared one.)"""
    obs = ObsConnection("127.0.0.1", fresh_obs.port, fresh_obs.password)
    await obs.connect_once()
    from app.obs.camera_input import camera_from_source
    from app.obs.names import SCENES
    from app.obs.setup import setup_live_selling
    from app.overlays.obs_sink import ObsOverlaySink
    from app.overlays.render import OverlayRenderer

    await _drop_camera(obs, tmp_path.name)
    clip = write_clip(tmp_path / "clip.avi", "normal", size=(640, 360), seconds=2)
    sink = ObsOverlaySink(obs, OverlayRenderer("16:9"), tmp_path / "overlays")
    await setup_live_selling(
        obs, canvas="16:9", camera=camera_from_source(str(clip)), overlay_files=sink.prepare()
    )

    async def placements() -> dict[str, tuple[int, float, float, float]]:
        out = {}
        for scene in SCENES:
            items = await obs.request("GetSceneItemList", sceneName=scene)
            for item in items["sceneItems"]:
                if item["sourceName"] == CAMERA:
                    t = await obs.request(
                        "GetSceneItemTransform", sceneName=scene, sceneItemId=item["sceneItemId"]
                    )
                    tr = t["sceneItemTransform"]
                    out[scene] = (item["sceneItemIndex"], tr["positionX"], tr["positionY"],
                                  tr["boundsWidth"])  # fmt: skip
        return out

    before = await placements()
    assert set(before) == set(SCENES)
    cam = obs_input_for(source_from_setting("/dev/video0", "linux"), MODE, "linux")
    text = await use_in_obs(obs, cam)
    assert "替换" in text
    info = await obs.request("GetInputSettings", inputName=CAMERA)
    assert info["inputKind"] == "v4l2_input"
    assert await placements() == before
    await obs.stop()


async def test_set_up_run_again_after_choosing_another_camera_shows_that_camera(
    fresh_obs: RealObs, tmp_path: Path, qapp: object
) -> None:
    """“一键配置” after another camera was chosen: the camera input shows the new one (a file of
    the same kind: updated in place; a device: replaced where the old one was), never the old."""
    from app.obs.camera_input import camera_from_source
    from app.obs.names import SCENES
    from app.obs.setup import setup_live_selling
    from app.overlays.obs_sink import ObsOverlaySink
    from app.overlays.render import OverlayRenderer

    obs = ObsConnection("127.0.0.1", fresh_obs.port, fresh_obs.password)
    await obs.connect_once()
    try:
        first = write_clip(tmp_path / "first.avi", "normal", size=(640, 360), seconds=2)
        second = write_clip(tmp_path / "second.avi", "cast", size=(640, 360), seconds=2)
        sink = ObsOverlaySink(obs, OverlayRenderer("16:9"), tmp_path / "overlays")

        async def set_up(source: str):  # type: ignore[no-untyped-def]
            return await setup_live_selling(obs, canvas="16:9", overlay_files=sink.prepare(),
                                            camera=camera_from_source(source, MODE))  # fmt: skip

        async def where() -> dict[str, tuple[float, float, float]]:
            out = {}
            for scene in SCENES:
                items = await obs.request("GetSceneItemList", sceneName=scene)
                for item in items["sceneItems"]:
                    if item["sourceName"] == CAMERA:
                        t = await obs.request("GetSceneItemTransform", sceneName=scene,
                                              sceneItemId=item["sceneItemId"])  # fmt: skip
                        tr = t["sceneItemTransform"]
                        out[scene] = (tr["positionX"], tr["positionY"], tr["boundsWidth"])
            return out

        await set_up(str(first))
        placed = await where()
        assert set(placed) == set(SCENES)

        report = await set_up(str(second))
        info = await obs.request("GetInputSettings", inputName=CAMERA)
        assert info["inputSettings"]["local_file"] == str(second)
        assert report.updated and "更新" in report.updated[0] and not report.created
        assert sum(n == CAMERA for n in await input_names(obs)) == 1
        assert await where() == placed

        report = await set_up("/dev/video0")  # a device now: another input kind
        info = await obs.request("GetInputSettings", inputName=CAMERA)
        assert info["inputKind"] == "v4l2_input"
        assert info["inputSettings"]["device_id"] == "/dev/video0"
        assert report.updated and "替换" in report.updated[0]
        assert await where() == placed  # in every scene, where the file camera was
        assert sum(n == CAMERA for n in await input_names(obs)) == 1

        again = await set_up("/dev/video0")  # nothing changed: nothing touched
        assert again.updated == [] and again.created == []
    finally:
        await obs.stop()
