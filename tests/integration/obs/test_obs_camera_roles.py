"""Several cameras with roles in a real OBS (app/obs/camera_plan.py, app/obs/setup.py), and the
failover showing the standby camera (app/obs/failover.py).

Each camera is a video file played by ffmpeg_source, as the set-up places a camera: the host a
moving test card, the close-up and the standby a flat colour each, so a screenshot of the program
(what viewers see) tells which camera is where."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from app.camera.testcard import write_clip
from app.obs.camera_input import ObsInputSpec, camera_from_source
from app.obs.camera_plan import Pip
from app.obs.connection import ObsConnection
from app.obs.failover import Failover, FailoverEvent
from app.obs.inputs import input_names, screenshot
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
from app.obs.scenes import Scenes
from app.obs.setup import SetupReport, setup_live_selling
from app.overlays.obs_sink import ObsOverlaySink
from app.overlays.render import OverlayRenderer
from app.settings import FailoverSettings
from tests.integration.obs.helpers import png_array
from tests.support.polling import until

pytestmark = pytest.mark.obs

CLOSEUP_RGB = (200, 40, 170)  # magenta
STANDBY_RGB = (40, 190, 60)  # green
CARD_RGB = (0x1F, 0x3A, 0x6B)  # the 「马上回来」 card (app/obs/setup.py STANDBY_COLOUR)
PAUSE = "OBS_WEBSOCKET_MEDIA_INPUT_ACTION_PAUSE"
PLAY = "OBS_WEBSOCKET_MEDIA_INPUT_ACTION_PLAY"
SHOTS = Path(os.environ.get("LIVEDESK_SHOTS_DIR", "/work/shots/h-cams"))


def flat_clip(path: Path, rgb: tuple[int, int, int], size: tuple[int, int] = (320, 180)) -> Path:
    """A camera that shows one colour (with a white square, so it is a picture, not black)."""
    w, h = size
    img = np.zeros((h, w, 3), np.uint8)
    img[:] = rgb[::-1]
    cv2.rectangle(img, (w - 40, h - 40), (w - 10, h - 10), (255, 255, 255), -1)
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30, (w, h))
    for _ in range(60):
        out.write(img)
    out.release()
    return path


class Cams:
    def __init__(self, conn: ObsConnection, tmp: Path) -> None:
        self.conn = conn
        self.host_clip = write_clip(tmp / "host.avi", "normal", size=(320, 180), seconds=4)
        self.host = camera_from_source(str(self.host_clip))
        self.closeup = camera_from_source(str(flat_clip(tmp / "closeup.avi", CLOSEUP_RGB)))
        self.standby = camera_from_source(str(flat_clip(tmp / "standby.avi", STANDBY_RGB)))
        self.sink = ObsOverlaySink(conn, OverlayRenderer("16:9"), tmp / "overlays")

    async def set_up(
        self,
        *,
        closeup: ObsInputSpec | None = None,
        standby: ObsInputSpec | None = None,
        pip: Pip | None = None,
    ) -> SetupReport:
        return await setup_live_selling(
            self.conn, canvas="16:9", camera=self.host, overlay_files=self.sink.prepare(),
            closeup=closeup, standby=standby, pip=pip,
        )  # fmt: skip

    async def items(self, scene: str) -> list[str]:
        """The scene's sources bottom-up."""
        reply = await self.conn.request("GetSceneItemList", sceneName=scene)
        ordered = sorted(reply["sceneItems"], key=lambda i: i["sceneItemIndex"])
        return [str(i["sourceName"]) for i in ordered]

    async def transform(self, scene: str, source: str) -> dict[str, Any]:
        reply = await self.conn.request("GetSceneItemList", sceneName=scene)
        item = next(i for i in reply["sceneItems"] if i["sourceName"] == source)
        t = await self.conn.request(
            "GetSceneItemTransform", sceneName=scene, sceneItemId=item["sceneItemId"]
        )
        return dict(t["sceneItemTransform"])

    async def program_shot(self, scene: str) -> np.ndarray:
        """What viewers see with ``scene`` on program (a media source plays only while shown)."""
        await self.conn.request("SetCurrentProgramScene", sceneName=scene)
        return png_array(await screenshot(self.conn, scene, 640, 360))[..., :3].astype(int)

    async def wait_for(
        self, scene: str, region: tuple[slice, slice], rgb: tuple[int, int, int]
    ) -> np.ndarray:
        """The program screenshot once ``region`` shows ``rgb`` (or the last one after 15 s)."""
        for _ in range(60):
            shot = await self.program_shot(scene)
            if near(shot[region], rgb):
                break
            await asyncio.sleep(0.25)
        return shot


