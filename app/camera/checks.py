"""Picture checks a host understands: plain verdicts, each with the value it was measured from.

Cheap enough to run live: everything works on a frame downscaled to ~320 px wide, a few times a
second (see :class:`PictureChecker`), never on every full-size frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import cv2
import numpy as np

from app.i18n import tr

CHECK_WIDTH = 320

# Thresholds, on 0–255 luma of the downscaled frame.
BLACK_MEAN = 12.0  # below this mean and with almost no contrast: a black frame
BLACK_STD = 8.0
DARK_MEAN_BAD = 45.0
DARK_MEAN_WARN = 70.0
BRIGHT_MEAN_WARN = 190.0
CLIPPED_LEVEL = 250  # a pixel at or above this is blown out
CLIPPED_BAD = 0.05  # share of blown-out pixels that ruins a picture (a white product, a face)
CLIPPED_WARN = 0.02
# Focus, relative to the user's baseline (Laplacian variance of a sharp picture of the scene).
FOCUS_BAD = 0.45
FOCUS_WARN = 0.75
FOCUS_ABS_WARN = 40.0  # with no baseline: below this the picture is very likely soft
# Colour cast: distance from neutral (Lab a/b units) of the scene's most neutral pixels.
CAST_WARN = 8.0
CAST_BAD = 15.0
CAST_GREY_SHARE = 0.3
CAST_MIN_USABLE = 0.3  # share of well-exposed pixels needed to judge colour at all
# Frozen: mean absolute change between checks below this for longer than FROZEN_AFTER seconds.
FROZEN_DIFF = 0.05
FROZEN_AFTER = 1.5
FPS_WARN = 0.9
FPS_BAD = 0.6
# No new frame for longer than this (s): the verdicts say there is no picture, not what it was.
STALL_AFTER = 1.5


class Level(StrEnum):
    OK = "ok"
    INFO = "info"
    WARN = "warn"
    BAD = "bad"


@dataclass(frozen=True)
class Verdict:
    key: str  # exposure | focus | colour | black | frozen | fps
    title: str
    level: Level
    value: float | None
    text: str  # the plain verdict, with its value


def downscale(image: np.ndarray, width: int = CHECK_WIDTH) -> np.ndarray:
    h, w = image.shape[:2]
    if w <= width:
        return image
    return cv2.resize(image, (width, max(1, round(h * width / w))), interpolation=cv2.INTER_AREA)


def to_gray(small: np.ndarray) -> np.ndarray:
    return small if small.ndim == 2 else cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)


def is_black(gray: np.ndarray) -> bool:
    return float(gray.mean()) < BLACK_MEAN and float(gray.std()) < BLACK_STD


def check_black(gray: np.ndarray) -> Verdict:
    mean = float(gray.mean())
    if is_black(gray):
        return Verdict("black", tr("黑屏"), Level.BAD, mean,
                       tr("黑屏：画面几乎全黑（平均亮度 {mean:.0f}/255）— 镜头盖没摘或摄像头没出图？").format(mean=mean))  # fmt: skip
    return Verdict("black", tr("黑屏"), Level.OK, mean, tr("有画面，不是黑屏"))


def check_exposure(gray: np.ndarray) -> Verdict:
    hist = np.bincount(gray.ravel(), minlength=256).astype(np.float64)
    total = hist.sum() or 1.0
    mean = float(np.dot(hist, np.arange(256)) / total)
    clipped = float(hist[CLIPPED_LEVEL:].sum() / total)
    dark = float(hist[:21].sum() / total)
    title = tr("亮度")
    if clipped >= CLIPPED_BAD:
        return Verdict("exposure", title, Level.BAD, mean,
                       tr("高光过曝：{clipped:.0%} 的画面是死白（平均亮度 {mean:.0f}/255）— 调低曝光或减弱补光").format(clipped=clipped, mean=mean))  # fmt: skip
    if mean < DARK_MEAN_BAD:
        return Verdict("exposure", title, Level.BAD, mean,
                       tr("太暗：平均亮度 {mean:.0f}/255，{dark:.0%} 的画面接近全黑 — 加补光或提高曝光").format(mean=mean, dark=dark))  # fmt: skip
    if mean < DARK_MEAN_WARN:
        return Verdict("exposure", title, Level.WARN, mean,
                       tr("偏暗：平均亮度 {mean:.0f}/255 — 建议加补光").format(mean=mean))  # fmt: skip
    if clipped >= CLIPPED_WARN:
        return Verdict("exposure", title, Level.WARN, mean,
                       tr("部分高光过曝：{clipped:.0%} 的画面是死白 — 注意白色商品和脸部").format(clipped=clipped))  # fmt: skip
    if mean > BRIGHT_MEAN_WARN:
        return Verdict("exposure", title, Level.WARN, mean,
                       tr("偏亮：平均亮度 {mean:.0f}/255 — 可略降曝光").format(mean=mean))  # fmt: skip
    return Verdict("exposure", title, Level.OK, mean,
                   tr("亮度正常：平均 {mean:.0f}/255").format(mean=mean))  # fmt: skip


def sharpness(gray: np.ndarray) -> float:
    """Variance of the Laplacian: high for crisp edges, low for a soft picture."""
    return float(cv2.Laplacian(gray, cv2.CV_64F).var())


def check_focus(gray: np.ndarray, baseline: float | None) -> Verdict:
    v = sharpness(gray)
    title = tr("对焦")
    if baseline and baseline > 0:
        ratio = v / baseline
        if ratio < FOCUS_BAD:
            return Verdict("focus", title, Level.BAD, v,
                           tr("失焦：清晰度 {v:.0f}，只有基准的 {ratio:.0%} — 重新对焦或擦拭镜头").format(v=v, ratio=ratio))  # fmt: skip
        if ratio < FOCUS_WARN:
            return Verdict("focus", title, Level.WARN, v,
                           tr("有点虚：清晰度 {v:.0f}，为基准的 {ratio:.0%}").format(v=v, ratio=ratio))  # fmt: skip
        return Verdict("focus", title, Level.OK, v,
                       tr("清晰：清晰度 {v:.0f}，为基准的 {ratio:.0%}").format(v=v, ratio=ratio))  # fmt: skip
    if v < FOCUS_ABS_WARN:
        return Verdict("focus", title, Level.WARN, v,
                       tr("可能失焦：清晰度 {v:.0f}（对准清晰画面后点「设为清晰基准」判断更准）").format(v=v))  # fmt: skip
    return Verdict("focus", title, Level.INFO, v,
                   tr("清晰度 {v:.0f}（尚未设清晰基准）").format(v=v))  # fmt: skip


def colour_cast(small: np.ndarray) -> tuple[float, float, float] | None:
    """(cast strength, mean a, mean b) of the scene's most neutral pixels, in Lab units.

    Grey-pixel method: the least colourful ``CAST_GREY_SHARE`` of the well-exposed pixels are the
    ones that should be grey (walls, table, white shirt); their mean colour is the cast. Unlike a
    plain grey-world average, a big red product in the picture does not read as a red cast.
    None when too little of the picture is well exposed to judge.
    """
    lab = cv2.cvtColor(small, cv2.COLOR_BGR2LAB).reshape(-1, 3).astype(np.float32)
    lum = lab[:, 0]
    usable = (lum > 25) & (lum < 245)
    if usable.mean() < CAST_MIN_USABLE:
        return None
    a = lab[usable, 1] - 128.0
    b = lab[usable, 2] - 128.0
    chroma = np.hypot(a, b)
    sel = chroma <= np.percentile(chroma, CAST_GREY_SHARE * 100)
    da, db = float(a[sel].mean()), float(b[sel].mean())
    return math.hypot(da, db), da, db


def _cast_template(da: float, db: float) -> str:
    """The whole sentence for the cast's direction (a template with ``{d}``)."""
    if abs(db) >= abs(da):
        if db > 0:
            return tr("偏黄：色偏 {d:.0f} — 检查白平衡或灯光色温")
        return tr("偏蓝：色偏 {d:.0f} — 检查白平衡或灯光色温")
    if da > 0:
        return tr("偏红（品红）：色偏 {d:.0f} — 检查白平衡或灯光色温")
    return tr("偏绿：色偏 {d:.0f} — 检查白平衡或灯光色温")


