"""“Set up OBS for live selling”: one idempotent action that creates the LiveDesk scene set —
主播全景 (host full view), 商品特写 (product close-up), 画中画 (picture in picture) — with one
camera input per role (host 主机位, optional close-up 商品特写 and standby 备用) and the overlay
image sources, on a 16:9 or vertical 9:16 canvas, and the standby scene 备用画面 the failover
switches to (app/obs/failover.py): a full-canvas card saying 「马上回来」 over the host camera
(kept underneath, hidden by the card, so OBS keeps it running and the failover sees it recover),
the standby camera over the card when one is set, with the overlays on top. Which camera goes
where, and the 画中画 preset and swap: app/obs/camera_plan.py.

Running it again creates nothing twice: it only adds what is missing, re-applies positions and
layer order (a swap or a new preset takes effect), points existing camera inputs at the cameras
now chosen, takes a camera out of the scenes the plan no longer puts it in, and removes the input
of a role no longer set (so its device is free for another role). The report's warnings and
updates are operator messages in the UI language (app.i18n)."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.i18n import localize, tr
from app.obs.camera_apply import retire_input, use_in_obs
from app.obs.camera_input import ObsInputSpec, same_device
from app.obs.camera_plan import CAMERA_INPUTS, ROLE_INPUTS, Pip, plan
from app.obs.connection import ObsConnection
from app.obs.errors import ObsRequestError
from app.obs.inputs import input_names, place, scene_items
from app.obs.names import (
    BACKGROUND,
    CAMERA,
    SCENE_STANDBY,
    SCENES,
    STANDBY_CARD,
    STANDBY_TEXT,
)
from app.overlays.layout import SOURCE_NAMES, Canvas, Kind, box, canvas_size
from app.settings import CameraRole


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
    closeup: ObsInputSpec | None = None,
    standby: ObsInputSpec | None = None,
    pip: Pip | None = None,
) -> SetupReport:
    """``camera`` is the host camera (主机位); ``closeup`` and ``standby`` the optional roles'
    cameras, ``pip`` the 画中画 preset. Where each goes: app/obs/camera_plan.py."""
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
    specs: dict[CameraRole, ObsInputSpec | None] = {
        "host": camera, "closeup": closeup, "standby": standby}  # fmt: skip
    for role, spec in specs.items():
        name = ROLE_INPUTS[role]
        if spec is not None and name in inputs:
            # set-up run again after another camera was chosen: the existing input shows that
            # camera (updated in place, or replaced at the same places when its kind differs)
            changed = await _update_camera(conn, spec, name)
            if changed:
                report.updated.append(changed)
        elif spec is None and role != "host" and name in inputs:
            # a role no longer used: its input leaves OBS (releasing the device for another role)
            await retire_input(conn, name)
            inputs.discard(name)
            report.updated.append(tr("已移除 OBS 来源「{name}」（该机位未设置）").format(name=name))
    # the host input made by "use this camera in OBS" stays placed even without a saved camera
    present: set[CameraRole] = {r for r, spec in specs.items() if spec is not None}
    if CAMERA in inputs:
        present.add("host")
    roles = frozenset(present)

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

    if camera is None:
        report.warnings.append(
            tr("未选择摄像头：场景中暂无摄像头画面（设备 → 摄像头设置 → 在 OBS 中使用此摄像头）")
        )
    chosen = [(r, spec) for r, spec in specs.items() if spec is not None]
    for i, (role_a, spec_a) in enumerate(chosen):
        for role_b, spec_b in chosen[i + 1 :]:
            if same_device(spec_a, spec_b):
                report.warnings.append(
                    tr("「{a}」和「{b}」是同一个摄像头设备：OBS 中只有一个能出画面").format(
                        a=ROLE_INPUTS[role_a], b=ROLE_INPUTS[role_b]
                    )
                )
    sources = _own_sources(specs, w, h)
    for scene, layers in plan(w, h, roles, pip or Pip()).items():
        ids: list[int] = []
        for layer in layers:
            kind, settings = sources[layer.source]
            item = await ensure(scene, layer.source, kind, settings)
            await place(conn, scene, item, x=layer.x, y=layer.y, width=layer.width,
                        height=layer.height, fit=layer.fit)  # fmt: skip
            ids.append(item)
        for item in ids:  # shown (an emergency that never ended may have hidden one)
            await conn.request(
                "SetSceneItemEnabled", sceneName=scene, sceneItemId=item, sceneItemEnabled=True
            )
        wanted = {layer.source for layer in layers}
        reply = await conn.request("GetSceneItemList", sceneName=scene)
        for it in reply.get("sceneItems", []):
            if it.get("sourceName") in CAMERA_INPUTS and it.get("sourceName") not in wanted:
                await conn.request(
                    "RemoveSceneItem", sceneName=scene, sceneItemId=int(it["sceneItemId"])
                )
        for index, item in enumerate(ids):  # LiveDesk's layers at the bottom, in plan order
            await conn.request(
                "SetSceneItemIndex", sceneName=scene, sceneItemId=item, sceneItemIndex=index
            )
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


def _own_sources(
    specs: dict[CameraRole, ObsInputSpec | None], w: int, h: int
) -> dict[str, tuple[str, dict[str, Any]]]:
    """Input name → (kind, settings) to create it with, for every layer the plan may list."""
    out: dict[str, tuple[str, dict[str, Any]]] = {
        BACKGROUND: ("color_source_v3", {"color": 0xFF3A2A22, "width": w, "height": h}),
        STANDBY_CARD: ("color_source_v3", {"color": STANDBY_COLOUR, "width": w, "height": h}),
        STANDBY_TEXT: (
            "text_ft2_source_v2",
            {
                "text": STANDBY_WORDS,
                "color1": 0xFFFFFFFF,
                "color2": 0xFFFFFFFF,
                "font": {"face": standby_font(), "size": 256, "style": "Regular", "flags": 0},
            },
        ),
    }
    for role, name in ROLE_INPUTS.items():
        spec = specs[role]
        # no spec: only an input OBS already has is placed, so its kind is never needed
        out[name] = (spec.kind, dict(spec.settings)) if spec is not None else ("", {})
    return out


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


async def _update_camera(conn: ObsConnection, camera: ObsInputSpec, name: str) -> str:
    """Point the existing input ``name`` at ``camera``; returns what was done ("" if it already
    did)."""
    info = await conn.request("GetInputSettings", inputName=name)
    current = info.get("inputSettings") or {}
    if info.get("inputKind") == camera.kind and all(
        current.get(k) == v for k, v in camera.settings.items()
    ):
        return ""
    return await use_in_obs(conn, ObsInputSpec(camera.kind, dict(camera.settings), name=name))