def save_shot(name: str, png: bytes) -> None:
    """Keep what viewers saw for the screenshot review (only when the shots folder exists)."""
    if SHOTS.is_dir():
        (SHOTS / name).write_bytes(png)


def near(pixels: np.ndarray, rgb: tuple[int, int, int], tol: int = 30) -> bool:
    mean = pixels.reshape(-1, 3).mean(axis=0)
    return bool(np.abs(mean - np.array(rgb)).max() < tol)


@pytest.fixture
async def cams(obs: ObsConnection, tmp_path: Path) -> AsyncIterator[Cams]:
    yield Cams(obs, tmp_path)


async def test_each_role_in_its_scenes_rerun_idempotent_swap_and_removed_role(
    cams: Cams, qapp: object
) -> None:
    first = await cams.set_up(closeup=cams.closeup, standby=cams.standby)
    for name in (CAMERA, CAMERA_CLOSEUP, CAMERA_STANDBY):
        assert f"input:{name}" in first.created
    full, closeup = await cams.items(SCENE_FULL), await cams.items(SCENE_CLOSEUP)
    pip, standby = await cams.items(SCENE_PIP), await cams.items(SCENE_STANDBY)
    assert full[0] == CAMERA and CAMERA_CLOSEUP not in full and CAMERA_STANDBY not in full
    assert closeup[0] == CAMERA_CLOSEUP and CAMERA not in closeup
    assert pip[:2] == [CAMERA, CAMERA_CLOSEUP] and BACKGROUND not in pip
    assert standby[:4] == [CAMERA, STANDBY_CARD, STANDBY_TEXT, CAMERA_STANDBY]
    # the inset: top right, 30 % of the canvas
    inset = await cams.transform(SCENE_PIP, CAMERA_CLOSEUP)
    assert (inset["positionX"], inset["positionY"]) == (1920 - 576 - 40, 40)
    assert inset["boundsWidth"] == 576

    # what viewers see on 画中画: the host picture, the close-up's colour in the top-right inset
    shot = await cams.wait_for(SCENE_PIP, np.s_[30:80, 480:580], CLOSEUP_RGB)
    assert near(shot[30:80, 480:580], CLOSEUP_RGB), shot[30:80, 480:580].mean(axis=(0, 1))
    assert not near(shot[200:300, 100:250], CLOSEUP_RGB)
    save_shot("obs_pip_program.png", await screenshot(cams.conn, SCENE_PIP, 1280, 720))
    shot_closeup = await cams.wait_for(SCENE_CLOSEUP, np.s_[100:250, 100:400], CLOSEUP_RGB)
    assert near(shot_closeup[100:250, 100:400], CLOSEUP_RGB)

    # again, same choice: nothing created, same items, same inputs
    inputs = await input_names(cams.conn)
    before = {s: await cams.items(s) for s in (SCENE_FULL, SCENE_CLOSEUP, SCENE_PIP, SCENE_STANDBY)}
    again = await cams.set_up(closeup=cams.closeup, standby=cams.standby)
    assert again.created == [] and again.updated == []
    assert {s: await cams.items(s) for s in before} == before
    assert await input_names(cams.conn) == inputs

    # swap, inset bottom left and small: the close-up full, the host the inset (on top)
    swapped = await cams.set_up(closeup=cams.closeup, standby=cams.standby,
                                pip=Pip("bottom_left", "small", swap=True))  # fmt: skip
    assert swapped.created == []
    assert (await cams.items(SCENE_PIP))[:2] == [CAMERA_CLOSEUP, CAMERA]
    host_inset = await cams.transform(SCENE_PIP, CAMERA)
    assert host_inset["boundsWidth"] == pytest.approx(1920 * 0.22)
    assert host_inset["positionX"] == 40
    assert host_inset["positionY"] == pytest.approx(1080 - 1080 * 0.22 - 40)
    big = await cams.transform(SCENE_PIP, CAMERA_CLOSEUP)
    assert (big["positionX"], big["positionY"], big["boundsWidth"]) == (0, 0, 1920)
    shot = await cams.wait_for(SCENE_PIP, np.s_[20:120, 300:600], CLOSEUP_RGB)
    assert near(shot[20:120, 300:600], CLOSEUP_RGB)  # the close-up now fills the picture

    # the close-up and standby roles cleared: their inputs leave OBS, the host takes their place
    cleared = await cams.set_up()
    assert cleared.created == [f"item:{SCENE_CLOSEUP}/{CAMERA}", f"input:{BACKGROUND}",
                               f"item:{SCENE_PIP}/{BACKGROUND}"]  # fmt: skip
    assert len(cleared.updated) == 2
    names = await input_names(cams.conn)
    assert CAMERA_CLOSEUP not in names and CAMERA_STANDBY not in names
    assert (await cams.items(SCENE_CLOSEUP))[0] == CAMERA
    assert (await cams.items(SCENE_PIP))[:2] == [BACKGROUND, CAMERA]
    assert (await cams.items(SCENE_STANDBY))[:3] == [CAMERA, STANDBY_CARD, STANDBY_TEXT]
    # and a role set again comes back under its name
    back = await cams.set_up(closeup=cams.closeup)
    assert f"input:{CAMERA_CLOSEUP}" in back.created
    assert (await cams.items(SCENE_CLOSEUP))[0] == CAMERA_CLOSEUP


