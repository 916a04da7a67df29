"""Screenshots of the first-run guide 新手引导 (issue 17), each page in zh and en, over the console
on its built-in sandbox (``livedesk --first-run``; no OBS answers here: the OBS page shows the
not-found steps), plus the console with the guide's entry in 帮助.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/first_run_screenshots.py [OUT_DIR]

Each language runs in its own process with throw-away settings (tools/shots.py).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from shots import REPO, run_all

sys.path.insert(0, str(REPO))

SHOTS = ["first-run-zh", "first-run-en"]


def one(name: str, out: Path) -> int:
    import app.secrets
    from ui.launch import run

    app.secrets._keyring_usable = lambda: False  # type: ignore[assignment]
    lang = "en" if name.endswith("-en") else "zh_CN"
    stem = out.with_suffix("")

    async def prepare(window: Any) -> None:
        from PySide6.QtWidgets import QApplication

        from ui.first_run import PAGES

        guide = window.guide.guide
        assert guide is not None, "the guide did not open"
        await asyncio.sleep(2.0)  # OBS tried once (nothing answers here)
        for key in PAGES:
            guide.begin_at(key)
            QApplication.processEvents()
            await asyncio.sleep(0.3)
            guide.grab().save(f"{stem}-{key}.png")

    return run(
        ["--lang", lang, "--first-run", "--screenshot", str(out), "--wait", "1"], prepare=prepare
    )


if __name__ == "__main__":
    sys.exit(run_all(__file__, SHOTS, sys.argv[1:], one))
