"""Widgets that listen to long-lived objects (the room, a link tracker, OBS state) stop listening
when Qt deletes them: the room outlives windows (tests, a reopened window, shutdown order), and a
callback into a deleted widget raises "Internal C++ object already deleted"."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject


def unsubscribe_on_destroy(widget: QObject, *unsubscribes: Callable[[], None]) -> None:
    """Call every ``unsubscribe`` once when ``widget`` is destroyed. The slot holds only the
    unsubscribe functions, never the widget itself."""
    pending = list(unsubscribes)

    def gone(*_: object) -> None:
        while pending:
            pending.pop()()  # safe when already unsubscribed elsewhere (app.listeners)

    widget.destroyed.connect(gone)
