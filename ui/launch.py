"""``livedesk console``: the Qt application on a qasync loop (placeholder until the console lands)."""

from __future__ import annotations

import argparse
import asyncio
import sys

from app.main import setup_logging


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="livedesk", description="LiveDesk 直播中控台")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    setup_logging(args.verbose)

    import qasync
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication.instance() or QApplication(sys.argv)
    window = QLabel("LiveDesk 直播中控台")
    window.setWindowTitle("LiveDesk 直播中控台")
    window.resize(1280, 800)
    window.show()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    closed = asyncio.Event()
    app.aboutToQuit.connect(closed.set)
    with loop:
        loop.run_until_complete(closed.wait())
    return 0
