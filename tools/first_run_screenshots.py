"""Screenshots of the first-run guide 新手引导 (issue 17), each page in zh and en, over the console
on its built-in sandbox (``livedesk --first-run``; no OBS answers here: the OBS page shows the
not-found steps), plus the console with the guide's entry in 帮助.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/first_run_screenshots.py [OUT_DIR]

Under Xvfb (``DISPLAY=:N QT_QPA_PLATFORM=xcb``) each language also gets the guide over the
console as the screen shows it (``…-over-console.png``). ``first-run-obs-found-zh`` starts a real
OBS Studio under its own Xvfb (tests/support/real_obs.py) for the OBS page's "found".

Each language runs in its own process with throw-away settings (tools/shots.py).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from shots import REPO, run_all

sys.path.insert(0, str(REPO))

SHOTS = ["first-run-zh", "first-run-en", "first-run-obs-found-zh"]


def one(name: str, out: Path) -> int:
    import app.secrets
    from ui.launch import run

    app.secrets._keyring_usable = lambda **_: False  # type: ignore[assignment]
    if name == "first-run-obs-found-zh":
        return obs_found(out)
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
        guide.begin_at("platform")
        await asyncio.sleep(0.5)
        if QApplication.platformName() != "offscreen":  # the guide over the console, as seen
            screen = QApplication.primaryScreen()
            screen.grabWindow(0).save(f"{stem}-over-console.png")

    return run(
        ["--lang", lang, "--first-run", "--screenshot", str(out), "--wait", "1"], prepare=prepare
    )


def obs_found(out: Path) -> int:
    """The OBS page against a real OBS Studio under Xvfb (tests/support/real_obs.py)."""
    from app.obs.stack import PASSWORD_SECRET
    from app.secrets import set_secret
    from app.settings import load_settings, save_settings
    from tests.support.real_obs import RealObs
    from ui.launch import run

    obs = RealObs().start()
    try:
        settings = load_settings()
        settings.obs.port = obs.port
        save_settings(settings)
        set_secret(PASSWORD_SECRET, obs.password)

        async def prepare(window: Any) -> None:
            guide = window.guide.guide
            assert guide is not None
            guide.begin_at("obs")
            page = guide.currentPage()
            for _ in range(100):
                if page.found:
                    break
                await asyncio.sleep(0.2)
            await asyncio.sleep(0.3)
            guide.grab().save(str(out))

        return run(["--lang", "zh_CN", "--first-run", "--screenshot", str(out.with_name(
            "first-run-obs-found-console.png")), "--wait", "0.5"], prepare=prepare)  # fmt: skip
    finally:
        obs.stop()


if __name__ == "__main__":
    sys.exit(run_all(__file__, SHOTS, sys.argv[1:], one))
