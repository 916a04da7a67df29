"""Fixtures of the Bilibili tests: the web stand-in (in a thread or on the test's loop) and the
``bilibili-web`` adapter registered for this process and its children."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from plugins.bilibili.standin.runner import Served, serve_in_thread
from plugins.bilibili.standin.web import WebStandIn
from tests.support.platforms import ensure_platform


def _register(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ensure_platform(
        "bilibili-web",
        "plugins.bilibili.web_adapter:BilibiliWebAdapterFactory",
        tmp_path / "entry-points",
        monkeypatch,
    )


@pytest.fixture
def bilibili_web_registered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """For tests that start the stand-in process themselves."""
    _register(tmp_path, monkeypatch)


@pytest.fixture
def web_standin_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[WebStandIn], Served]]:
    """Serve a :class:`WebStandIn` in a thread of its own (for tests that block on a process)."""
    _register(tmp_path, monkeypatch)
    with ExitStack() as stack:

        def start(standin: WebStandIn) -> Served:
            return stack.enter_context(serve_in_thread(standin.app()))

        yield start


@pytest.fixture
async def web_standin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Callable[[WebStandIn], object]]:
    """Serve a :class:`WebStandIn` on the test's loop; ``await start(standin)`` → Served."""
    _register(tmp_path, monkeypatch)
    served: list[Served] = []

    async def start(standin: WebStandIn) -> Served:
        s = Served(standin.app())
        await s.start()
        served.append(s)
        return s

    yield start
    for s in served:
        await s.stop()
