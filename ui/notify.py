"""Run an operator's action in the background and say clearly what happened if it failed."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.aio import spawn
from app.platform.errors import PlatformError
from ui.i18n import localize, tr

log = logging.getLogger(__name__)


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
    ) -> None:
        """Start ``coro``; on failure show "<what>失败：<reason>" (the reason in the UI language,
        :func:`app.i18n.localize`); on success show ``done`` if given and call ``on_done`` (on the
        loop; it must check that the widgets it touches still exist)."""

        async def _go() -> None:
            try:
                await coro
            except PlatformError as exc:
                self.error(tr("{what}失败：{e}").format(what=what, e=localize(exc.message)))
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

        spawn(_go(), name=f"action:{what}")
