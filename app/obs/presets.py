"""Picture presets (画面预设: 自然, 提亮, 暖色, 冷色, 柔和, 清晰) as OBS source filters on any input.

Guarantees:
- The catalogue is data: each preset is a list of :class:`FilterSpec` (an OBS filter kind that
  ships with OBS Studio on every platform — ``color_filter_v2``, ``sharpness_filter_v2``,
  ``clut_filter`` — and its settings at strength 100 %). :func:`filters_for` scales every setting
  linearly from its neutral value (what the filter does nothing with) at 0 % to the preset's value
  at 100 %, so strength 0 leaves the picture as it was and the slider moves smoothly.
- LiveDesk's filters are named ``LiveDesk 调色 …`` (:data:`PREFIX`). Applying is idempotent:
  :func:`plan` compares the input's filter list (``GetSourceFilterList``) with what the preset
  wants and returns only the requests that differ — applying the same preset twice sends nothing
  the second time, never stacks a second copy, removes LiveDesk's filters a preset no longer
  uses, and never renames, removes, disables, changes or reorders a filter the user added
  (LiveDesk's own filters are kept after them, in the catalogue's order).
- Requests go through :class:`app.obs.connection.ObsConnection` (its one worker thread), like
  every other OBS request here; an input that does not exist raises the connection's error.
- LUTs are LiveDesk's own: :func:`cube_text` generates them (no downloads); the shipped files
  ``app/resources/luts/*.cube`` are its output (a unit test checks they match) and are found
  through :func:`app.resources.resource`, so source, wheel and bundle alike work.
- Saved per input in ``settings.picture`` (input name → preset and strength);
  :func:`follow_saved` (wired by app/obs/stack.py) puts them back after every (re)connection
  and whenever OBS reports an input of a saved name created, so a restarted OBS, the scene
  set-up or a camera input replaced by one of another kind gets its preset again.
- Skin smoothing (磨皮) is not offered: no filter that ships with OBS blurs or smooths a picture
  selectively (OBS 29–31 ship colour correction, LUT, sharpen, keys, masks, scale, crop, delay —
  blur only comes with third-party plugins such as StreamFX or Composite Blur). The UI and
  docs/obs.md say so (:data:`NO_SKIN_SMOOTHING`) instead of pretending.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.aio import spawn
from app.i18n import tr_noop
from app.obs.connection import ObsConnection
from app.obs.errors import ObsError
from app.resources import resource
from app.settings import PicturePreset

log = logging.getLogger(__name__)

PREFIX = "LiveDesk 调色"
LUT_SIZE = 17  # 17³ points: the curves are smooth per channel; trilinear lookup is exact enough
NO_SKIN_SMOOTHING = tr_noop("OBS 自带滤镜无法磨皮；需要磨皮请使用 OBS 插件或摄像头自带美颜")
NATURAL = "natural"

# every OBS input kind that has a picture (cameras, media, images, captures)
VIDEO_KINDS = frozenset({
    "v4l2_input", "dshow_input", "av_capture_input", "av_capture_input_v2", "macos-avcapture",
    "macos-avcapture-fast", "ffmpeg_source", "image_source", "vlc_source", "color_source_v3",
    "xcomposite_input", "pipewire-camera-source", "window_capture", "game_capture",
})  # fmt: skip


@dataclass(frozen=True)
class FilterSpec:
    """One OBS filter of a preset: its name suffix, kind, settings at 100 % and where neutral is."""

    part: str  # the name after PREFIX: "LiveDesk 调色 颜色"
    kind: str
    full: Mapping[str, Any]  # at strength 100 %: floats scale, anything else (colours) as it is
    neutral: Mapping[str, float] = field(default_factory=dict)  # at 0 %; a missing key: 0.0

    @property
    def name(self) -> str:
        return f"{PREFIX} {self.part}"

    def settings(self, strength: int) -> dict[str, Any]:
        """The filter's settings at ``strength`` percent (clamped to 0–100)."""
        s = min(100, max(0, int(strength))) / 100.0
        out: dict[str, Any] = {}
        for key, value in self.full.items():
            if not isinstance(value, float):  # ints are packed colours, never scaled
                out[key] = value
                continue
            zero = float(self.neutral.get(key, 0.0))
            out[key] = round(zero + (float(value) - zero) * s, 4)
        return out


@dataclass(frozen=True)
class Preset:
    key: str
    label: str  # Chinese source string (tr_noop); translate when shown
    hint: str
    filters: tuple[FilterSpec, ...]


def lut_path(name: str) -> Path:
    return resource("luts", f"{name}.cube")


