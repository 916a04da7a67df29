"""Child process: print one HTML file to PDF with Qt WebEngine (Chromium), then exit.

``python -m ui.replay.pdf_print <report.html> <out.pdf>``; exit status 0 when the PDF was
written. Run by :mod:`ui.replay.pdf` in a process of its own: Chromium's threads and its
shutdown stay out of the console (in-process, leaving Qt's event loop with a WebEngine page ever
created crashed at exit), and a hung or crashed renderer costs only this process. JavaScript and
remote loads are off (the report has neither; its text comes from an untrusted session file and
is escaped). Chromium refuses to run as root with its sandbox on: only then is ``--no-sandbox``
added.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

LOAD_MS = 60_000


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m ui.replay.pdf_print REPORT.html OUT.pdf", file=sys.stderr)
        return 2
    src, dst = Path(argv[0]), Path(argv[1])
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
        if "--no-sandbox" not in flags:
            os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = (flags + " --no-sandbox").strip()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QMarginsF, Qt, QTimer, QUrl
    from PySide6.QtGui import QGuiApplication, QPageLayout, QPageSize

    QGuiApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QGuiApplication(["livedesk-pdf"])
    from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineSettings

    result = {"ok": False}
    page = QWebEnginePage()
    s = page.settings()
    s.setAttribute(QWebEngineSettings.WebAttribute.JavascriptEnabled, False)
    s.setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessRemoteUrls, False)
    layout = QPageLayout(
        QPageSize(QPageSize.PageSizeId.A4),
        QPageLayout.Orientation.Portrait,
        QMarginsF(12, 12, 12, 12),
        QPageLayout.Unit.Millimeter,
    )

    def loaded(ok: bool) -> None:
        if not ok:
            app.exit(1)
            return
        page.printToPdf(str(dst), layout)

    def printed(_path: str, ok: bool) -> None:
        result["ok"] = ok
        app.exit(0)

    page.loadFinished.connect(loaded)
    page.pdfPrintingFinished.connect(printed)
    QTimer.singleShot(LOAD_MS, lambda: app.exit(1))
    page.load(QUrl.fromLocalFile(str(src.resolve())))
    app.exec()
    import shiboken6

    shiboken6.delete(page)  # before the application goes
    return 0 if result["ok"] and dst.exists() else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
