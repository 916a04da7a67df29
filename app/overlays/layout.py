"""Where each overlay sits on a 16:9 or 9:16 canvas and how big it is (shared by the renderer and
the OBS set-up, so the PNG's size is exactly the box the image source occupies)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

Canvas = Literal["16:9", "9:16"]


class Kind(StrEnum):
    PRODUCT = "product"
    COUPON = "coupon"
    FLASH_SALE = "flash_sale"
    LOTTERY = "lottery"
    WINNERS = "winners"
    QUIZ = "quiz"
    RED_ENVELOPE = "red_envelope"


#: the OBS image source that shows each overlay
SOURCE_NAMES: dict[Kind, str] = {
    Kind.PRODUCT: "LiveDesk 商品卡",
    Kind.COUPON: "LiveDesk 优惠券",
    Kind.FLASH_SALE: "LiveDesk 秒杀倒计时",
    Kind.LOTTERY: "LiveDesk 抽奖",
    Kind.WINNERS: "LiveDesk 中奖名单",
    Kind.QUIZ: "LiveDesk 答题",
    Kind.RED_ENVELOPE: "LiveDesk 红包雨",
}


@dataclass(frozen=True, slots=True)
class Box:
    x: int
    y: int
    width: int
    height: int


def canvas_size(canvas: Canvas) -> tuple[int, int]:
    return (1920, 1080) if canvas == "16:9" else (1080, 1920)


_LAYOUTS: dict[Canvas, dict[Kind, Box]] = {
    "16:9": {
        Kind.PRODUCT: Box(40, 700, 640, 340),
        Kind.COUPON: Box(1440, 40, 440, 170),
        Kind.FLASH_SALE: Box(1440, 230, 440, 170),
        Kind.LOTTERY: Box(1400, 440, 480, 280),
        Kind.WINNERS: Box(1400, 740, 480, 300),
        Kind.QUIZ: Box(40, 40, 600, 400),
        Kind.RED_ENVELOPE: Box(40, 460, 480, 230),  # under the quiz
    },
    "9:16": {
        Kind.PRODUCT: Box(40, 1180, 1000, 380),
        Kind.COUPON: Box(40, 220, 480, 170),
        Kind.FLASH_SALE: Box(560, 220, 480, 170),
        Kind.LOTTERY: Box(40, 420, 1000, 260),
        Kind.WINNERS: Box(40, 700, 1000, 300),
        Kind.QUIZ: Box(40, 1570, 1000, 330),
        Kind.RED_ENVELOPE: Box(40, 1004, 1000, 172),  # a low, wide card: drawn in two rows
    },
}


def box(canvas: Canvas, kind: Kind) -> Box:
    return _LAYOUTS[canvas][kind]
