"""ui/coalesce.Coalescer: a refresh runs at once when quiet, at most once per interval while busy,
and the last change always shows."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject
from pytestqt.qtbot import QtBot

from ui.coalesce import Coalescer


def test_a_burst_of_changes_redraws_a_few_times_and_ends_on_the_last(qtbot: QtBot) -> None:
    owner = QObject()
    state = {"value": 0}
    shown: list[int] = []
    c = Coalescer(lambda: shown.append(state["value"]), 100, owner)

    state["value"] = 1
    c.request()
    assert shown == [1]  # quiet before: at once
    t0 = time.monotonic()
    while time.monotonic() - t0 < 0.45:  # a stock tick every ~2 ms for 0.45 s
        state["value"] += 1
        c.request()
        qtbot.wait(2)
    qtbot.wait(250)
    assert 3 <= len(shown) <= 7, shown  # ~every 100 ms, not ~200 times
    assert shown[-1] == state["value"]  # the last change is on screen
    assert shown == sorted(shown)


def test_now_runs_at_once_even_while_busy(qtbot: QtBot) -> None:
    owner = QObject()
    calls: list[str] = []
    c = Coalescer(lambda: calls.append("x"), 1000, owner)
    c.request()
    c.request()  # inside the interval: waits
    assert calls == ["x"]
    c.now()  # an explain: the operator is waiting for it
    assert calls == ["x", "x"]
