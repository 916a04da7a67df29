"""Fixtures of the Twitch tests: the stand-in (on the test's loop or in a thread) and the
``twitch`` adapter registered for this process and its children (until the environment is
reinstalled with the new entry point)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from plugins.bilibili.standin.runner import Served, serve_in_thread
from plugins.twitch.standin.server import TwitchStandIn
from tests.support.platforms import ensure_platform


def endpoints(served: Served) -> dict[str, str]:
    """The adapter's endpoint settings pointing at ``served``."""
    return {
        "eventsub_url": served.base.replace("http://", "ws://") + "/ws",
        "helix_base": served.base,
        "auth_base": served.base,
    }


def _register(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ensure_platform(
        "twitch", "plugins.twitch.adapter:TwitchFactory", tmp_path / "entry-points", monkeypatch
    )


@pytest.fixture
def twitch_registered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """For tests that start the stand-in process themselves."""
    _register(tmp_path, monkeypatch)


@pytest.fixture
def twitch_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[TwitchStandIn], Served]]:
    """Serve a :class:`TwitchStandIn` in a thread of its own (for tests that block on a process)."""
    _register(tmp_path, monkeypatch)
    with ExitStack() as stack:

        def start(standin: TwitchStandIn) -> Served:
            return stack.enter_context(serve_in_thread(standin.app()))

        yield start


@pytest.fixture
async def twitch_standin() -> AsyncIterator[Callable[[TwitchStandIn], object]]:
    """Serve a :class:`TwitchStandIn` on the test's loop; ``await start(standin)`` → Served."""
    served: list[Served] = []

    async def start(standin: TwitchStandIn) -> Served:
        s = Served(standin.app())
        await s.start()
        served.append(s)
        return s

    yield start
    for s in served:
        await s.stop()
