"""Screenshots of the real console window for docs/screenshots/: a busy room and a calm one, in
Chinese and English. Each shot is the real `livedesk` start-up (built-in sandbox, real platform
client, real window) with a few operator actions made through the console before the grab.

    DISPLAY=:55 QT_QPA_PLATFORM=xcb .venv/bin/python tools/console_screenshots.py [OUT_DIR]

Run it under Xvfb (or a desktop); each shot runs in its own process with throw-away settings.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from shots import run_all, until

SHOTS = {  # name: (language, audience events/s, simulated viewers)
    "console-busy-zh": ("zh_CN", 600, 3000),
    "console-busy-en": ("en", 600, 3000),
    "console-calm-zh": ("zh_CN", 3, 40),
    "console-calm-en": ("en", 3, 40),
}


def _prepare(busy: bool) -> Any:
    async def prepare(window: Any) -> None:
        from app.platform import models as m

        room = window.room
        await until(lambda: room.online and room.product_ids and room.session is not None)
        # the platform call the explain button makes once the compliance check is answered
        await room.explain(room.product_ids[1 if busy else 3])
        await until(lambda: room.explaining is not None)
        if not busy:
            return
        await room.issue_coupon(
            m.CouponSpec(kind=m.CouponKind.THRESHOLD, name="满199减30", threshold_cents=19900,
                         amount_cents=3000, quantity=300, valid_seconds=900)
        )  # fmt: skip
        await room.start_flash_sale(
            m.FlashSaleSpec(product_id=room.product_ids[2], price_cents=29900, quantity=50,
                            duration_seconds=300)
        )  # fmt: skip
        await room.start_lottery(
            m.LotterySpec(prize="羽绒服一件", keyword="想要羽绒服", winners=3, duration_seconds=600)
        )
        window.docks["flash_sale"].raise_()

    return prepare


def one(name: str, out: Path) -> int:
    language, rate, viewers = SHOTS[name]
    from ui.launch import run

    argv = ["--lang", language, "--screenshot", str(out), "--wait", "12", "--sandbox-arg=--live",
            f"--sandbox-arg=--rate={rate}", f"--sandbox-arg=--viewers={viewers}"]  # fmt: skip
    return run(argv, prepare=_prepare(busy="busy" in name))


def main(argv: list[str]) -> int:
    return run_all(__file__, SHOTS, argv, one)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