def check_colour(small: np.ndarray) -> Verdict:
    title = tr("色偏")
    cast = colour_cast(small)
    if cast is None:
        return Verdict("colour", title, Level.INFO, None, tr("画面过亮或过暗，无法判断色偏"))
    d, da, db = cast
    if d >= CAST_WARN:
        level = Level.BAD if d >= CAST_BAD else Level.WARN
        return Verdict("colour", title, level, d, _cast_template(da, db).format(d=d))
    return Verdict("colour", title, Level.OK, d, tr("颜色正常：色偏 {d:.0f}").format(d=d))


class FrozenDetector:
    """Says "frozen" when consecutive checks see no change at all for a while."""

    def __init__(self, diff: float = FROZEN_DIFF, after: float = FROZEN_AFTER) -> None:
        self.diff = diff
        self.after = after
        self._prev: np.ndarray | None = None
        self._changed_at = 0.0
        self.last_diff = 0.0

    def reset(self) -> None:
        self._prev = None

    def update(self, gray: np.ndarray, t: float) -> Verdict:
        prev, self._prev = self._prev, gray
        if prev is None or prev.shape != gray.shape:
            self._changed_at = t
            return Verdict("frozen", tr("冻结"), Level.OK, 0.0, tr("画面在动"))
        self.last_diff = float(cv2.absdiff(gray, prev).mean())
        if self.last_diff >= self.diff:
            self._changed_at = t
        still = t - self._changed_at
        if still >= self.after:
            return Verdict("frozen", tr("冻结"), Level.BAD, still,
                           tr("画面冻结：已 {s:.1f} 秒没有任何变化 — 摄像头卡住或采集软件停了？").format(s=still))  # fmt: skip
        return Verdict("frozen", tr("冻结"), Level.OK, still, tr("画面在动"))


