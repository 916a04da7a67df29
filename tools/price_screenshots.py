"""Screenshots for docs/screenshots/ of the price guardrail and the queue's row 讲解 buttons, in
Chinese and English, from the real console (built-in sandbox, real window):

- ``price-confirm-*``: the window with the price editor (¥399 → ¥3.59 typed) and the question it
  asks, drawn where they open over the window;
- ``queue-explain-buttons-*``: the product queue with its 讲解 buttons, one product on stage, one
  selected, one sold out, and the undo toast after a 10 % price cut.

    DISPLAY=:57 QT_QPA_PLATFORM=xcb .venv/bin/python tools/price_screenshots.py [OUT_DIR]
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from shots import run_all, until

SHOTS = {
    "price-confirm-zh": "zh_CN",
    "price-confirm-en": "en",
    "queue-explain-buttons-zh": "zh_CN",
    "queue-explain-buttons-en": "en",
}


def _prepare(name: str, out: Path) -> Any:
    async def prepare(window: Any) -> None:
        from PySide6.QtCore import QPoint, QRect
        from PySide6.QtGui import QColor, QPainter

        from app.live.price_guard import price_risk
        from ui.products.editor import price_box

        room = window.room
        queue = window.panels["products"]
        await until(lambda: room.online and room.product_ids and room.session is not None)
        await room.explain("p02")
        await until(lambda: room.explaining is not None)
        if name.startswith("price-confirm"):
            queue.select("p03")
            editor = queue.edit_selected()
            editor.price.setText("3.59")
            product = room.product("p03")
            risk = price_risk(product, 359)
            assert risk is not None
            box = price_box(editor, product, risk)  # shown without its modal loop, for the grab
            box.show()
            await asyncio.sleep(1.5)
            shot = window.grab()
            painter = QPainter(shot)
            # where they open over the window (no window manager places them here): the
            # editor in the middle, its question just below it
            at = QPoint((window.width() - editor.width()) // 2, 150)
            below = QPoint((window.width() - box.width()) // 2, at.y() + editor.height() + 16)
            for where, dialog in ((at, editor), (below, box)):
                # a dialog's frame and shadow, as a window manager would draw them
                frame = QRect(where, dialog.size()).adjusted(-1, -1, 0, 0)
                painter.fillRect(frame.translated(5, 5), QColor(0, 0, 0, 60))
                painter.drawPixmap(where, dialog.grab())
                painter.setPen(QColor("#607d8b"))
                painter.drawRect(frame)
            painter.end()
            shot.save(str(out))
            box.close()
            editor.reject()
            return
        await room.update_product("p05", stock=0)
        queue.select("p04")
        editor = queue.edit_selected()
        editor.price.setText(f"{room.product('p04').price_cents * 0.9 / 100:.2f}")
        editor.submit()
        await until(lambda: queue.toast.isVisible())
        await asyncio.sleep(1.0)
        queue.grab().save(str(out))

    return prepare


def one(name: str, out: Path) -> int:
    from ui.launch import run

    dummy = out.with_name(f".{out.stem}-window.png")
    argv = ["--lang", SHOTS[name], "--screenshot", str(dummy), "--wait", "4",
            "--sandbox-arg=--live", "--sandbox-arg=--viewers=20"]  # fmt: skip
    code = run(argv, prepare=_prepare(name, out))
    dummy.unlink(missing_ok=True)
    return code


def main(argv: list[str]) -> int:
    return run_all(__file__, SHOTS, argv, one)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
