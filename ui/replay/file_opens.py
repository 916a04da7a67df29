"""Files the desktop asks a running LiveDesk to open, as events rather than arguments.

macOS (Finder, ``open x.livedesk``) hands a document to the app as a ``QFileOpenEvent``, never in
``argv``. :class:`FileOpens`, an application-wide event filter, opens each such local file in the
sessions window the way ``livedesk replay FILE`` opens a file named on its command line (checked
in a worker thread, its replay window, or the reason it cannot be read said in the window). A file
that arrives before the window exists (the event of the launch itself) waits for it; a URL that is
not a local file is left to Qt. Other platforms never send the event: nothing changes there.

Both ``livedesk replay`` (its sessions window) and the console (its 复盘 panel, re-attached to each
new window after a platform switch) install it: Finder starts the app itself for a double-clicked
recording when LiveDesk is not running. A file sent while a console's window is being replaced
waits for the next one.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QFileOpenEvent

if TYPE_CHECKING:
    from ui.replay.sessions import SessionsWindow


class FileOpens(QObject):
    """The files the desktop asks to open, each opened in :attr:`window` (see the module)."""

    def __init__(self, app: QObject) -> None:
        super().__init__(app)
        self.window: SessionsWindow | None = None
        self.pending: list[Path] = []  # arrived before the window was made
        app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.FileOpen or not isinstance(event, QFileOpenEvent):
            return False
        text = event.file()
        if not text:
            return False
        path = Path(text).resolve()
        if self.window is None or not shiboken6.isValid(self.window):  # (a window being replaced)
            self.window = None
            self.pending.append(path)
        else:
            self.window.open_path(path)
        return True

    def attach(self, window: SessionsWindow) -> None:
        """Open the files that arrived before ``window``, and the next ones in it."""
        self.window = window
        for path in self.pending:
            window.open_path(path)
        self.pending.clear()
