""" "Use this camera in OBS": create or update OBS's camera input with the chosen device and mode."""

from __future__ import annotations

import asyncio

from app.camera.obs_input import ObsInputSpec
from app.obs.connection import ObsConnection
from app.obs.inputs import input_names, set_input_settings
from app.obs.setup import CAMERA, SCENE_FULL


async def use_in_obs(conn: ObsConnection, spec: ObsInputSpec, scene: str | None = None) -> str:
    """Create the camera input (in ``scene``, else 主播全景 if present, else the program scene) or
    update it in place; returns a plain sentence saying what was done."""
    name = spec.name or CAMERA
    if name in await input_names(conn):
        info = await conn.request("GetInputSettings", inputName=name)
        if info.get("inputKind") == spec.kind:
            # overlay=False: settings of the previous device (e.g. its pixel format) do not linger
            await set_input_settings(conn, name, spec.settings, overlay=False)
            return f"已更新 OBS 来源「{name}」：{_what(spec)}"
        # a different kind of source (e.g. a file before, a camera now): replace it
        await conn.request("RemoveInput", inputName=name)
        await _until_gone(conn, name)
    if scene is None:
        listing = await conn.request("GetSceneList")
        names = {s["sceneName"] for s in listing.get("scenes", [])}
        scene = SCENE_FULL if SCENE_FULL in names else str(listing.get("currentProgramSceneName"))
    await conn.request(
        "CreateInput",
        sceneName=scene,
        inputName=name,
        inputKind=spec.kind,
        inputSettings=spec.settings,
        sceneItemEnabled=True,
    )
    return f"已在 OBS 场景「{scene}」中创建来源「{name}」：{_what(spec)}"


async def _until_gone(conn: ObsConnection, name: str, within: float = 5.0) -> None:
    """OBS frees a removed source a moment later; creating its successor before fails (601)."""
    deadline = asyncio.get_running_loop().time() + within
    while name in await input_names(conn):
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"OBS 未能在 {within:g} 秒内移除旧的来源「{name}」")
        await asyncio.sleep(0.05)


def _what(spec: ObsInputSpec) -> str:
    s = spec.settings
    if spec.kind == "ffmpeg_source":
        return str(s.get("local_file") or s.get("input") or "")
    if spec.kind == "v4l2_input":
        res, fr = int(s.get("resolution", 0)), int(s.get("framerate", 0))
        return f"{s.get('device_id')} {res >> 16}×{res & 0xFFFF} {fr & 0xFFFF}fps"
    if spec.kind == "dshow_input":
        return f"{s.get('resolution')} {round(10_000_000 / int(s.get('frame_interval') or 1))}fps"
    return spec.kind
