"""``livedesk replay [SESSION_FILE] [--lang zh_CN|en]``: the replay (复盘) without the console.

What a file manager runs when a recording is opened from the desktop (packaging/linux's
``livedesk-replay.desktop``: ``livedesk replay -- %f``), and what a reviewer runs to look back at
a session on a machine that is not running a show:

- with a file: the 直播场次 window of the file's folder (the score is measured against the
  sessions beside it, as ``livedesk report`` does), and the file's replay window opened from it;
- without one: the 直播场次 window of this machine's recordings.

The file is untrusted (it may come from a download or a teammate): it is opened the way the
sessions list opens any file — checked read-only in a worker thread under a time limit — and one
that cannot be read (missing, damaged, hostile, not a session) is said in plain words in the
window, never as a traceback. The command ends when its last window is closed. It needs no
platform, no OBS and no network, and it takes no room's single-console lock (a replay is not a
console of the room).

macOS hands a document opened from Finder to a running app as a ``QFileOpenEvent``, not in
``argv``: :class:`ui.replay.file_opens.FileOpens` opens each such file the way a file given on
the command line is opened (its replay, from the sessions window).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from app.logs import setup_logging
from app.session.schema import SUFFIXES

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from ui.replay.file_opens import FileOpens
    from ui.replay.sessions import SessionsWindow

log = logging.getLogger(__name__)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="livedesk replay",
        description="Open a recorded session's replay (复盘), or the list of recorded sessions.",
    )
    p.add_argument(
        "session_file",
        type=Path,
        nargs="?",
        default=None,
        help="a session file (" + ", ".join("*" + s for s in SUFFIXES) + ")",
    )
    p.add_argument("--lang", choices=("zh_CN", "en"), default=None, help="UI language")
    return p


def open_windows(session_file: Path | None) -> SessionsWindow:
    """The sessions window (shown), and the file's replay opened from it: returns the window.
    Needs a QApplication and a running qasync loop."""
    from app.settings import load_settings
    from ui.replay.sessions import SessionsWindow

    directory = session_file.resolve().parent if session_file is not None else None
    # the score's weights and targets as saved (re-read at each refresh: a console's edit applies)
    window = SessionsWindow(directory, review=lambda: load_settings().review)
    window.show()
    if session_file is not None:
        window.open_path(session_file.resolve())
    return window


def run(argv: Sequence[str]) -> int:
    args = parser().parse_args(list(argv))
    setup_logging()

    from app.settings import load_settings
    from ui.event_loop import QEventLoop
    from ui.qt_app import qt_application
    from ui.replay.file_opens import FileOpens

    app = qt_application(args.lang or load_settings().ui.language)  # its loop ends it (below)
    opens = FileOpens(app)
    loop = QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(_show(app, args.session_file, opens))
    return 0


async def _show(app: QApplication, session_file: Path | None, opens: FileOpens) -> None:
    """Open the windows on the running loop, and return when the last one is closed."""
    done = asyncio.get_running_loop().create_future()

    def closed() -> None:
        if not done.done():
            done.set_result(None)

    app.lastWindowClosed.connect(closed)
    window = open_windows(session_file)
    opens.attach(window)
    await done
    del window