def check_fps(measured: float, wanted: float) -> Verdict:
    title = tr("帧率")
    if measured <= 0:
        return Verdict("fps", title, Level.INFO, 0.0, tr("帧率：等待画面…"))
    ratio = measured / wanted if wanted > 0 else 1.0
    if ratio < FPS_BAD:
        return Verdict("fps", title, Level.BAD, measured,
                       tr("帧率太低：实测 {fps:.1f} fps（应为 {wanted:.0f}）— 光线不足时摄像头会自动降帧").format(fps=measured, wanted=wanted))  # fmt: skip
    if ratio < FPS_WARN:
        return Verdict("fps", title, Level.WARN, measured,
                       tr("帧率偏低：实测 {fps:.1f} fps（应为 {wanted:.0f}）").format(fps=measured, wanted=wanted))  # fmt: skip
    return Verdict("fps", title, Level.OK, measured,
                   tr("帧率正常：实测 {fps:.1f} fps").format(fps=measured))  # fmt: skip


def stalled_verdicts(seconds: float, wanted_fps: float) -> list[Verdict]:
    """The source has delivered nothing for ``seconds``: every check says so, instead of showing
    verdicts about a picture that is no longer coming (frozen and fps are alarms, the rest wait)."""
    na = tr("无画面：已 {s:.0f} 秒没有新画面").format(s=seconds)
    frozen = tr("无画面：已 {s:.0f} 秒没有新画面 — 摄像头卡住、被拔出或采集停了？")
    fps = tr("帧率 0 fps：已 {s:.0f} 秒没有收到画面（应为 {wanted:.0f} fps）")
    return [
        Verdict("exposure", tr("亮度"), Level.INFO, None, na),
        Verdict("focus", tr("对焦"), Level.INFO, None, na),
        Verdict("colour", tr("色偏"), Level.INFO, None, na),
        Verdict("black", tr("黑屏"), Level.INFO, None, na),
        Verdict("frozen", tr("冻结"), Level.BAD, seconds, frozen.format(s=seconds)),
        Verdict("fps", tr("帧率"), Level.BAD, 0.0, fps.format(s=seconds, wanted=wanted_fps)),
    ]


class PictureChecker:
    """Runs every check on a downscaled frame, at most every ``interval`` seconds."""

    def __init__(self, focus_baseline: float | None = None, interval: float = 0.25) -> None:
        self.focus_baseline = focus_baseline
        self.interval = interval
        self.frozen = FrozenDetector()
        self.last_sharpness: float | None = None
        self._last_t = -math.inf

    def due(self, t: float) -> bool:
        return t - self._last_t >= self.interval

    def reset(self) -> None:
        self.frozen.reset()
        self._last_t = -math.inf

    def check(
        self, image: np.ndarray, t: float, measured_fps: float, wanted_fps: float
    ) -> list[Verdict]:
        self._last_t = t
        small = downscale(image)
        gray = to_gray(small)
        black = check_black(gray)
        frozen = self.frozen.update(gray, t)
        self.last_sharpness = sharpness(gray)
        if black.level is Level.BAD:  # one clear verdict, not five echoes of it
            na = tr("黑屏时无法判断")
            return [
                Verdict("exposure", tr("亮度"), Level.INFO, black.value, na),
                Verdict("focus", tr("对焦"), Level.INFO, None, na),
                Verdict("colour", tr("色偏"), Level.INFO, None, na),
                black,
                Verdict("frozen", tr("冻结"), Level.INFO, frozen.value, na),
                check_fps(measured_fps, wanted_fps),
            ]
        return [
            check_exposure(gray),
            check_focus(gray, self.focus_baseline),
            check_colour(small),
            black,
            frozen,
            check_fps(measured_fps, wanted_fps),
        ]
