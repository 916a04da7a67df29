"""The one way to tell the operator what happened: a :class:`Notifier` carries messages
(info / warning / error) to whoever shows them, and :meth:`Notifier.run` runs an operator's
action in the background and says how it went.

Guarantees:
- every action of a panel (platform, OBS) goes through :meth:`Notifier.run`: a failure reads
  「<what>失败：<reason>」 with the reason in the UI language; an error the code did not expect is
  logged with its traceback and still said, never swallowed;
- a message for a window or panel that is gone is logged, never raised;
- :class:`OneAtATime` is the runner's busy state: its buttons are disabled while the action is
  in flight, and a second trigger (a double click, a key repeat) sends nothing;
- where a message shows (the main window's status line, the OBS panel's :class:`MessageLabel`),
  its colour is the level's (:data:`ui.theme.LEVEL_COLOURS`): the same red for errors everywhere;
- text is plain text, never HTML.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget

from app.aio import spawn
from app.obs.errors import ObsError
from app.platform.errors import PlatformError
from ui.i18n import localize, tr
from ui.theme import LEVEL_COLOURS, text_style

log = logging.getLogger(__name__)

#: errors whose message is written for the operator: said as they are, not logged as a bug
OPERATOR_ERRORS: tuple[type[Exception], ...] = (PlatformError, ObsError)


class Notifier(QObject):
    """The window's message channel: ``message(level, text)`` with level info / warning / error."""

    message = Signal(str, str)

    def info(self, text: str) -> None:
        self._say("info", text)

    def warning(self, text: str) -> None:
        self._say("warning", text)

    def error(self, text: str) -> None:
        self._say("error", text)

    def _say(self, level: str, text: str) -> None:
        try:
            self.message.emit(level, text)
        except RuntimeError:  # an action that ended after its window was closed: nobody to tell
            log.info("not shown (window closed): %s %s", level, text)

    def run(
        self,
        what: str,
        coro: Coroutine[Any, Any, Any],
        *,
        done: str | None = None,
        on_done: Callable[[], None] | None = None,
    ) -> asyncio.Task[None]:
        """Start ``coro``; on failure show "<what>失败：<reason>" (the reason in the UI language,
        :func:`app.i18n.localize`); on success show ``done`` if given and call ``on_done`` (on the
        loop; it must check that the widgets it touches still exist). Returns the task (tests
        and callers that wait for it may await it)."""

        async def _go() -> None:
            try:
                await coro
            except OPERATOR_ERRORS as exc:
                reason = localize(getattr(exc, "message", str(exc)))
                self.error(tr("{what}失败：{e}").format(what=what, e=reason))
                return
            except Exception as exc:
                log.exception("%s failed", what)
                self.error(
                    tr("{what}失败：{e}").format(what=what, e=f"{type(exc).__name__}: {exc}")
                )
                return
            if done:
                self.info(done)
            if on_done is not None:
                on_done()

        return spawn(_go(), name=f"action:{what}")


class MessageLabel(QLabel):
    """A panel's own message line: shows the latest message of a :class:`Notifier` in its
    level's colour (an error in the one error red). Plain text, word-wrapped."""

    def __init__(self, notifier: Notifier, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        notifier.message.connect(self.show_message)

    def show_message(self, level: str, text: str) -> None:
        self.setStyleSheet(text_style(LEVEL_COLOURS.get(level, ""), bold=True))
        self.setText(text)


class OneAtATime:
    """Runs an action through :meth:`Notifier.run` with its button disabled until it has finished.

    A second trigger while the first is in flight (a double click, a shortcut repeat) is ignored.
    """

    def __init__(self, notifier: Notifier, *buttons: QAbstractButton) -> None:
        self.notifier = notifier
        self.buttons = list(buttons)
        self.busy = False
        self.on_done: Callable[[], None] = lambda: None

    def run(self, what: str, coro: Coroutine[Any, Any, Any], done: str | None = None) -> bool:
        if self.busy:
            coro.close()
            return False
        self.busy = True
        for b in self.buttons:
            b.setEnabled(False)

        async def guarded() -> None:
            try:
                await coro
            finally:
                self.busy = False
                self.on_done()

        self.notifier.run(what, guarded(), done=done)
        return True
