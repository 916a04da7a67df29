"""“Set up OBS for live selling”: one idempotent action that creates the LiveDesk scene set —
主播全景 (host full view), 商品特写 (product close-up), 画中画 (picture in picture) — with the chosen
camera input and the overlay image sources, on a 16:9 or vertical 9:16 canvas, and the standby
scene 备用画面 the failover switches to (app/obs/failover.py): a full-canvas card saying
「马上回来」 over the camera (kept underneath, hidden by the card, so OBS keeps it running and the
failover sees it recover), with the overlays on top. Running it again
creates nothing twice: it only adds what is missing and re-applies positions. The report's
warnings and updates are operator messages in the UI language (app.i18n)."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.i18n import localize, tr
from app.obs.camera_apply import use_in_obs
from app.obs.camera_input import ObsInputSpec
from app.obs.connection import ObsConnection
from app.obs.errors import ObsRequestError
from app.obs.inputs import input_names, place, scene_items
from app.obs.names import (
    BACKGROUND,
    CAMERA,
    SCENE_CLOSEUP,
    SCENE_FULL,
    SCENE_PIP,
    SCENE_STANDBY,
    SCENES,
    STANDBY_CARD,
    STANDBY_TEXT,
)
from app.overlays.layout import SOURCE_NAMES, Canvas, Kind, box, canvas_size


@dataclass
class SetupReport:
    created: list[str] = field(
        default_factory=list
    )  # "scene:主播全景", "input:…", "item:scene/source"
    warnings: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)  # e.g. the camera input now shows another one


async def setup_live_selling(
    conn: ObsConnection,
    *,
    canvas: Canvas,
    camera: ObsInputSpec | None,
    overlay_files: dict[Kind, Path],
) -> SetupReport:
    report = SetupReport()
    w, h = canvas_size(canvas)
    try:
        await conn.request(
            "SetVideoSettings", baseWidth=w, baseHeight=h, outputWidth=w, outputHeight=h
        )
    except ObsRequestError as exc:
        report.warnings.append(
            tr("画布尺寸未更改（推流/录制进行中？）：{error}").format(error=localize(str(exc)))
        )
    listing = await conn.request("GetSceneList")
    scenes = {s["sceneName"] for s in listing.get("scenes", [])}
    for scene in (*SCENES, SCENE_STANDBY):
        if scene not in scenes:
            await conn.request("CreateScene", sceneName=scene)
            report.created.append(f"scene:{scene}")
    inputs = await input_names(conn)
    if camera is not None and CAMERA in inputs:
        # set-up run again after another camera was chosen: the existing input shows that camera
        # (updated in place, or replaced at the same places when its kind differs)
        changed = await _update_camera(conn, camera)
        if changed:
            report.updated.append(changed)

    async def ensure(scene: str, name: str, kind: str, settings: dict[str, Any]) -> int:
        items = await scene_items(conn, scene)
        if name in items:
            return items[name]
        if name not in inputs:
            reply = await conn.request(
                "CreateInput",
                sceneName=scene,
                inputName=name,
                inputKind=kind,
                inputSettings=settings,
                sceneItemEnabled=True,
            )
            inputs.add(name)
            report.created.append(f"input:{name}")
        else:
            reply = await conn.request("CreateSceneItem", sceneName=scene, sourceName=name)
        report.created.append(f"item:{scene}/{name}")
        return int(reply["sceneItemId"])

    # 画中画: a plain background, the camera small in a corner (the product shown by the overlays)
    bg = await ensure(SCENE_PIP, BACKGROUND, "color_source_v3",
                      {"color": 0xFF3A2A22, "width": w, "height": h})  # fmt: skip
    await place(conn, SCENE_PIP, bg, x=0, y=0, width=w, height=h, fit="OBS_BOUNDS_STRETCH")
    if camera is None:
        report.warnings.append(
            tr("未选择摄像头：场景中暂无摄像头画面（设备 → 摄像头设置 → 在 OBS 中使用此摄像头）")
        )
    for scene in (*SCENES, SCENE_STANDBY):
        if camera is not None:
            await _place_camera(
                conn, scene, await ensure(scene, CAMERA, camera.kind, camera.settings), w, h
            )
        if scene == SCENE_STANDBY:
            await _standby_card(conn, ensure, camera is not None and CAMERA in inputs, w, h)
        for kind in Kind:
            name = SOURCE_NAMES[kind]
            item = await ensure(scene, name, "image_source",
                                {"file": str(overlay_files[kind]), "unload": False})  # fmt: skip
            b = box(canvas, kind)
            await place(conn, scene, item, x=b.x, y=b.y)
    for kind in Kind:  # sources that already existed now show this console's current files
        await conn.request(
            "SetInputSettings",
            inputName=SOURCE_NAMES[kind],
            inputSettings={"file": str(overlay_files[kind])},
            overlay=True,
        )
    return report


#: the standby card's colour (OBS's ABGR): a calm dark blue, unlike any camera picture
STANDBY_COLOUR = 0xFF6B3A1F
STANDBY_WORDS = "马上回来"


def standby_font(platform: str = sys.platform) -> str:
    """A face with Chinese glyphs that OBS's FreeType text source finds on this OS (a face it
    cannot find falls back to one without them: boxes instead of 马上回来)."""
    if platform == "win32":
        return "Microsoft YaHei"
    if platform == "darwin":
        return "PingFang SC"
    return "Noto Sans CJK SC"


async def _standby_card(conn: ObsConnection, ensure: Any, has_camera: bool, w: int, h: int) -> None:
    """备用画面: the card and its words over the camera; the camera stays the bottom item."""
    card = await ensure(SCENE_STANDBY, STANDBY_CARD, "color_source_v3",
                        {"color": STANDBY_COLOUR, "width": w, "height": h})  # fmt: skip
    await place(conn, SCENE_STANDBY, card, x=0, y=0, width=w, height=h, fit="OBS_BOUNDS_STRETCH")
    words = await ensure(SCENE_STANDBY, STANDBY_TEXT, "text_ft2_source_v2",
                         {"text": STANDBY_WORDS, "color1": 0xFFFFFFFF, "color2": 0xFFFFFFFF,
                          "font": {"face": standby_font(), "size": 256, "style": "Regular",
                                   "flags": 0}})  # fmt: skip
    await place(conn, SCENE_STANDBY, words, x=w * 0.15, y=h * 0.38, width=w * 0.7,
                height=h * 0.24, fit="OBS_BOUNDS_SCALE_INNER")  # fmt: skip
    if has_camera:
        items = await scene_items(conn, SCENE_STANDBY)
        await conn.request(
            "SetSceneItemIndex",
            sceneName=SCENE_STANDBY,
            sceneItemId=items[CAMERA],
            sceneItemIndex=0,
        )


async def _place_camera(conn: ObsConnection, scene: str, cam: int, w: int, h: int) -> None:
    if scene == SCENE_FULL or scene == SCENE_STANDBY:
        await place(conn, scene, cam, x=0, y=0, width=w, height=h, fit="OBS_BOUNDS_SCALE_OUTER")
    elif scene == SCENE_CLOSEUP:  # the camera zoomed 1.6× around the centre
        zw, zh = w * 1.6, h * 1.6
        await place(conn, scene, cam, x=(w - zw) / 2, y=(h - zh) / 2, width=zw, height=zh,
                    fit="OBS_BOUNDS_SCALE_OUTER")  # fmt: skip
    else:
        pw, ph = (w * 0.3, h * 0.3)
        await place(conn, scene, cam, x=w - pw - 40, y=40, width=pw, height=ph,
                    fit="OBS_BOUNDS_SCALE_INNER")  # fmt: skip


async def _update_camera(conn: ObsConnection, camera: ObsInputSpec) -> str:
    """Point the existing camera input at ``camera``; returns what was done ("" if it already did)."""
    info = await conn.request("GetInputSettings", inputName=CAMERA)
    current = info.get("inputSettings") or {}
    if info.get("inputKind") == camera.kind and all(
        current.get(k) == v for k, v in camera.settings.items()
    ):
        return ""
    return await use_in_obs(conn, ObsInputSpec(camera.kind, dict(camera.settings), name=CAMERA))
