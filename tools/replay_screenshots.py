"""Screenshots of the replay review for docs/screenshots/: the replay window (timeline and the
moment under the cursor, the 商品 tab with its 讲解记录, the 抽奖 tab) and the HTML report in Chinese
and English as a real browser (headless Chromium) renders it.

    .venv/bin/python tools/replay_screenshots.py [OUT_DIR] [--keep SESSION_FILE]

The session is the scripted evening broadcast of tests/support/broadcast.py (deterministic). The
Qt window is rendered offscreen (QT_QPA_PLATFORM=offscreen); the HTML with `chromium --headless`
(`apt-get install -y chromium` where it is missing).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.broadcast import FLASH_AT, ROOM, SESSION, T0, synthesise  # noqa: E402


# --- the Qt window ------------------------------------------------------------------------------
def window_shots(session: Path, out: Path) -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from ui.i18n import set_language

    app = QApplication.instance() or QApplication([])
    set_language("zh_CN")
    from ui.replay.window import ReplayWindow

    def settle(seconds: float = 0.3) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.01)

    win = ReplayWindow(session)
    win.resize(1500, 950)
    win.show()
    deadline = time.monotonic() + 90
    while win.keywords.rowCount() == 0 and time.monotonic() < deadline:  # jieba on its thread
        settle(0.1)
    # the moment: 20 s into the flash sale, where the orders are
    win.charts.set_cursor(T0 + FLASH_AT + 20)
    settle(0.5)
    split = win.centralWidget()
    sizes = split.sizes()  # type: ignore[attr-defined]
    shots = []
    for name, tab, chart_h in (
        ("replay_window", 0, sizes[0]),
        ("replay_products", 1, 360),  # the reviewer drags the splitter up to read the tables
        ("replay_lottery", 4, sizes[0]),
    ):
        win.tabs.setCurrentIndex(tab)
        split.setSizes([chart_h, sum(sizes) - chart_h])  # type: ignore[attr-defined]
        settle(0.3)
        p = out / f"{name}.png"
        win.grab().save(str(p))
        shots.append(p)
    win.close()
    settle(0.2)
    return shots


# --- the HTML report in a real browser --------------------------------------------------------------
def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise SystemExit("chromium is missing: apt-get install -y chromium")


def crop_bottom(png: Path, margin: int = 24) -> None:
    """Cut the blank space below the page's content (the browser window is taller than it)."""
    from PySide6.QtGui import QImage

    img = QImage(str(png))
    white = 0xFFFFFFFF
    y = img.height() - 1
    while y > 0:
        row = [img.pixel(x, y) for x in range(0, img.width(), 4)]
        if any(px != white for px in row):
            break
        y -= 1
    img.copy(0, 0, img.width(), min(img.height(), y + margin)).save(str(png))


def report_shots(session: Path, out: Path, height: int = 6000) -> list[Path]:
    from app.session.replay import SessionFile
    from app.session.report import write_html

    shots = []
    with tempfile.TemporaryDirectory() as tmp, SessionFile(session) as f:
        for lang, name in (("zh_CN", "report_html"), ("en", "report_html_en")):
            html = write_html(f, Path(tmp) / f"{name}.html", lang=lang)
            png = out / f"{name}.png"
            subprocess.run(
                [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                 f"--user-data-dir={tmp}/profile", f"--window-size=1280,{height}",
                 f"--screenshot={png}", html.as_uri()],
                check=True, capture_output=True, timeout=120,
            )  # fmt: skip
            crop_bottom(png)
            shots.append(png)
    return shots


def main(argv: list[str]) -> int:
    keep = None
    if "--keep" in argv:
        i = argv.index("--keep")
        keep = Path(argv[i + 1])
        argv = argv[:i] + argv[i + 2 :]
    out = Path(argv[0]) if argv else REPO / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        session = synthesise(keep or Path(tmp) / f"{ROOM}_{SESSION}.livedesk")
        shots = window_shots(session, out) + report_shots(session, out)
    for p in shots:
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
