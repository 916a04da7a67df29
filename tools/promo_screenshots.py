"""Screenshots of 红包雨 and 库存冻结 in the console: the built-in sandbox live with its simulated
audience, a rain started from the 红包雨 dock and grabbed by the viewers (the dock, its overlay
card on a 16:9 and a 9:16 canvas, then the rain ended with its leftover), and 20 units of a
product reserved from the 秒杀 dock for a flash sale made on them (the dock, the product queue
showing 可售 / 冻结). Real `livedesk` start-up, real window.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/promo_screenshots.py [OUT_DIR]

Per shot NAME: NAME.png (the window at the end), NAME-rain.png (the window while it rains),
NAME-panel-rain.png, NAME-panel-ended.png, NAME-overlay.png, NAME-overlay-9x16.png,
NAME-panel-reserve.png and NAME-queue.png.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import Any

from shots import run_all, until

SHOTS = {"promo-zh": "zh_CN", "promo-en": "en"}
OUT: dict[str, Path] = {}


async def _prepare(window: Any) -> None:
    from PySide6.QtCore import Qt

    from app.overlays.controller import derive
    from app.overlays.images import ImageCache
    from app.overlays.layout import Kind
    from app.overlays.render import OverlayRenderer

    room = window.room
    await until(lambda: room.online and room.session is not None)
    base = str(OUT["path"].with_suffix(""))
    window.resize(1600, 1000)
    dock = window.docks["red_envelope"]
    dock.raise_()
    window.resizeDocks([dock], [560], Qt.Orientation.Horizontal)
    panel = window.panels["red_envelope"]
    panel.title.setText("感谢家人们")
    panel.total.setValue(88.88)
    panel.count.setValue(300)
    panel.duration.setValue(40)
    panel.start()
    await until(lambda: room.active_rain() is not None and room.active_rain().grabbed >= 40)
    await asyncio.sleep(1.5)
    window.grab().save(base + "-rain.png")
    panel.grab().save(base + "-panel-rain.png")
    card = derive(room, time.time(), ImageCache(), {}).red_envelope
    assert card is not None
    OverlayRenderer("16:9").render(Kind.RED_ENVELOPE, card).save(base + "-overlay.png")
    OverlayRenderer("9:16").render(Kind.RED_ENVELOPE, card).save(base + "-overlay-9x16.png")
    panel.end()
    await until(lambda: room.active_rain() is None)
    await asyncio.sleep(0.5)
    panel.grab().save(base + "-panel-ended.png")

    flash_dock = window.docks["flash_sale"]
    flash_dock.raise_()
    flash = window.panels["flash_sale"]
    product = room.bag[1]
    flash.select_product(product.id)
    flash.reserve_qty.setValue(20)
    flash.reserve()
    await until(lambda: (room.product(product.id) or product).reserved == 20)
    flash.quantity.setValue(20)
    await asyncio.sleep(0.5)
    flash.grab().save(base + "-panel-reserve.png")
    window.panels["products"].grab().save(base + "-queue.png")


def one(name: str, out: Path) -> int:
    from ui.launch import run

    OUT["path"] = out
    argv = ["--lang", SHOTS[name], "--screenshot", str(out), "--wait", "1",
            "--sandbox-arg=--live", "--sandbox-arg=--viewers=400", "--sandbox-arg=--seed=8"]  # fmt: skip
    return run(argv, prepare=_prepare)


def main(argv: list[str]) -> int:
    return run_all(__file__, SHOTS, argv, one)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