def _colour(part: str = "颜色", **full: float) -> FilterSpec:
    """Colour correction (``color_filter_v2``): every setting given, so a change of preset leaves
    nothing of the previous one behind (opacity 1 and white multiply are its neutral values)."""
    base: dict[str, Any] = {"gamma": 0.0, "contrast": 0.0, "brightness": 0.0, "saturation": 0.0,
                            "hue_shift": 0.0, "opacity": 1.0, "color_multiply": 0xFFFFFF,
                            "color_add": 0}  # fmt: skip
    base.update(full)
    return FilterSpec(part, "color_filter_v2", base, {"opacity": 1.0})


def _lut(name: str) -> FilterSpec:
    return FilterSpec(
        "LUT",
        "clut_filter",
        {"image_path": str(lut_path(name)), "clut_amount": 1.0, "passthrough_alpha": True},
    )


def _sharpen(amount: float) -> FilterSpec:
    return FilterSpec("锐化", "sharpness_filter_v2", {"sharpness": amount})


CATALOGUE: tuple[Preset, ...] = (
    Preset(NATURAL, tr_noop("自然"), tr_noop("原样输出，不加滤镜"), ()),
    Preset("bright", tr_noop("提亮"), tr_noop("提亮暗部，适合光线不足的直播间"),
           (_colour(gamma=0.3, brightness=0.02, contrast=0.1),)),
    Preset("warm", tr_noop("暖色"), tr_noop("偏暖（LiveDesk 自带 LUT），肤色更红润"), (_lut("warm"),)),
    Preset("cool", tr_noop("冷色"), tr_noop("偏冷（LiveDesk 自带 LUT），适合数码、白色商品"),
           (_lut("cool"),)),
    Preset("soft", tr_noop("柔和"), tr_noop("降低对比和饱和度，画面更柔（不是磨皮）"),
           (_colour(contrast=-0.35, saturation=-0.15, gamma=0.15),)),
    Preset("sharp", tr_noop("清晰"), tr_noop("锐化并略增对比，适合展示商品细节"),
           (_colour(contrast=0.1, saturation=0.05), _sharpen(0.3))),
)  # fmt: skip
PRESETS: dict[str, Preset] = {p.key: p for p in CATALOGUE}


def filters_for(preset: str, strength: int) -> list[tuple[FilterSpec, dict[str, Any]]]:
    """The filters ``preset`` puts on an input at ``strength`` %, each with its settings."""
    p = PRESETS.get(preset)
    if p is None:
        raise KeyError(f"unknown picture preset {preset!r}")
    return [(f, f.settings(strength)) for f in p.filters]


# --- LUTs ---------------------------------------------------------------------------------------

# per channel exponents: out = in ** e (0 and 1 stay where they are; < 1 lifts a channel)
LUT_CURVES: dict[str, tuple[float, float, float]] = {
    "warm": (0.8, 0.96, 1.3),
    "cool": (1.25, 1.0, 0.8),
}


def cube_text(name: str, size: int = LUT_SIZE) -> str:
    """An Adobe/Resolve ``.cube`` 3D LUT (red varies fastest), as OBS's "Apply LUT" reads it."""
    er, eg, eb = LUT_CURVES[name]
    lines = [f'TITLE "LiveDesk {name}"', f"LUT_3D_SIZE {size}", ""]
    steps = [i / (size - 1) for i in range(size)]
    for b in steps:
        for g in steps:
            for r in steps:
                lines.append(f"{r**er:.6f} {g**eg:.6f} {b**eb:.6f}")
    return "\n".join(lines) + "\n"


# --- applying -------------------------------------------------------------------------------------

Request = tuple[str, dict[str, Any]]


def plan(
    input_name: str, existing: Sequence[Mapping[str, Any]], preset: str, strength: int
) -> list[Request]:
    """The requests that bring ``input_name``'s filters (``GetSourceFilterList``'s ``filters``) to
    ``preset`` at ``strength``: nothing when they are already there."""
    wanted = filters_for(preset, strength)
    want_names = {f.name for f, _ in wanted}
    reqs: list[Request] = []
    have = {str(f["filterName"]): f for f in existing}
    order = [str(f["filterName"]) for f in sorted(existing, key=lambda f: int(f["filterIndex"]))]
    for name, _f in have.items():  # LiveDesk's filters this preset does not use
        if name.startswith(PREFIX) and name not in want_names:
            reqs.append(("RemoveSourceFilter", {"sourceName": input_name, "filterName": name}))
            order.remove(name)
    for spec, settings in wanted:
        cur = have.get(spec.name)
        if cur is not None and cur.get("filterKind") != spec.kind:  # a name reused by another kind
            reqs.append(("RemoveSourceFilter", {"sourceName": input_name, "filterName": spec.name}))
            order.remove(spec.name)
            cur = None
        if cur is None:
            reqs.append(("CreateSourceFilter", {"sourceName": input_name, "filterName": spec.name,
                                                "filterKind": spec.kind, "filterSettings": settings}))  # fmt: skip
            order.append(spec.name)
            continue
        now = cur.get("filterSettings") or {}
        if any(now.get(k) != v for k, v in settings.items()):
            reqs.append(("SetSourceFilterSettings", {"sourceName": input_name, "filterName": spec.name,
                                                     "filterSettings": settings, "overlay": True}))  # fmt: skip
        if not cur.get("filterEnabled", True):
            reqs.append(("SetSourceFilterEnabled", {"sourceName": input_name,
                                                    "filterName": spec.name, "filterEnabled": True}))  # fmt: skip
    # LiveDesk's filters last, in the catalogue's order; the user's keep their order among themselves
    target = [n for n in order if n not in want_names] + [f.name for f, _ in wanted]
    for index, name in enumerate(target):
        if order.index(name) != index and name in want_names:
            reqs.append(("SetSourceFilterIndex", {"sourceName": input_name, "filterName": name,
                                                  "filterIndex": index}))  # fmt: skip
            order.remove(name)
            order.insert(index, name)
    return reqs