async def test_failover_shows_the_standby_camera_and_comes_back(cams: Cams, qapp: object) -> None:
    await cams.set_up(standby=cams.standby)
    conn = cams.conn
    await conn.request("SetCurrentProgramScene", sceneName=SCENE_FULL)
    scenes = Scenes(conn)
    await scenes.refresh()
    failover = Failover(conn, scenes, FailoverSettings(window_s=2.0))
    events: list[FailoverEvent] = []
    failover.subscribe(events.append)
    kinds = lambda: [e.kind for e in events]  # noqa: E731
    try:
        failover.arm(True)
        await until(lambda: failover.judge.good_since is not None and failover.checks > 3,
                    60, "the host clip to play in OBS")  # fmt: skip
        await conn.request("TriggerMediaInputAction", inputName=CAMERA, mediaAction=PAUSE)
        await until(lambda: "switched" in kinds(), 30, "the failover to switch")
        program = (await conn.request("GetCurrentProgramScene"))["currentProgramSceneName"]
        assert program == SCENE_STANDBY
        # viewers see the standby camera (its colour), not the card
        shot = png_array(await screenshot(conn, SCENE_STANDBY, 640, 360))[..., :3].astype(int)
        for _ in range(60):
            if near(shot[20:300, 20:500], STANDBY_RGB):
                break
            await asyncio.sleep(0.25)
            shot = png_array(await screenshot(conn, SCENE_STANDBY, 640, 360))[..., :3].astype(int)
        assert near(shot[20:300, 20:500], STANDBY_RGB), shot[20:300, 20:500].mean(axis=(0, 1))
        assert not near(shot[20:300, 20:500], CARD_RGB)
        save_shot(
            "obs_standby_camera_program.png", await screenshot(conn, SCENE_STANDBY, 1280, 720)
        )
        await conn.request("TriggerMediaInputAction", inputName=CAMERA, mediaAction=PLAY)
        await until(lambda: "switched_back" in kinds(), 30, "the failover to switch back")
        program = (await conn.request("GetCurrentProgramScene"))["currentProgramSceneName"]
        assert program == SCENE_FULL
        shot = await cams.program_shot(SCENE_FULL)
        assert not near(shot[20:300, 20:500], STANDBY_RGB)
    finally:
        await failover.stop()


