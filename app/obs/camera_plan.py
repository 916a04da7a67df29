"""Where each camera role goes in LiveDesk's scene set: a pure plan the OBS set-up applies.

Roles: host (主机位, input ``LiveDesk 摄像头``), close-up (商品特写, ``LiveDesk 特写摄像头``) and
standby (备用, ``LiveDesk 备用摄像头``). For the roles present the plan lists, per scene and from
the bottom up, the layers LiveDesk owns with their boxes on the canvas:

- 主播全景: the host camera, full canvas;
- 商品特写: the close-up camera full canvas when set, else the host camera zoomed 1.6× about the
  centre (as before camera roles);
- 画中画: with a close-up camera, the host camera full and the close-up as the inset (swapped:
  the other way round); without one, a plain background with the host camera as the inset. The
  inset's corner and size are the preset (``pip_corner``, ``pip_size``);
- 备用画面: the host camera (kept at the bottom, covered, so OBS keeps it running and the
  failover sees it recover), the 「马上回来」 card and its words, then the standby camera full
  canvas when one is set: it covers the card, and the card shows again if the standby picture
  disappears.

Overlays are not in the plan: they stay above these layers. Anything of the user's own is not
touched. A camera input of LiveDesk's that the plan does not put in a scene is taken out of it.
"""

from __future__ import annotations

from dataclasses import dataclass

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
from app.settings import CameraRole, PipCorner, PipSize

ROLE_INPUTS: dict[CameraRole, str] = {
    "host": CAMERA,
    "closeup": CAMERA_CLOSEUP,
    "standby": CAMERA_STANDBY,
}
CAMERA_INPUTS = frozenset(ROLE_INPUTS.values())
PLAN_SCENES = (SCENE_FULL, SCENE_CLOSEUP, SCENE_PIP, SCENE_STANDBY)

#: the inset's width (and height) as a share of the canvas
PIP_SHARE: dict[PipSize, float] = {"small": 0.22, "medium": 0.3, "large": 0.4}
PIP_MARGIN = 40  # px from the canvas edges
CLOSEUP_ZOOM = 1.6

COVER = "OBS_BOUNDS_SCALE_OUTER"  # fills the box (cropped by the canvas edge)
INSIDE = "OBS_BOUNDS_SCALE_INNER"  # whole picture inside the box
STRETCH = "OBS_BOUNDS_STRETCH"


@dataclass(frozen=True, slots=True)
class Layer:
    source: str
    x: float
    y: float
    width: float
    height: float
    fit: str


@dataclass(frozen=True, slots=True)
class Pip:
    corner: PipCorner = "top_right"
    size: PipSize = "medium"
    swap: bool = False


def inset_box(w: int, h: int, pip: Pip) -> tuple[float, float, float, float]:
    """x, y, width, height of the 画中画 inset on a ``w`` × ``h`` canvas."""
    share = PIP_SHARE[pip.size]
    pw, ph = w * share, h * share
    x = PIP_MARGIN if pip.corner.endswith("left") else w - pw - PIP_MARGIN
    y = PIP_MARGIN if pip.corner.startswith("top") else h - ph - PIP_MARGIN
    return x, y, pw, ph


def plan(w: int, h: int, roles: frozenset[CameraRole], pip: Pip) -> dict[str, list[Layer]]:
    """Scene → LiveDesk's layers bottom-up, for the camera ``roles`` present."""

    def full(source: str, fit: str = COVER) -> Layer:
        return Layer(source, 0, 0, w, h, fit)

    host = "host" in roles
    out: dict[str, list[Layer]] = {scene: [] for scene in PLAN_SCENES}
    if host:
        out[SCENE_FULL].append(full(CAMERA))
    if "closeup" in roles:
        out[SCENE_CLOSEUP].append(full(CAMERA_CLOSEUP))
    elif host:
        zw, zh = w * CLOSEUP_ZOOM, h * CLOSEUP_ZOOM
        out[SCENE_CLOSEUP].append(Layer(CAMERA, (w - zw) / 2, (h - zh) / 2, zw, zh, COVER))
    x, y, pw, ph = inset_box(w, h, pip)
    if "closeup" in roles:
        big, small = (CAMERA_CLOSEUP, CAMERA) if pip.swap else (CAMERA, CAMERA_CLOSEUP)
        if big != CAMERA or host:
            out[SCENE_PIP].append(full(big))
        if small != CAMERA or host:
            out[SCENE_PIP].append(Layer(small, x, y, pw, ph, INSIDE))
    else:
        out[SCENE_PIP].append(full(BACKGROUND, STRETCH))
        if host:
            out[SCENE_PIP].append(Layer(CAMERA, x, y, pw, ph, INSIDE))
    if host:
        out[SCENE_STANDBY].append(full(CAMERA))
    out[SCENE_STANDBY].append(full(STANDBY_CARD, STRETCH))
    out[SCENE_STANDBY].append(Layer(STANDBY_TEXT, w * 0.15, h * 0.38, w * 0.7, h * 0.24, INSIDE))
    if "standby" in roles:
        out[SCENE_STANDBY].append(full(CAMERA_STANDBY))
    return out
