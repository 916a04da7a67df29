"""app.threads.Inbox: what a worker thread posts reaches its owner on the loop thread, and only
while the owner is open and alive; a closed loop or inbox drops it without raising in the thread."""

from __future__ import annotations

import asyncio
import gc
import logging
import threading
from typing import Any

import pytest

from app.threads import Inbox, post_to_loop


class Owner:
    def __init__(self) -> None:
        self.got: list[tuple[Any, int]] = []

    def take(self, value: Any) -> None:
        self.got.append((value, threading.get_ident()))


def in_thread(fn: Any, *args: Any) -> Any:
    """Run ``fn(*args)`` on a real thread, wait for it, return its result (or raise its error)."""
    box: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            box.append(fn(*args))
        except BaseException as exc:
            errors.append(exc)

    t = threading.Thread(target=run)
    t.start()
    t.join(30)
    if errors:
        raise errors[0]
    return box[0]


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0.01)


async def test_a_thread_result_reaches_its_owner_on_the_loop_thread() -> None:
    owner = Owner()
    inbox = Inbox(owner)
    assert in_thread(inbox.post, Owner.take, 42) is True
    await settle()
    assert owner.got == [(42, threading.get_ident())]


async def test_an_owner_gone_before_delivery_gets_nothing_and_the_inbox_closes() -> None:
    owner = Owner()
    got = owner.got
    inbox = Inbox(owner)
    in_thread(inbox.post, Owner.take, 1)
    del owner
    gc.collect()
    await settle()
    assert got == []
    assert inbox.closed


async def test_a_closed_inbox_drops_what_was_posted_before_and_after() -> None:
    owner = Owner()
    inbox = Inbox(owner)
    in_thread(inbox.post, Owner.take, "queued before the close")
    inbox.close()
    assert in_thread(inbox.post, Owner.take, "after the close") is False
    await settle()
    assert owner.got == []


async def test_a_dead_owner_by_its_own_check_gets_nothing() -> None:
    owner = Owner()
    alive = [True]
    inbox = Inbox(owner, alive=lambda _o: alive[0])
    in_thread(inbox.post, Owner.take, 1)
    alive[0] = False
    await settle()
    assert owner.got == []


async def test_a_failing_delivery_is_logged_and_the_next_one_still_arrives(
    caplog: pytest.LogCaptureFixture,
) -> None:
    owner = Owner()
    inbox = Inbox(owner, name="test owner")

    def boom(_o: Owner) -> None:
        raise ValueError("boom")

    in_thread(inbox.post, boom)
    in_thread(inbox.post, Owner.take, 2)
    await settle()
    assert [v for v, _ in owner.got] == [2]
    assert any("test owner" in r.getMessage() and r.exc_info for r in caplog.records)


def test_a_closed_loop_drops_the_result_without_raising_in_the_thread(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    loop = asyncio.new_event_loop()
    owner = Owner()
    inbox = Inbox(owner, loop=loop)
    loop.close()
    assert in_thread(inbox.post, Owner.take, 1) is False
    assert in_thread(post_to_loop, loop, print, "x") is False
    assert owner.got == []
