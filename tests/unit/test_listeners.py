"""app.listeners.Listeners: the rules every subscribe in the code base relies on."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from app.listeners import Listeners
from app.platform.connection import ConnectionStatus, ConnectionTracker, LinkState


def test_a_failing_listener_is_logged_by_name_and_the_rest_still_hear(
    caplog: pytest.LogCaptureFixture,
) -> None:
    heard: list[str] = []
    ls = Listeners[[int]]("test listener")

    def broken(_v: int) -> None:
        raise RuntimeError("boom")

    ls.add(lambda v: heard.append(f"a{v}"))
    ls.add(broken)
    ls.add(lambda v: heard.append(f"c{v}"))
    with caplog.at_level(logging.ERROR, logger="app.listeners"):
        ls.emit(1)
    assert heard == ["a1", "c1"]
    [record] = caplog.records
    assert "test listener" in record.getMessage() and "broken" in record.getMessage()
    assert record.exc_info is not None and "boom" in str(record.exc_info[1])


def test_unsubscribe_twice_does_nothing_the_second_time() -> None:
    heard: list[int] = []
    ls = Listeners[[int]]()
    unsub = ls.add(heard.append)
    unsub()
    unsub()
    ls.emit(1)
    assert heard == [] and len(ls) == 0 and not ls


def test_the_same_function_twice_is_two_subscriptions_with_their_own_unsubscribe() -> None:
    heard: list[int] = []
    ls = Listeners[[int]]()
    first = ls.add(heard.append)
    ls.add(heard.append)
    ls.emit(1)
    first()
    first()  # must not take the second subscription away
    ls.emit(2)
    assert heard == [1, 1, 2]


def test_a_listener_removed_during_dispatch_is_not_called_after_its_removal() -> None:
    heard: list[str] = []
    ls = Listeners[[str]]()
    unsubs: dict[str, Callable[[], None]] = {}

    def closes_b(v: str) -> None:
        heard.append("a" + v)
        unsubs["b"]()  # e.g. a listener that closes another's widget

    def b(v: str) -> None:
        heard.append("b" + v)

    def removes_itself(v: str) -> None:
        heard.append("c" + v)
        unsubs["c"]()

    ls.add(closes_b)
    unsubs["b"] = ls.add(b)
    unsubs["c"] = ls.add(removes_itself)
    ls.add(lambda v: heard.append("d" + v))
    ls.emit("1")
    ls.emit("2")
    assert heard == ["a1", "c1", "d1", "a2", "d2"]


def test_a_listener_added_during_dispatch_hears_from_the_next_emit_on() -> None:
    heard: list[str] = []
    ls = Listeners[[str]]()

    def adds(v: str) -> None:
        heard.append("a" + v)
        if v == "1":
            ls.add(lambda w: heard.append("new" + w))

    ls.add(adds)
    ls.emit("1")
    ls.emit("2")
    assert heard == ["a1", "a2", "new2"]


def test_iteration_skips_what_is_removed_meanwhile() -> None:
    calls: list[str] = []
    ls = Listeners[[]]()
    un_first = ls.add(lambda: calls.append("x"))
    un_second = ls.add(lambda: calls.append("y"))
    for fn in ls:
        fn()
        un_second()
    assert calls == ["x"]
    un_first()
    assert list(ls) == []


def test_link_state_listeners_survive_a_broken_one() -> None:
    """The link tracker is the first user that let one bad listener stop the rest."""
    tracker = ConnectionTracker()
    seen: list[LinkState] = []

    def broken(_s: ConnectionStatus) -> None:
        raise RuntimeError("a deleted widget")

    unsub = tracker.subscribe(broken)
    tracker.subscribe(lambda s: seen.append(s.state))
    tracker.set_state(LinkState.CONNECTED)
    unsub()
    unsub()
    tracker.set_state(LinkState.OFFLINE, error="gone")
    assert seen == [LinkState.CONNECTED, LinkState.OFFLINE]
