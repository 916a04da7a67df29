"""Screenshots of the 下播总结 (zh and en) and of the PDF report's first page, for
docs/screenshots/. The session is the replay screenshots' synthesised evening broadcast
(tests/support/broadcast.py), written through the recorder's SessionWriter; the summary window
is rendered offscreen, the PDF is the console's own export (Chromium through Qt WebEngine) turned
into a PNG with pdftoppm (poppler-utils) or, without it, Qt's PDF renderer.

    .venv/bin/python tools/summary_screenshots.py [OUT_DIR]
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.broadcast import ROOM, SESSION, synthesise  # noqa: E402


def main(argv: list[str]) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from app.session import summary
    from app.session.replay import SessionFile
    from ui.i18n import set_language
    from ui.replay.pdf import write_pdf
    from ui.replay.summary import SummaryDialog

    out = Path(argv[0]) if argv else REPO / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)

    def settle(seconds: float = 0.3) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.01)

    with tempfile.TemporaryDirectory() as tmp:
        session = synthesise(Path(tmp) / f"{ROOM}_{SESSION}.livedesk")
        data = summary.read_path(session)
        for lang, name in (("zh_CN", "summary-zh"), ("en", "summary-en")):
            set_language(lang)
            d = SummaryDialog(data)
            d.show()
            settle(0.4)
            d.grab().save(str(out / f"{name}.png"))
            print(out / f"{name}.png")
            d.close()
        set_language("zh_CN")
        pdf = Path(tmp) / "report.pdf"
        with SessionFile(session) as f:
            asyncio.run(write_pdf(f, pdf, lang="zh_CN"))
        png = out / "report-pdf-page1.png"
        if shutil.which("pdftoppm"):
            subprocess.run(
                ["pdftoppm", "-png", "-r", "110", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                 str(png.with_suffix(""))],
                check=True, timeout=120,
            )  # fmt: skip
        else:
            from PySide6.QtCore import QSize
            from PySide6.QtPdf import QPdfDocument

            doc = QPdfDocument()
            doc.load(str(pdf))
            doc.render(0, QSize(910, 1287)).save(str(png))
        print(png)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
