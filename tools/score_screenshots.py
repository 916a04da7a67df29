"""Screenshots of the replay score and the alert settings (zh and en): the sessions list sorted by
its 评分 column, the replay window's header with the score line, the 提醒与评分设置 page (both
tabs).

    .venv/bin/python tools/score_screenshots.py [OUT_DIR]

Sessions are the synthetic recordings of tests/support/scored_sessions.py (known figures), in a
temporary folder; the windows render offscreen (QT_QPA_PLATFORM=offscreen).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main(out: Path) -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    tmp = Path(tempfile.mkdtemp(prefix="livedesk-score-shots-"))
    os.environ["LIVEDESK_CONFIG_DIR"] = str(tmp / "config")
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from app.session.schema import SUFFIX
    from app.settings import Settings
    from tests.support.scored_sessions import recording
    from tests.support.session_files import T0
    from ui.i18n import set_language

    app = QApplication.instance() or QApplication([])
    folder = tmp / "sessions"
    folder.mkdir()
    for i, n in enumerate((12, 30, 21, 44, 26)):
        recording(folder / f"r1_s{i}{SUFFIX}", orders=n, started=T0 + i * 86400, sid=f"s{i}")

    def settle(seconds: float = 0.3) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.01)

    from ui.alert_settings import AlertSettingsDialog
    from ui.replay.sessions import SessionsWindow
    from ui.replay.window import ReplayWindow

    shots: list[Path] = []
    out.mkdir(parents=True, exist_ok=True)
    for lang in ("zh_CN", "en"):
        set_language(lang)
        panel = SessionsWindow(folder)
        panel.resize(1300, 330)
        panel.show()
        deadline = time.monotonic() + 60
        while (panel.loading or panel.table.rowCount() < 5) and time.monotonic() < deadline:
            settle(0.1)
        panel.sort_by_score(Qt.SortOrder.DescendingOrder)
        panel.table.selectRow(0)
        settle(0.3)
        p = out / f"sessions_score_{lang}.png"
        panel.grab().save(str(p))
        shots.append(p)
        panel.close()

        win = ReplayWindow(folder / f"r1_s4{SUFFIX}")
        win.resize(1500, 950)
        win.show()
        deadline = time.monotonic() + 60
        while win.score is None and time.monotonic() < deadline:
            settle(0.1)
        settle(0.5)
        img = win.grab().toImage()
        p = out / f"replay_header_score_{lang}.png"
        img.copy(0, 0, img.width(), 260).save(str(p))
        shots.append(p)
        win.close()

        dialog = AlertSettingsDialog(Settings(), lambda: None)
        dialog.show()
        settle(0.3)
        dialog.adjustSize()
        for i, name in enumerate(("alerts", "score")):
            dialog.tabs.setCurrentIndex(i)
            settle(0.3)
            p = out / f"alert_settings_{name}_{lang}.png"
            dialog.grab().save(str(p))
            shots.append(p)
        # a refusal, as the operator sees it
        dialog.tabs.setCurrentIndex(0)
        dialog.boxes["comment_baseline_s"].setValue(60)
        dialog.apply()
        settle(0.3)
        dialog.adjustSize()
        settle(0.2)
        p = out / f"alert_settings_refused_{lang}.png"
        dialog.grab().save(str(p))
        shots.append(p)
        dialog.close()
        settle(0.2)
    return shots


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "screenshots"
    for shot in main(target):
        print(shot)
