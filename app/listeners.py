"""The one listener list: every ``subscribe`` in the code base hands out its unsubscribe from here.

Guarantees of :class:`Listeners`:

- ``add(fn)`` returns an unsubscribe function for that one subscription; calling it again (a widget
  that unsubscribes itself and is then destroyed) does nothing. Adding the same function twice
  makes two subscriptions, each with its own unsubscribe.
- ``emit(*args)`` calls every listener in subscription order. A listener that raises is logged,
  by name, and the others are still called: one broken view never silences the recorder.
- Listeners added during an ``emit`` are called from the next one on; a listener removed during
  an ``emit`` (by itself or by an earlier listener, e.g. one that closed its widget) is not called
  after its removal.
- Iterating yields the listeners subscribed now, with the same rule for removals, for the rare
  caller that runs them itself (OBS's on-connected hooks are awaited one after the other).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Generic, ParamSpec

log = logging.getLogger(__name__)
P = ParamSpec("P")


class _Subscription(Generic[P]):
    __slots__ = ("fn", "live")

    def __init__(self, fn: Callable[P, object]) -> None:
        self.fn = fn
        self.live = True


class Listeners(Generic[P]):
    """Listeners called with ``P``'s arguments; see the module docstring for the rules."""

    __slots__ = ("_subs", "_what")

    def __init__(self, what: str = "listener") -> None:
        self._what = what  # names the list in the log when one of its listeners fails
        self._subs: list[_Subscription[P]] = []

    def add(self, fn: Callable[P, object]) -> Callable[[], None]:
        """Subscribe ``fn``; returns its unsubscribe (safe to call any number of times)."""
        sub = _Subscription(fn)
        self._subs.append(sub)

        def unsubscribe() -> None:
            if sub.live:
                sub.live = False
                self._subs.remove(sub)

        return unsubscribe

    def emit(self, *args: P.args, **kwargs: P.kwargs) -> None:
        """Call every listener; a failure is logged and the rest still run."""
        for sub in tuple(self._subs):
            if not sub.live:
                continue
            try:
                sub.fn(*args, **kwargs)
            except Exception:
                # by name, never repr(): the repr of a dead Qt widget's method raises too, and
                # this loop must survive any listener (it often runs inside a stream's task)
                log.exception("%s %s failed", self._what, _name(sub.fn))

    def __iter__(self) -> Iterator[Callable[P, object]]:
        for sub in tuple(self._subs):
            if sub.live:
                yield sub.fn

    def __len__(self) -> int:
        return len(self._subs)

    def __bool__(self) -> bool:
        return bool(self._subs)


def _name(fn: object) -> str:
    return str(getattr(fn, "__qualname__", None) or type(fn).__name__)
