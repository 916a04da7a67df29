"""Each picture check on generated clips played as cameras: the right verdict, with its value."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.camera.capture import open_capture
from app.camera.checks import Level, PictureChecker, Verdict
from app.camera.devices import source_from_setting
from app.camera.modes import Mode
from app.camera.testcard import Variant, write_clip
from app.i18n import set_language

FPS = 30.0


def run_checks(path: Path, baseline: float | None = None) -> dict[str, Verdict]:
    """Play the clip through the real capture path; check ~4×/s like the live preview does."""
    cap, report, first = open_capture(source_from_setting(str(path)), Mode(320, 180, FPS))
    checker = PictureChecker(focus_baseline=baseline)
    verdicts: list[Verdict] = []
    try:
        frame, i = first, 0
        while frame is not None:
            t = i / report.delivered.fps
            if checker.due(t):
                verdicts = checker.check(frame, t, measured_fps=29.7, wanted_fps=FPS)
            ok, frame = cap.read()
            frame = frame if ok else None
            i += 1
    finally:
        cap.release()
    return {v.key: v for v in verdicts}


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("clips")
    variants: list[Variant] = ["normal", "bright", "dark", "blurred", "cast", "frozen", "black"]
    return {v: write_clip(d / f"{v}.avi", v, size=(480, 270), seconds=2.5) for v in variants}


def test_a_good_picture_passes_every_check(clips: dict[str, Path]) -> None:
    v = run_checks(clips["normal"])
    assert v["exposure"].level is Level.OK and 80 < (v["exposure"].value or 0) < 160
    assert v["colour"].level is Level.OK
    assert v["black"].level is Level.OK
    assert v["frozen"].level is Level.OK
    assert v["focus"].level in (Level.OK, Level.INFO)
    assert v["fps"].level is Level.OK and "29.7" in v["fps"].text


def test_bright_clip_reports_blown_highlights_with_the_share(clips: dict[str, Path]) -> None:
    v = run_checks(clips["bright"])["exposure"]
    assert v.level is Level.BAD
    assert "过曝" in v.text and "%" in v.text
    assert (v.value or 0) > 200


def test_dark_clip_reports_too_dark_with_mean_brightness(clips: dict[str, Path]) -> None:
    v = run_checks(clips["dark"])["exposure"]
    assert v.level is Level.BAD
    assert "太暗" in v.text
    assert (v.value or 255) < 45
    assert f"{v.value:.0f}/255" in v.text


def test_blurred_clip_is_out_of_focus_relative_to_the_sharp_baseline(
    clips: dict[str, Path],
) -> None:
    sharp = run_checks(clips["normal"])["focus"].value
    assert sharp is not None and sharp > 100
    v = run_checks(clips["blurred"], baseline=sharp)["focus"]
    assert v.level is Level.BAD
    assert "失焦" in v.text
    assert (v.value or sharp) < 0.45 * sharp
    # and the sharp clip, against its own baseline, is judged sharp
    assert run_checks(clips["normal"], baseline=sharp)["focus"].level is Level.OK


def test_blurred_clip_is_suspect_even_without_a_baseline(clips: dict[str, Path]) -> None:
    v = run_checks(clips["blurred"])["focus"]
    assert v.level is Level.WARN and "失焦" in v.text


def test_colour_cast_clip_is_called_blue_with_its_strength(clips: dict[str, Path]) -> None:
    v = run_checks(clips["cast"])["colour"]
    assert v.level is Level.BAD
    assert "偏蓝" in v.text
    assert (v.value or 0) >= 15


def test_frozen_clip_is_reported_frozen_with_seconds(clips: dict[str, Path]) -> None:
    v = run_checks(clips["frozen"])["frozen"]
    assert v.level is Level.BAD
    assert "冻结" in v.text
    assert (v.value or 0) >= 1.5


def test_black_clip_gets_one_clear_black_verdict(clips: dict[str, Path]) -> None:
    v = run_checks(clips["black"])
    assert v["black"].level is Level.BAD and "黑屏" in v["black"].text
    assert v["black"].value is not None and v["black"].value < 12
    # the other checks step back instead of echoing five alarms
    assert v["exposure"].level is Level.INFO and v["focus"].level is Level.INFO


def test_big_coloured_product_is_not_a_colour_cast(clips: dict[str, Path]) -> None:
    from app.camera.checks import check_colour
    from app.camera.testcard import frame

    img = frame(640, 360, 1.0)
    img[40:330, 60:580] = (40, 40, 200)  # a red product fills most of the picture
    assert check_colour(img).level is Level.OK


@pytest.mark.parametrize(
    ("measured", "level"), [(29.5, Level.OK), (24.0, Level.WARN), (14.8, Level.BAD)]
)
def test_fps_verdict_says_what_was_delivered(measured: float, level: Level) -> None:
    from app.camera.checks import check_fps

    v = check_fps(measured, 30)
    assert v.level is level
    assert f"{measured:.1f}" in v.text


@pytest.fixture
def english() -> Iterator[None]:
    set_language("en")
    try:
        yield
    finally:
        set_language("zh_CN")


CJK = re.compile(r"[\u4e00-\u9fff]")


def test_verdicts_read_in_english_with_their_measured_values(
    clips: dict[str, Path], english: None
) -> None:
    """An English-speaking host sees English sentences, each still carrying its number."""
    for variant, path in clips.items():
        for v in run_checks(path).values():
            assert not CJK.search(v.text + v.title), f"{variant}/{v.key}: {v.text}"
    dark = run_checks(clips["dark"])["exposure"]
    assert dark.text.startswith("Too dark: average ") and f"{dark.value:.0f}/255" in dark.text
    ok = run_checks(clips["normal"])["exposure"]
    assert ok.title == "Exposure" and ok.text == f"Brightness OK: average {ok.value:.0f}/255"
    cast = run_checks(clips["cast"])["colour"]
    assert cast.text.startswith(f"Bluish: cast {cast.value:.0f} — ")
    frozen = run_checks(clips["frozen"])["frozen"]
    assert frozen.text.startswith(f"Picture frozen: no change at all for {frozen.value:.1f} s")
    bright = run_checks(clips["bright"])["exposure"]
    assert "% of the picture is pure white" in bright.text
    from app.camera.checks import check_fps

    assert check_fps(14.8, 30).text.startswith(
        "Frame rate too low: measured 14.8 fps (should be 30)"
    )


def test_open_report_reads_in_english(english: None) -> None:
    from app.camera.modes import OpenReport

    short = OpenReport("device", Mode(1920, 1080, 30), Mode(1280, 720, 15), "V4L2", "YUYV")
    assert short.summary() == "Asked for 1080p30, got only 720p15 (1280×720)"
    slow = OpenReport("device", Mode(1920, 1080, 30), Mode(1920, 1080, 30), "V4L2", "MJPG")
    assert slow.summary(14.8) == "Asked for 1080p30; the device claims 30 fps, measured 14.8 fps"
