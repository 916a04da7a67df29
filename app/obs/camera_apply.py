""" "Use this camera in OBS": create or update OBS's camera input with the chosen device and mode."""

from __future__ import annotations

import secrets
from typing import Any

from app.i18n import tr
from app.obs.camera_input import ObsInputSpec
from app.obs.connection import ObsConnection
from app.obs.inputs import input_names, set_input_settings
from app.obs.names import CAMERA, SCENE_FULL


async def use_in_obs(conn: ObsConnection, spec: ObsInputSpec, scene: str | None = None) -> str:
    """Create the camera input (in ``scene`` if OBS has it, else 主播全景 if present, else the
    program scene) or update it in place; returns a plain sentence saying what was done."""
    name = spec.name or CAMERA
    if name in await input_names(conn):
        info = await conn.request("GetInputSettings", inputName=name)
        if info.get("inputKind") == spec.kind:
            # overlay=False: settings of the previous device (e.g. its pixel format) do not linger
            await set_input_settings(conn, name, spec.settings, overlay=False)
            return tr("已更新 OBS 来源「{name}」：{what}").format(name=name, what=_what(spec))
        # a different kind of source (e.g. a file before, a camera now): replace it
        return await _replace(conn, name, spec)
    listing = await conn.request("GetSceneList")
    if scene is None or scene not in {s["sceneName"] for s in listing.get("scenes", [])}:
        scene = _default_scene(listing)
    await _create(conn, scene, name, spec)
    return tr("已在 OBS 场景「{scene}」中创建来源「{name}」：{what}").format(
        scene=scene, name=name, what=_what(spec)
    )


async def _replace(conn: ObsConnection, name: str, spec: ObsInputSpec) -> str:
    """Swap the input for one of another kind in every scene that shows it, in the same place.

    OBS frees a removed input only once nothing renders it, which can take long after a scene
    set-up; so the old one steps aside under another name first and the new one takes its name.
    """
    places: list[tuple[str, int, dict[str, Any]]] = []  # scene, index, transform
    listing = await conn.request("GetSceneList")
    for sc in listing.get("scenes", []):
        scene_name = str(sc["sceneName"])
        items = await conn.request("GetSceneItemList", sceneName=scene_name)
        for item in items.get("sceneItems", []):
            if item.get("sourceName") == name:
                item_id = int(item["sceneItemId"])
                t = await conn.request(
                    "GetSceneItemTransform", sceneName=scene_name, sceneItemId=item_id
                )
                places.append(
                    (scene_name, int(item["sceneItemIndex"]), t.get("sceneItemTransform", {}))
                )
    old = f"{name}（旧 {secrets.token_hex(3)}）"  # unique: an earlier one may linger in OBS
    await conn.request("SetInputName", inputName=name, newInputName=old)
    if not places:
        places = [(_default_scene(listing), -1, {})]
    reply = await _create(conn, places[0][0], name, spec)
    for i, (scene_name, index, transform) in enumerate(places):
        if i == 0:
            item_id = int(reply["sceneItemId"])
        else:
            made = await conn.request("CreateSceneItem", sceneName=scene_name, sourceName=name)
            item_id = int(made["sceneItemId"])
        if transform:
            settable = {k: v for k, v in transform.items() if k in _SETTABLE}
            if settable.get("boundsType", "OBS_BOUNDS_NONE") == "OBS_BOUNDS_NONE":
                settable = {k: v for k, v in settable.items() if not k.startswith("bounds")}
            await conn.request(
                "SetSceneItemTransform",
                sceneName=scene_name,
                sceneItemId=item_id,
                sceneItemTransform=settable,
            )
        if index >= 0:
            await conn.request(
                "SetSceneItemIndex", sceneName=scene_name, sceneItemId=item_id, sceneItemIndex=index
            )
    await conn.request("RemoveInput", inputName=old)
    scenes = tr("、").join(dict.fromkeys(p[0] for p in places))
    return tr("已替换 OBS 来源「{name}」（场景：{scenes}）：{what}").format(
        name=name, scenes=scenes, what=_what(spec)
    )


async def retire_input(conn: ObsConnection, name: str) -> None:
    """Remove the input ``name`` from OBS (every scene), its name free at once: it steps aside
    under another name first (OBS frees a removed input only once nothing renders it)."""
    old = f"{name}（旧 {secrets.token_hex(3)}）"
    await conn.request("SetInputName", inputName=name, newInputName=old)
    await conn.request("RemoveInput", inputName=old)


def _default_scene(listing: dict[str, Any]) -> str:
    """主播全景 when the scene set exists, else the program scene."""
    names = {s["sceneName"] for s in listing.get("scenes", [])}
    return SCENE_FULL if SCENE_FULL in names else str(listing.get("currentProgramSceneName"))


async def _create(conn: ObsConnection, scene: str, name: str, spec: ObsInputSpec) -> dict[str, Any]:
    return await conn.request(
        "CreateInput",
        sceneName=scene,
        inputName=name,
        inputKind=spec.kind,
        inputSettings=spec.settings,
        sceneItemEnabled=True,
    )


_SETTABLE = {
    "positionX", "positionY", "rotation", "scaleX", "scaleY", "alignment",
    "boundsType", "boundsAlignment", "boundsWidth", "boundsHeight",
    "cropLeft", "cropRight", "cropTop", "cropBottom",
}  # fmt: skip


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
