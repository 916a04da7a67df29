"""UI tests run their asyncio code on a qasync loop, so Qt timers and asyncio tasks both progress
while a test awaits (as in the app, where qasync runs asyncio inside the Qt event loop)."""

from __future__ import annotations

import asyncio
import gc
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from app.live.room import LiveRoom
from app.platform.client import PlatformClient
from plugins.sandbox.adapter import SandboxAdapterFactory
from tests.support import polling
from ui.event_loop import QEventLoop


def _qasync_loop() -> asyncio.AbstractEventLoop:
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    # as ui/launch.py does: closing a window must not end the event loop under the test's feet
    app.setQuitOnLastWindowClosed(False)
    return QEventLoop(app)


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> Mapping[str, Callable[[], asyncio.AbstractEventLoop]]:
    return {"qasync": _qasync_loop}


@pytest.fixture(autouse=True)
def _collect_on_the_main_thread() -> Iterator[None]:
    """Each test runs on a qasync loop of its own, which owns a QObject with timers. Left to the
    cyclic GC, a finished test's loop (and widgets in cycles) can be freed by whichever thread
    happens to trigger a collection — a worker thread, whose QObject destructor cannot stop
    main-thread timers — and a later timer event then hits freed memory (seen as a segfault in
    QCoreApplication::notifyInternal2 a few tests later). Collect here, on the main thread."""
    gc.collect()
    yield
    gc.collect()


# --- a LiveRoom on a real sandbox server (marketing / orders / metrics panels) -----------------
@pytest.fixture
async def live_room() -> AsyncIterator[Callable[..., Awaitable[LiveRoom]]]:
    """Factory: ``room = await live_room(srv, role="host")`` — a loaded LiveRoom following ``srv``
    through the real platform client; stopped and closed at the end of the test."""
    made: list[LiveRoom] = []

    async def make(srv: Any, role: str = "host") -> LiveRoom:
        client = PlatformClient(srv.url, srv.room, srv.tokens[role], role=role)
        room = LiveRoom(client)
        made.append(room)
        room.start()
        await asyncio.wait_for(room.wait_loaded(), polling.patience(30))
        await polling.until(lambda: room.online, 30, "the event stream to connect")
        return room

    yield make
    for room in made:
        await room.stop()
        await room.adapter.close()


@pytest.fixture
async def restricted_room() -> AsyncIterator[Callable[..., Awaitable[LiveRoom]]]:
    """``await restricted_room(srv, "comments,gifts")``: a loaded LiveRoom on ``srv`` through the
    sandbox adapter offering only those capabilities (a platform such as Bilibili)."""
    made: list[LiveRoom] = []

    async def make(srv: Any, capabilities: str) -> LiveRoom:
        adapter = await SandboxAdapterFactory().open(
            {"url": srv.url, "room": srv.room, "token": srv.tokens["host"],
             "capabilities": capabilities}
        )  # fmt: skip
        room = LiveRoom(adapter)
        made.append(room)
        room.start()
        await asyncio.wait_for(room.wait_loaded(), polling.patience(30))
        await polling.until(lambda: room.online, 30, "the event stream to connect")
        return room

    yield make
    for room in made:
        await room.stop()
        await room.adapter.close()


@pytest.fixture
def until() -> Callable[..., Awaitable[None]]:
    """``await until(lambda: cond, 30, "…")``: tests/support/polling.py :func:`until`."""
    return polling.until


@pytest.fixture
def keep_signal_handlers() -> Iterator[None]:
    """For tests that run the console's ``_main`` in-process: it installs SIGINT/SIGTERM handlers
    (a clean exit on logout); pytest's own come back afterwards."""
    old = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield
    for sig, handler in old.items():
        signal.signal(sig, handler)
