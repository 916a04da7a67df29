"""Worker thread → owner hand-offs, safe by construction: the one way a thread's result comes back.

The rule (docs/architecture.md, "Threads"): a worker thread never touches a Qt object and never
holds a reference to one — not the widget that started it, not a per-widget signal bridge. It
takes plain data in and hands results out through an :class:`Inbox` that its owner made:

- ``inbox.post(fn, *args)`` may be called from any thread. It schedules ``fn(owner, *args)`` on
  the owner's thread: with ``loop.call_soon_threadsafe`` on the asyncio loop that was running when
  the inbox was made (qasync's, in the console), or, where no asyncio loop runs (a plain Qt event
  loop, e.g. a widget test), through one process-wide relay QObject that lives as long as the
  process. Either way, the only thing a thread emits on is an object that outlives every thread.
  A closed loop drops the result (``post`` returns False) instead of raising in the thread.
- On the owner's thread the delivery first checks that the inbox is still open and that the owner
  is still alive (a weak reference, and for a QObject ``shiboken6.isValid``); otherwise the result
  is dropped silently. The owner is never reached through the thread, so a thread that outlives
  its widget has nothing left to touch.
- The owner closes the inbox when it closes or is destroyed (:meth:`Inbox.for_qobject` closes it
  on ``destroyed`` by itself); results that arrive later are dropped.

A thread must therefore be given a module-level function or a closure over plain data plus the
inbox — never a bound method of a widget (that would hold the widget from the thread).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import weakref
from collections.abc import Callable
from typing import Any, Generic, TypeVar

log = logging.getLogger(__name__)

O = TypeVar("O")  # noqa: E741 — the owner


def post_to_loop(loop: asyncio.AbstractEventLoop, fn: Callable[..., object], *args: Any) -> bool:
    """From any thread: run ``fn(*args)`` on ``loop`` soon. False (and nothing runs) when the loop
    is closed — at exit, or a test's loop that ended while the thread still ran."""
    if loop.is_closed():
        return False
    try:
        loop.call_soon_threadsafe(fn, *args)
    except RuntimeError:  # closed between the check and the call
        return False
    return True


class Inbox(Generic[O]):
    """Where worker threads post results for ``owner``; delivered on the owner's thread, only
    while the owner is open and alive. Make it on the owner's thread (the UI/loop thread)."""

    def __init__(
        self,
        owner: O,
        *,
        alive: Callable[[O], bool] | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
        name: str = "",
    ) -> None:
        self.name = name or type(owner).__name__
        self._owner = weakref.ref(owner)
        self._alive = alive
        self._closed = threading.Event()
        if loop is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                loop = None
        self._loop = loop
        self._relay = None if loop is not None else _qt_relay()

    @classmethod
    def for_qobject(cls, owner: Any, *, name: str = "") -> Inbox[Any]:
        """An inbox for a QObject (a widget): delivery checks ``shiboken6.isValid(owner)``, and the
        inbox closes itself when Qt destroys the owner (the slot holds the inbox, not the owner)."""
        import shiboken6

        inbox: Inbox[Any] = cls(owner, alive=shiboken6.isValid, name=name)
        owner.destroyed.connect(inbox._destroyed)
        return inbox

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def close(self) -> None:
        """Stop delivering: whatever threads post from now on is dropped (owner's thread)."""
        self._closed.set()

    def _destroyed(self, *_: object) -> None:
        self._closed.set()

    def post(self, fn: Callable[..., object], *args: Any) -> bool:
        """From any thread: call ``fn(owner, *args)`` on the owner's thread if the owner is still
        there by then. False when it can no longer be delivered (inbox closed, loop closed)."""
        if self._closed.is_set():
            return False
        if self._loop is not None:
            return post_to_loop(self._loop, self._deliver, fn, args)
        assert self._relay is not None
        self._relay.call.emit((self._deliver, fn, args))
        return True

    def _deliver(self, fn: Callable[..., object], args: tuple[Any, ...]) -> None:
        if self._closed.is_set():
            return
        owner = self._owner()
        if owner is None or (self._alive is not None and not self._alive(owner)):
            self._closed.set()
            return
        try:
            fn(owner, *args)
        except Exception:
            log.exception("%s: handing a worker thread's result over failed", self.name)


# --- where no asyncio loop runs: one relay QObject for the process ----------------------------
_relay: Any = None
_relay_lock = threading.Lock()


def _qt_relay() -> Any:
    """The process-wide relay (made on first use, on the calling — the GUI — thread; never
    deleted): a thread emits ``call`` on it, Qt queues the call to the GUI thread."""
    global _relay
    with _relay_lock:
        if _relay is None:
            from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal, Slot

            app = QCoreApplication.instance()
            if app is None:
                raise RuntimeError("Inbox: no asyncio loop runs and there is no Qt application")

            class _Relay(QObject):
                call = Signal(object)

                @Slot(object)
                def run(self, item: tuple[Callable[..., None], Any, Any]) -> None:
                    deliver, fn, args = item
                    deliver(fn, args)

            relay = _Relay()
            relay.moveToThread(app.thread())
            relay.call.connect(relay.run, Qt.ConnectionType.QueuedConnection)
            _relay = relay
        return _relay


__all__ = ["Inbox", "post_to_loop"]