async def test_the_emergency_key_shows_the_card_not_the_standby_camera(
    cams: Cams, qapp: object
) -> None:
    """一键应急 means "we are away": the card, even with a standby camera; it comes back after."""
    await cams.set_up(standby=cams.standby)
    conn = cams.conn
    await conn.request("SetCurrentProgramScene", sceneName=SCENE_FULL)
    scenes = Scenes(conn)
    await scenes.refresh()
    failover = Failover(conn, scenes, FailoverSettings(window_s=2.0))
    item = (await conn.request("GetSceneItemId", sceneName=SCENE_STANDBY,
                               sourceName=CAMERA_STANDBY))["sceneItemId"]  # fmt: skip

    async def standby_camera_shown() -> bool:
        reply = await conn.request("GetSceneItemEnabled", sceneName=SCENE_STANDBY,
                                   sceneItemId=item)  # fmt: skip
        return bool(reply["sceneItemEnabled"])

    try:
        await failover.emergency()
        program = (await conn.request("GetCurrentProgramScene"))["currentProgramSceneName"]
        assert program == SCENE_STANDBY
        assert not await standby_camera_shown()
        shot = png_array(await screenshot(conn, SCENE_STANDBY, 640, 360))[..., :3].astype(int)
        assert near(shot[4:40, 4:60], CARD_RGB, 12), shot[4:40, 4:60].mean(axis=(0, 1))
        await failover.end_emergency()
        program = (await conn.request("GetCurrentProgramScene"))["currentProgramSceneName"]
        assert program == SCENE_FULL
        assert await standby_camera_shown()  # the failover's standby shows the camera again
        # and a set-up shows it even if an emergency never ended (a crash)
        await conn.request("SetSceneItemEnabled", sceneName=SCENE_STANDBY, sceneItemId=item,
                           sceneItemEnabled=False)  # fmt: skip
        await cams.set_up(standby=cams.standby)
        assert await standby_camera_shown()
    finally:
        await failover.stop()


async def test_use_in_obs_for_the_closeup_role_fills_its_own_input_in_its_scene(
    cams: Cams, qapp: object
) -> None:
    """摄像头设置 → 机位 商品特写 → 在 OBS 中使用此摄像头: the close-up input, in 商品特写, the host
    input untouched; the next set-up puts it where the plan says."""
    from app.obs.camera_apply import use_in_obs

    await cams.set_up()
    host_before = await cams.conn.request("GetInputSettings", inputName=CAMERA)
    spec = cams.closeup
    text = await use_in_obs(
        cams.conn, ObsInputSpec(spec.kind, spec.settings, CAMERA_CLOSEUP), SCENE_CLOSEUP
    )
    assert CAMERA_CLOSEUP in text and SCENE_CLOSEUP in text
    assert CAMERA_CLOSEUP in await cams.items(SCENE_CLOSEUP)
    assert CAMERA_CLOSEUP not in await cams.items(SCENE_FULL)
    host_after = await cams.conn.request("GetInputSettings", inputName=CAMERA)
    assert host_after["inputSettings"] == host_before["inputSettings"]
    await cams.set_up(closeup=cams.closeup)
    assert (await cams.items(SCENE_CLOSEUP))[0] == CAMERA_CLOSEUP
    assert CAMERA not in await cams.items(SCENE_CLOSEUP)
    assert (await cams.items(SCENE_PIP))[:2] == [CAMERA, CAMERA_CLOSEUP]
