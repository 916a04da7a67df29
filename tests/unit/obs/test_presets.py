"""Picture presets without OBS: strength scaling, the shipped LUTs, and the idempotent filter plan."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from app.obs.presets import (
    CATALOGUE,
    LUT_SIZE,
    NATURAL,
    PREFIX,
    PRESETS,
    cube_text,
    filters_for,
    lut_path,
    plan,
)

INPUT = "LiveDesk 摄像头"
USER = {"filterName": "我的滤镜", "filterKind": "color_filter_v2", "filterIndex": 0,
        "filterEnabled": True, "filterSettings": {"gamma": -0.2}}  # fmt: skip


def run(
    filters: list[dict[str, Any]], reqs: list[tuple[str, dict[str, Any]]]
) -> list[dict[str, Any]]:
    """What OBS's filter list becomes after ``reqs`` (a small model of the five requests)."""
    fs = [dict(f) for f in sorted(filters, key=lambda f: f["filterIndex"])]
    for request, d in reqs:
        assert d["sourceName"] == INPUT
        byname = {f["filterName"]: f for f in fs}
        if request == "CreateSourceFilter":
            assert d["filterName"] not in byname
            fs.append({"filterName": d["filterName"], "filterKind": d["filterKind"],
                       "filterEnabled": True, "filterSettings": dict(d["filterSettings"])})  # fmt: skip
        elif request == "RemoveSourceFilter":
            fs.remove(byname[d["filterName"]])
        elif request == "SetSourceFilterSettings":
            byname[d["filterName"]]["filterSettings"].update(d["filterSettings"])
        elif request == "SetSourceFilterEnabled":
            byname[d["filterName"]]["filterEnabled"] = d["filterEnabled"]
        elif request == "SetSourceFilterIndex":
            f = byname[d["filterName"]]
            fs.remove(f)
            fs.insert(d["filterIndex"], f)
        else:
            raise AssertionError(request)
        for i, f in enumerate(fs):
            f["filterIndex"] = i
    return fs


def test_catalogue_has_the_issue_presets_and_natural_is_empty() -> None:
    labels = [p.label for p in CATALOGUE]
    assert labels[:4] == ["自然", "提亮", "暖色", "冷色"]
    assert PRESETS[NATURAL].filters == ()
    kinds = {f.kind for p in CATALOGUE for f in p.filters}
    assert kinds == {"color_filter_v2", "sharpness_filter_v2", "clut_filter"}  # all ship with OBS


@pytest.mark.parametrize("key", [p.key for p in CATALOGUE])
def test_strength_scales_from_neutral_to_full(key: str) -> None:
    for spec, settings in filters_for(key, 0):
        for k, v in spec.full.items():
            if isinstance(v, float):
                assert settings[k] == spec.neutral.get(k, 0.0), (spec.name, k)
            else:
                assert settings[k] == v  # colours and paths untouched
    for (spec, full), (_, half) in zip(filters_for(key, 100), filters_for(key, 50), strict=True):
        for k, v in spec.full.items():
            assert full[k] == v
            if isinstance(v, float):
                zero = spec.neutral.get(k, 0.0)
                assert half[k] == pytest.approx(zero + (v - zero) / 2, abs=1e-4)
    assert filters_for(key, 150) == filters_for(key, 100)
    assert filters_for(key, -5) == filters_for(key, 0)


def test_colour_multiply_is_never_scaled() -> None:
    ((_spec, settings),) = filters_for("bright", 37)
    assert settings["color_multiply"] == 0xFFFFFF and settings["opacity"] == 1.0


@pytest.mark.parametrize("name", ["warm", "cool"])
def test_shipped_luts_are_the_generators_and_valid(name: str) -> None:
    text = lut_path(name).read_text(encoding="utf-8")
    assert text == cube_text(name)  # regenerate: python -c "from app.obs.presets import ..."
    lines = text.splitlines()
    assert f"LUT_3D_SIZE {LUT_SIZE}" in lines
    rows = np.array([[float(x) for x in ln.split()] for ln in lines if ln and ln[0].isdigit()])
    assert rows.shape == (LUT_SIZE**3, 3)
    assert rows.min() >= 0.0 and rows.max() <= 1.0
    assert rows[0].tolist() == [0, 0, 0] and rows[-1].tolist() == [1, 1, 1]  # black/white kept
    grey = rows[(LUT_SIZE // 2) * (1 + LUT_SIZE + LUT_SIZE**2)]  # the middle grey
    if name == "warm":
        assert grey[0] > grey[1] > grey[2]
    else:
        assert grey[2] > grey[0]


def test_plan_creates_then_does_nothing_and_keeps_the_users_filter() -> None:
    first = plan(INPUT, [USER], "sharp", 60)
    assert [r for r, _ in first] == ["CreateSourceFilter", "CreateSourceFilter"]
    after = run([USER], first)
    assert [f["filterName"] for f in after] == ["我的滤镜", f"{PREFIX} 颜色", f"{PREFIX} 锐化"]
    assert plan(INPUT, after, "sharp", 60) == []  # idempotent
    again = run(after, plan(INPUT, after, "sharp", 90))  # strength: settings only
    assert [f["filterName"] for f in again] == [f["filterName"] for f in after]
    assert again[0] == {**USER, "filterIndex": 0}


def test_plan_switches_presets_and_natural_removes_only_livedesks() -> None:
    fs = run([USER], plan(INPUT, [USER], "sharp", 60))
    fs = run(fs, plan(INPUT, fs, "warm", 80))
    assert [f["filterName"] for f in fs] == ["我的滤镜", f"{PREFIX} LUT"]
    assert fs[1]["filterSettings"]["clut_amount"] == 0.8
    fs = run(fs, plan(INPUT, fs, NATURAL, 80))
    assert fs == [{**USER, "filterIndex": 0}]


def test_plan_reenables_and_reorders_after_a_user_added_filter() -> None:
    fs = run([USER], plan(INPUT, [USER], "bright", 60))
    fs[1]["filterEnabled"] = False  # switched off by hand (or a before/after left it so)
    late = {"filterName": "后加的", "filterKind": "sharpness_filter_v2", "filterIndex": 2,
            "filterEnabled": True, "filterSettings": {}}  # fmt: skip
    fs = run([*fs, late], plan(INPUT, [*fs, late], "bright", 60))
    assert [f["filterName"] for f in fs] == ["我的滤镜", "后加的", f"{PREFIX} 颜色"]
    assert all(f["filterEnabled"] for f in fs)
    assert plan(INPUT, fs, "bright", 60) == []