async def filter_list(conn: ObsConnection, input_name: str) -> list[dict[str, Any]]:
    reply = await conn.request("GetSourceFilterList", sourceName=input_name)
    return list(reply.get("filters", []))


async def apply_preset(conn: ObsConnection, input_name: str, preset: str, strength: int) -> int:
    """Put ``preset`` at ``strength`` % on ``input_name`` in OBS; returns how many requests it took
    (0: it was already so)."""
    reqs = plan(input_name, await filter_list(conn, input_name), preset, strength)
    for request, data in reqs:
        await conn.request(request, **data)
    return len(reqs)


async def set_enabled(conn: ObsConnection, input_name: str, enabled: bool) -> list[str]:
    """Switch LiveDesk's preset filters on ``input_name`` on or off (the user's stay as they are);
    returns the names of those whose state changed."""
    changed = []
    for f in await filter_list(conn, input_name):
        name = str(f["filterName"])
        if name.startswith(PREFIX) and bool(f.get("filterEnabled", True)) != enabled:
            await conn.request("SetSourceFilterEnabled", sourceName=input_name,
                               filterName=name, filterEnabled=enabled)  # fmt: skip
            changed.append(name)
    return changed


async def video_inputs(conn: ObsConnection) -> list[str]:
    """Names of OBS's inputs that have a picture, in OBS's order."""
    reply = await conn.request("GetInputList")
    return [str(i["inputName"]) for i in reply.get("inputs", [])
            if i.get("inputKind") in VIDEO_KINDS]  # fmt: skip


async def reapply_saved(conn: ObsConnection, saved: Mapping[str, PicturePreset]) -> int:
    """Put every saved preset back on its input (after a (re)connection or the scene set-up):
    inputs OBS does not have (yet) and presets this version does not know are skipped. Idempotent
    (:func:`plan`), so running it on every connection sends nothing when OBS kept the filters."""
    if not saved:
        return 0
    present = {str(i["inputName"]) for i in (await conn.request("GetInputList")).get("inputs", [])}
    sent = 0
    for name, choice in saved.items():
        if name not in present:
            continue
        if choice.preset not in PRESETS:
            log.warning(
                "picture preset %r saved for %s is unknown here: left out", choice.preset, name
            )
            continue
        sent += await apply_preset(conn, name, choice.preset, choice.strength)
    return sent


def follow_saved(
    conn: ObsConnection, saved: Callable[[], Mapping[str, PicturePreset]]
) -> Callable[[], None]:
    """Keep the saved presets on their inputs: :func:`reapply_saved` after every (re)connection,
    and the input's preset as soon as OBS reports an input of that name created (the scene set-up,
    "use this camera in OBS" replacing the camera by one of another kind, the user re-creating
    it). ``saved()`` is asked each time (the dialog edits the settings). Returns the unsubscriber."""

    def created(_t: str, data: dict[str, Any]) -> None:
        name = str(data.get("inputName", ""))
        choice = saved().get(name)
        if choice is not None and choice.preset in PRESETS:
            spawn(_apply_quietly(conn, name, choice), name="presets:created")

    unsubs = [
        conn.on_connected(lambda: reapply_saved(conn, saved())),
        conn.on_event("InputCreated", created),
    ]

    def unsubscribe() -> None:
        for u in unsubs:
            u()

    return unsubscribe


async def _apply_quietly(conn: ObsConnection, name: str, choice: PicturePreset) -> None:
    try:
        await apply_preset(conn, name, choice.preset, choice.strength)
    except ObsError as exc:  # the input went away again, OBS closed: the next connection retries
        log.warning("picture preset for %s not applied: %s", name, exc)
