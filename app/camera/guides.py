"""Framing guides, as geometry in frame pixels (drawn by ui/camera): thirds, 9:16 crop, safe area.

A vertical (9:16) stream shows a centred crop of a landscape camera; inside it, the platform's
own buttons cover the picture. The covered bands below follow the common layout of Chinese
live-commerce apps (Douyin/Kuaishou/Taobao Live): host card and viewer count at the top,
comments, cart and input bar at the bottom, like/gift/share buttons down the right side.
They are approximate and the same for every platform: keep faces and products inside the
safe area and they stay visible.
"""

from __future__ import annotations

from dataclasses import dataclass

VERTICAL = (9, 16)
# Shares of the 9:16 picture covered by platform UI.
COVER_TOP = 0.12
COVER_BOTTOM = 0.24
COVER_RIGHT = 0.16
COVER_LEFT = 0.04


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    def scaled(self, sx: float, sy: float, dx: float = 0.0, dy: float = 0.0) -> Rect:
        return Rect(self.x * sx + dx, self.y * sy + dy, self.w * sx, self.h * sy)


Line = tuple[float, float, float, float]  # x1, y1, x2, y2


def thirds_lines(area: Rect) -> list[Line]:
    """The two vertical and two horizontal rule-of-thirds lines of ``area``."""
    out: list[Line] = []
    for k in (1, 2):
        x = area.x + area.w * k / 3
        y = area.y + area.h * k / 3
        out.append((x, area.y, x, area.bottom))
        out.append((area.x, y, area.right, y))
    return out


def vertical_crop(width: float, height: float, aspect: tuple[int, int] = VERTICAL) -> Rect:
    """The largest centred ``aspect`` (9:16) rectangle inside a width×height frame."""
    aw, ah = aspect
    if width * ah > height * aw:  # frame wider than 9:16: full height, crop the sides
        w = height * aw / ah
        return Rect((width - w) / 2, 0.0, w, float(height))
    h = width * ah / aw
    return Rect(0.0, (height - h) / 2, float(width), h)


def safe_area(crop: Rect) -> Rect:
    """The part of the vertical picture that no platform button covers."""
    return Rect(
        crop.x + crop.w * COVER_LEFT,
        crop.y + crop.h * COVER_TOP,
        crop.w * (1 - COVER_LEFT - COVER_RIGHT),
        crop.h * (1 - COVER_TOP - COVER_BOTTOM),
    )


def covered_bands(crop: Rect) -> list[Rect]:
    """The bands of the vertical picture that platform UI covers (to shade them)."""
    top = crop.h * COVER_TOP
    bottom = crop.h * COVER_BOTTOM
    mid_h = crop.h - top - bottom
    return [
        Rect(crop.x, crop.y, crop.w, top),
        Rect(crop.x, crop.bottom - bottom, crop.w, bottom),
        Rect(crop.right - crop.w * COVER_RIGHT, crop.y + top, crop.w * COVER_RIGHT, mid_h),
        Rect(crop.x, crop.y + top, crop.w * COVER_LEFT, mid_h),
    ]


def fit(width: float, height: float, into_w: float, into_h: float) -> Rect:
    """Where a width×height picture lands when fitted (letter-boxed) into into_w×into_h."""
    if width <= 0 or height <= 0:
        return Rect(0, 0, 0, 0)
    s = min(into_w / width, into_h / height)
    w, h = width * s, height * s
    return Rect((into_w - w) / 2, (into_h - h) / 2, w, h)
