"""Screenshots of the offline banner for docs/screenshots/: the real console (built-in sandbox, a
live room with an audience, a product on stage) whose sandbox child is SIGKILLed just before the
grab, in Chinese and English. The red banner shows the automatic restart under way (the restart
is held back a few seconds here so that the shot catches it), the live timer stopped and greyed,
the metrics panel veiled.

    DISPLAY=:57 QT_QPA_PLATFORM=xcb .venv/bin/python tools/link_banner_screenshots.py [OUT_DIR]
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

from shots import run_all, until

SHOTS = {"offline-banner-zh": "zh_CN", "offline-banner-en": "en"}


async def prepare(window: Any) -> None:
    import plugins.sandbox.adapter as sandbox

    room = window.room
    await until(lambda: room.online and room.product_ids and room.session is not None)
    await room.explain(room.product_ids[3])
    await until(lambda: room.explaining is not None)
    await asyncio.sleep(6)  # some figures and comments on screen
    sandbox.RESTART_DELAYS = (30.0,)  # hold the restart back: the shot shows it under way
    os.kill(room.adapter.child.proc.pid, signal.SIGKILL)
    await until(lambda: window.link_banner.platform.isVisible())


def one(name: str, out: Path) -> int:
    from ui.launch import run

    argv = ["--lang", SHOTS[name], "--screenshot", str(out), "--wait", "4",
            "--sandbox-arg=--rate=20", "--sandbox-arg=--viewers=400"]  # fmt: skip
    return run(argv, prepare=prepare)


def main(argv: list[str]) -> int:
    return run_all(__file__, SHOTS, argv, one)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
