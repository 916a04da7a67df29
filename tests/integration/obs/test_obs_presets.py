"""Picture presets on a real OBS: judged on the PROGRAM output's pixels, as viewers would see it.

A still test picture (a skin-like tone, a grey, a dark and a light patch) fills a scene of its own
on the program; presets are applied to its input and the program screenshot's statistics must move
the way each preset says. The user's own filter on the input is there throughout and survives.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import numpy as np
import pytest

from app.obs.connection import ObsConnection
from app.obs.inputs import place, scene_items, screenshot
from app.obs.presets import (
    PREFIX,
    apply_preset,
    filter_list,
    follow_saved,
    reapply_saved,
    set_enabled,
)
from app.settings import PicturePreset
from tests.integration.obs.helpers import png_array

SCENE = "预设测试"
INPUT = "预设测试图"
USER_FILTER = "我的色彩校正"  # the user's own filter: LiveDesk must never touch it
PATCHES = ((205, 150, 125), (128, 128, 128), (60, 55, 50), (225, 225, 220))  # RGB


def make_picture(path: Path) -> Path:
    import cv2

    img = np.zeros((360, 640, 3), np.uint8)
    for i, (r, g, b) in enumerate(PATCHES):
        img[:, i * 160 : (i + 1) * 160] = (b, g, r)  # cv2 writes BGR
    cv2.imwrite(str(path), img)
    return path


def stats(img: np.ndarray) -> tuple[float, float]:
    """Mean luma (Rec. 601) and the R/B ratio of the means, over the whole frame."""
    rgb = img[..., :3].astype(np.float64)
    r, g, b = rgb[..., 0].mean(), rgb[..., 1].mean(), rgb[..., 2].mean()
    return 0.299 * r + 0.587 * g + 0.114 * b, r / max(b, 1.0)


def spread(img: np.ndarray) -> float:
    """Standard deviation of the luma: what a lower contrast lowers."""
    rgb = img[..., :3].astype(np.float64)
    return float((0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]).std())


def edges(img: np.ndarray) -> float:
    """Steepness of the patches' edges: the largest step between neighbouring pixels of the middle
    row over the largest difference between the patches' plateaus (1.0: a one-pixel edge)."""
    row = img[img.shape[0] // 2, :, :3].astype(np.float64)
    n = row.shape[0] // len(PATCHES)
    plateaus = np.array([np.median(row[i * n : (i + 1) * n], axis=0) for i in range(len(PATCHES))])
    step = np.abs(np.diff(row, axis=0)).max()
    return float(step / max(np.abs(np.diff(plateaus, axis=0)).max(), 1.0))


async def wait_for(
    probe: Callable[[], Awaitable[np.ndarray]],
    ok: Callable[[tuple[float, float]], bool],
    within: float = 20.0,
) -> tuple[float, float]:
    """Program statistics once ``ok`` holds (the machine may be busy: generous deadline)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        s = stats(await probe())
        if ok(s) or loop.time() > deadline:
            return s
        await asyncio.sleep(0.2)


@pytest.fixture
async def program(obs: ObsConnection, tmp_path: Path) -> Callable[[], Awaitable[np.ndarray]]:
    return await show_patches(obs, tmp_path)


async def show_patches(obs: ObsConnection, tmp_path: Path) -> Callable[[], Awaitable[np.ndarray]]:
    """The test picture alone on the program (a scene of its own); returns a program screenshot
    taker (320×180)."""
    video = await obs.request("GetVideoSettings")
    w, h = int(video["baseWidth"]), int(video["baseHeight"])
    await obs.request("CreateScene", sceneName=SCENE)
    await obs.request(
        "CreateInput",
        sceneName=SCENE,
        inputName=INPUT,
        inputKind="image_source",
        inputSettings={"file": str(make_picture(tmp_path / "patches.png"))},
        sceneItemEnabled=True,
    )
    item = (await scene_items(obs, SCENE))[INPUT]
    await place(obs, SCENE, item, x=0, y=0, width=w, height=h, fit="OBS_BOUNDS_STRETCH")
    await obs.request("SetCurrentProgramScene", sceneName=SCENE)

    async def shot() -> np.ndarray:
        return png_array(await screenshot(obs, SCENE, 320, 180))

    await wait_for(shot, lambda s: s[0] > 80)  # the picture is on the program
    return shot


async def test_presets_change_the_program_as_they_say(
    obs: ObsConnection, program: Callable[[], Awaitable[np.ndarray]]
) -> None:
    # the user's own filter, neutral on purpose (so the presets' effects are measured alone)
    await obs.request(
        "CreateSourceFilter",
        sourceName=INPUT,
        filterName=USER_FILTER,
        filterKind="color_filter_v2",
        filterSettings={"hue_shift": 0.0, "opacity": 1.0},
    )
    user_before = await obs.request("GetSourceFilter", sourceName=INPUT, filterName=USER_FILTER)
    base_l, base_rb = await wait_for(program, lambda s: True)
    base_spread = spread(await program())
    print(f"\nbaseline: luma {base_l:.1f}, R/B {base_rb:.3f}")

    async def preset(
        name: str, strength: int, ok: Callable[[tuple[float, float]], bool]
    ) -> tuple[float, float]:
        await apply_preset(obs, INPUT, name, strength)
        s = await wait_for(program, ok)
        print(f"{name} {strength}%: luma {s[0]:.1f} (Δ {s[0] - base_l:+.1f}), R/B {s[1]:.3f}")
        return s

    lum, _ = await preset("bright", 100, lambda s: s[0] > base_l + 10)
    assert lum > base_l + 10, "提亮 must raise the program's mean luminance"
    mid, _ = await preset("bright", 50, lambda s: base_l + 3 < s[0] < lum - 2)
    assert base_l + 3 < mid < lum - 2, "half strength: part of the way"
    _, rb = await preset("bright", 50, lambda s: True)
    assert abs(rb / base_rb - 1) < 0.1, "提亮 brightens without tinting"

    _, rb = await preset("warm", 100, lambda s: s[1] > base_rb * 1.15)
    assert rb > base_rb * 1.15, "暖色 must raise R/B"
    _, rb = await preset("cool", 100, lambda s: s[1] < base_rb / 1.15)
    assert rb < base_rb / 1.15, "冷色 must lower R/B"

    await apply_preset(obs, INPUT, "soft", 100)
    soft = spread(await program())
    for _ in range(100):
        if soft < base_spread * 0.85:
            break
        await asyncio.sleep(0.2)
        soft = spread(await program())
    print(f"soft 100%: luma spread {soft:.1f} (was {base_spread:.1f})")
    assert soft < base_spread * 0.85, "柔和 must lower the contrast"

    lum, rb = await preset(
        "warm", 0, lambda s: abs(s[1] - base_rb) < 0.02 and abs(s[0] - base_l) < 1.5
    )
    assert abs(rb - base_rb) < 0.02 and abs(lum - base_l) < 1.5, "strength 0 leaves the picture"

    # idempotent: the same preset again sends nothing and never stacks a second copy
    assert await apply_preset(obs, INPUT, "sharp", 100) > 0
    assert await apply_preset(obs, INPUT, "sharp", 100) == 0
    names = [f["filterName"] for f in await filter_list(obs, INPUT)]
    ours = [n for n in names if n.startswith(PREFIX)]
    assert ours == [f"{PREFIX} 颜色", f"{PREFIX} 锐化"], names
    assert names[0] == USER_FILTER  # the user's filter first, as it was
    lum, rb = await wait_for(program, lambda s: True)
    assert abs(lum - base_l) < 12 and abs(rb / base_rb - 1) < 0.1, "清晰 keeps tone and colour"

    # before/after: LiveDesk's filters off then on again; the user's filter is left as it is
    on_img = png_array(await screenshot(obs, SCENE))  # full size: sharpening works per pixel
    assert await set_enabled(obs, INPUT, False) == ours
    off_img = png_array(await screenshot(obs, SCENE))
    await set_enabled(obs, INPUT, True)
    on, off = stats(on_img), stats(off_img)
    print(
        f"sharp 100% on: luma {on[0]:.1f}, edges {edges(on_img):.3f}; "
        f"filters off: luma {off[0]:.1f}, edges {edges(off_img):.3f}"
    )
    assert abs(off[0] - base_l) < 1.5 and abs(off[1] - base_rb) < 0.02
    assert edges(on_img) > edges(off_img) + 0.1, "清晰 makes the patches' edges steeper"

    # 自然: LiveDesk's filters gone, the user's untouched
    lum, rb = await preset("natural", 100, lambda s: abs(s[0] - base_l) < 1.5)
    names = [f["filterName"] for f in await filter_list(obs, INPUT)]
    assert names == [USER_FILTER]
    user_after = await obs.request("GetSourceFilter", sourceName=INPUT, filterName=USER_FILTER)
    assert user_after == user_before
    assert abs(lum - base_l) < 1.5 and abs(rb - base_rb) < 0.02


async def test_saved_presets_come_back_on_connect(
    obs: ObsConnection, program: Callable[[], Awaitable[np.ndarray]]
) -> None:
    """What the console runs after every (re)connection: the saved preset is put on its input
    (an input OBS lacks is skipped), and once there, running it again sends nothing."""
    _, base_rb = stats(await program())
    saved = {INPUT: PicturePreset(preset="warm", strength=100),
             "没有这个来源": PicturePreset(preset="bright", strength=100)}  # fmt: skip
    assert await reapply_saved(obs, saved) > 0
    _, rb = await wait_for(program, lambda s: s[1] > base_rb * 1.15)
    assert rb > base_rb * 1.15
    assert await reapply_saved(obs, saved) == 0
    assert [f["filterName"] for f in await filter_list(obs, INPUT)] == [f"{PREFIX} LUT"]

    # an input of a saved name created later (a camera replaced, the set-up): it gets its preset
    unsubscribe = follow_saved(obs, lambda: saved)
    try:
        await obs.request("CreateInput", sceneName=SCENE, inputName="没有这个来源",
                          inputKind="color_source_v3", inputSettings={"color": 0xFF808080},
                          sceneItemEnabled=False)  # fmt: skip
        for _ in range(200):  # up to 20 s on a busy machine
            if await filter_list(obs, "没有这个来源"):
                break
            await asyncio.sleep(0.1)
        assert [f["filterName"] for f in await filter_list(obs, "没有这个来源")] == [
            f"{PREFIX} 颜色"
        ]
    finally:
        unsubscribe()
