"""Inputs and scene items: create once, update settings, place, and screenshot what OBS renders."""

from __future__ import annotations

import base64
from typing import Any

from app.obs.connection import ObsConnection
from app.obs.errors import ObsError


async def input_names(conn: ObsConnection) -> set[str]:
    reply = await conn.request("GetInputList")
    return {i["inputName"] for i in reply.get("inputs", [])}


async def scene_items(conn: ObsConnection, scene: str) -> dict[str, int]:
    """Source name → scene item id, for one scene."""
    reply = await conn.request("GetSceneItemList", sceneName=scene)
    return {i["sourceName"]: int(i["sceneItemId"]) for i in reply.get("sceneItems", [])}


async def set_input_settings(
    conn: ObsConnection, name: str, settings: dict[str, Any], *, overlay: bool = True
) -> None:
    await conn.request("SetInputSettings", inputName=name, inputSettings=settings, overlay=overlay)


async def place(
    conn: ObsConnection,
    scene: str,
    item_id: int,
    *,
    x: float,
    y: float,
    width: float | None = None,
    height: float | None = None,
    fit: str = "OBS_BOUNDS_SCALE_INNER",
) -> None:
    """Put a scene item at (x, y) top-left; with width/height, scale it into that box."""
    transform: dict[str, Any] = {"positionX": x, "positionY": y, "alignment": 5, "rotation": 0.0}
    if width is not None and height is not None:
        transform.update(
            boundsType=fit, boundsWidth=float(width), boundsHeight=float(height), boundsAlignment=0
        )
    else:
        transform.update(boundsType="OBS_BOUNDS_NONE", scaleX=1.0, scaleY=1.0)
    await conn.request(
        "SetSceneItemTransform", sceneName=scene, sceneItemId=item_id, sceneItemTransform=transform
    )


async def screenshot(
    conn: ObsConnection,
    source: str,
    width: int | None = None,
    height: int | None = None,
    *,
    image_format: str = "png",
) -> bytes:
    """Image bytes of what ``source`` (a scene: what it outputs) renders right now.

    PNG is the fastest here end to end (BMP is quick to encode but megabytes to transfer)."""
    data: dict[str, Any] = {"sourceName": source, "imageFormat": image_format}
    if width:
        data["imageWidth"] = width
    if height:
        data["imageHeight"] = height
    reply = await conn.request("GetSourceScreenshot", **data)
    uri = str(reply.get("imageData", ""))
    if "," not in uri:
        raise ObsError("OBS 返回的截图为空")
    return base64.b64decode(uri.split(",", 1)[1])
