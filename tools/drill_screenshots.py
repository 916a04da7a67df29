"""Screenshots of the drill report (演练报告) in the replay window, in Chinese and English.

    LIVEDESK_KEEP_DRILL_FILE=/tmp/drill.sqlite pytest tests/ui/obs/test_drill.py   # a real drill
    .venv/bin/python tools/drill_screenshots.py /tmp/drill.sqlite [OUT_DIR]

The session file is one a real drill recorded (tests/ui/obs/test_drill.py keeps it when
LIVEDESK_KEEP_DRILL_FILE is set): real OBS, real sandbox, real reactions. The dialog during a
drill is shot by tests/ui/test_drill_dialog.py when LIVEDESK_DRILL_SHOT names a PNG.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main(argv: list[str]) -> int:
    session = Path(argv[0])
    out = Path(argv[1]) if len(argv) > 1 else REPO / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication, QSplitter

    from ui.i18n import set_language

    app = QApplication.instance() or QApplication([])
    from ui.replay.window import ReplayWindow

    def settle(seconds: float = 0.3) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.01)

    for lang, name in (("zh_CN", "drill_report_zh"), ("en", "drill_report_en")):
        set_language(lang)
        win = ReplayWindow(session)
        win.resize(1600, 950)
        win.show()
        assert win.drill_tab is not None, "no drill in this session file"
        win.tabs.setCurrentWidget(win.drill_tab)
        split = win.centralWidget()
        if isinstance(split, QSplitter):  # the report's table gets the room
            split.setSizes([380, sum(split.sizes()) - 380])
        settle(1.0)
        p = out / f"{name}.png"
        win.grab().save(str(p))
        print(p)
        win.close()
        settle(0.2)
    html_shots(session, out)
    return 0


def html_shots(session: Path, out: Path) -> None:
    """The HTML report's 演练报告 section (zh/en) as headless Chromium renders it: the section
    alone, with the report's own stylesheet (the whole report is pages long)."""
    import shutil
    import subprocess
    import tempfile

    from app.i18n import translator
    from app.session.replay import SessionFile
    from app.session.report import CSS, drill_html

    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        print("chromium is missing: no HTML shots")
        return
    with tempfile.TemporaryDirectory() as tmp, SessionFile(session) as f:
        for lang, name in (("zh_CN", "drill_report_html_zh"), ("en", "drill_report_html_en")):
            page = Path(tmp) / f"{name}.html"
            body = drill_html(f, translator(lang))
            page.write_text(
                f'<!DOCTYPE html><html><head><meta charset="utf-8"><style>{CSS}</style></head>'
                f"<body>{body}</body></html>",
                encoding="utf-8",
            )
            png = out / f"{name}.png"
            subprocess.run(
                [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                 f"--user-data-dir={tmp}/profile", "--window-size=1400,420",
                 f"--screenshot={png}", page.as_uri()],
                check=True, capture_output=True, timeout=120,
            )  # fmt: skip
            print(png)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
