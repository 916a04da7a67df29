"""Screenshots of the stage with a flash-sale and a lottery countdown (docs/screenshots/
stage-countdown-zh.png, -en.png): the real `livedesk` start-up on the built-in sandbox, the product
on stage in a flash sale, a lottery open, then the window grabbed.

    DISPLAY=:67 QT_QPA_PLATFORM=xcb .venv/bin/python tools/stage_screenshots.py [OUT_DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from shots import run_all, until

SHOTS = {"stage-countdown-zh": "zh_CN", "stage-countdown-en": "en"}


async def _prepare(window: Any) -> None:
    from app.platform import models as m

    room = window.room
    await until(lambda: room.online and room.product_ids and room.session is not None)
    pid = room.product_ids[1]
    await room.explain(pid)
    await until(lambda: room.explaining is not None)
    await room.start_flash_sale(
        m.FlashSaleSpec(product_id=pid, price_cents=12900, quantity=50, duration_seconds=272)
    )
    await room.start_lottery(
        m.LotterySpec(prize="羽绒服一件", keyword="想要羽绒服", winners=3, duration_seconds=95)
    )
    window.docks["flash_sale"].raise_()


def one(name: str, out: Path) -> int:
    from ui.launch import run

    argv = ["--lang", SHOTS[name], "--screenshot", str(out), "--wait", "8", "--sandbox-arg=--live",
            "--sandbox-arg=--rate=20", "--sandbox-arg=--viewers=300"]  # fmt: skip
    return run(argv, prepare=_prepare)


def main(argv: list[str]) -> int:
    return run_all(__file__, SHOTS, argv, one)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
