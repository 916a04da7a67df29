"""Screenshots of the console on a platform that offers only the interaction kinds (the built-in
sandbox restricted with ``--capabilities``, as Bilibili would be): the commerce docks are notes
saying why, the chat shows gifts and paid messages, the metrics show gift value — in Chinese and
English. The real `livedesk` start-up, real window.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/capabilities_screenshots.py [OUT_DIR]

Each shot runs in its own process with throw-away settings.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from shots import run_all, until

SHOTS = {  # name: language
    "capabilities-interaction-zh": "zh_CN",
    "capabilities-interaction-en": "en",
}
CAPABILITIES = "interaction,live_state,viewers"


async def _prepare(window: Any) -> None:
    room = window.room
    await until(lambda: room.online and room.session is not None)
    await until(lambda: room.metrics.paid_messages > 0 and room.metrics.gift_value_cents > 0)
    window.docks["orders"].raise_()
    window.docks["coupons"].raise_()


def one(name: str, out: Path) -> int:
    from ui.launch import run

    argv = ["--lang", SHOTS[name], "--screenshot", str(out), "--wait", "14",
            "--capabilities", CAPABILITIES, "--sandbox-arg=--live", "--sandbox-arg=--rate=200",
            "--sandbox-arg=--viewers=3000"]  # fmt: skip
    return run(argv, prepare=_prepare)


def main(argv: list[str]) -> int:
    return run_all(__file__, SHOTS, argv, one)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
