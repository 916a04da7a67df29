"""The ``sandbox`` platform as the console opens it: found by name, started as a child, stopped."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from app.platform.client import PlatformClient
from app.platform.connection import LinkState
from app.platform.registry import platform_factories, platform_factory
from tests.support.processes import spawn, stop


def test_the_sandbox_platform_is_registered_with_a_chinese_title() -> None:
    factories = platform_factories()
    assert "sandbox" in factories
    assert factories["sandbox"].title == "沙盒平台 (Sandbox)"
    assert platform_factory("sandbox").name == "sandbox"


async def test_open_starts_a_local_sandbox_and_close_stops_it(tmp_path: Path) -> None:
    factory = platform_factory("sandbox")
    db = tmp_path / "data" / "sandbox.db"
    adapter = await factory.open(
        {
            "db": str(db),
            "role": "assistant",
            "args": ["--live", "--viewers", "50", "--rate", "200"],
        }
    )
    child = adapter.child  # type: ignore[attr-defined]
    try:
        assert isinstance(adapter, PlatformClient) and adapter.role == "assistant"
        assert db.exists()
        snap = await adapter.snapshot()
        assert snap.session is not None and snap.session.status == "live"  # asked with --live
        got: list[int] = []

        async def read() -> None:
            async for batch in adapter.event_batches(snap.seq):
                got.extend(e.seq for e in batch)
                assert adapter.connection.status.state is LinkState.CONNECTED
                if len(got) >= 20:
                    return

        await asyncio.wait_for(read(), 30)
        assert got == list(range(snap.seq + 1, snap.seq + 1 + len(got)))
    finally:
        await adapter.close()
    assert child.proc.returncode is not None, "the sandbox child must be stopped on close"
    assert adapter.connection.status.state is LinkState.OFFLINE


async def test_the_built_in_sandbox_starts_off_air_on_loopback(tmp_path: Path) -> None:
    """A rehearsal room waits for 开播: no session starts by itself, and nothing but this
    machine can connect unless the LAN setting asks for it."""
    adapter = await platform_factory("sandbox").open(
        {"db": str(tmp_path / "sandbox.db"), "args": ["--viewers", "20"]}
    )
    child = adapter.child  # type: ignore[attr-defined]
    try:
        snap = await adapter.snapshot()
        assert snap.session is None or snap.session.status != "live"
        assert child.info["listen"] == "127.0.0.1"
        assert child.url.startswith("http://127.0.0.1:")
        info = await adapter.room_info()  # type: ignore[attr-defined]
        assert info.simulated is True
    finally:
        await adapter.close()


async def test_open_with_a_url_connects_to_a_running_platform(sandbox_server: Any) -> None:
    srv = sandbox_server()
    adapter = await platform_factory("sandbox").open(
        {"url": srv.url, "room": srv.room, "token": srv.tokens["reviewer"], "role": "reviewer"}
    )
    try:
        assert (await adapter.snapshot()).room == srv.room
    finally:
        await adapter.close()


CONSOLE = """
import asyncio, sys
from plugins.sandbox.adapter import SandboxAdapterFactory

async def main():
    adapter = await SandboxAdapterFactory().open({"db": sys.argv[1], "args": ["--viewers", "0"]})
    print(adapter.child.proc.pid, flush=True)
    await asyncio.sleep(3600)

asyncio.run(main())
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is gone for our purposes (its parent, the killed console, cannot reap it)
    with contextlib.suppress(OSError):
        if Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z":
            return False
    return True


def test_a_killed_console_does_not_leave_its_sandbox_running(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    console = spawn(
        [sys.executable, "-c", CONSOLE, str(tmp_path / "sandbox.db")],
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    # after the checks: nothing of its process group outlives the test
    request.addfinalizer(lambda: stop(console, signal.SIGKILL))
    try:
        assert console.stdout is not None
        child = int(console.stdout.readline())  # the pytest timeout guards a hang
        assert _alive(child)
        console.kill()  # no close(), no cleanup: the way a crash ends a console
        console.wait(10)
        deadline = time.monotonic() + 30
        while _alive(child):
            assert time.monotonic() < deadline, "the sandbox outlived the console"
            time.sleep(0.1)
    finally:
        if console.poll() is None:
            console.kill()
            console.wait(10)


async def test_a_killed_sandbox_child_comes_back_on_its_port_and_db_and_the_stream_resumes(
    tmp_path: Path,
) -> None:
    """The built-in platform dies under a console that started it: the adapter starts it again on
    the same port with the same database (the session stays live: no --live on a restart), and
    the event stream picks up after the last seq it saw, with no gap and no repeat."""
    db = tmp_path / "sandbox.db"
    adapter = await platform_factory("sandbox").open(
        {"db": str(db), "args": ["--viewers", "0", "--live"]}  # a show on: it must stay on
    )
    first = adapter.child  # type: ignore[attr-defined]
    seqs: list[int] = []
    snap = await adapter.snapshot()

    async def read() -> None:
        async for batch in adapter.event_batches(snap.seq):
            seqs.extend(e.seq for e in batch)

    reader = asyncio.ensure_future(read())
    try:
        await _poll(lambda: adapter.connection.status.state is LinkState.CONNECTED)
        os.kill(first.proc.pid, 9)
        await _poll(lambda: adapter.connection.status.state is not LinkState.CONNECTED)
        await _poll(lambda: adapter.connection.status.state is LinkState.CONNECTED, 60)
        second = adapter.child  # type: ignore[attr-defined]
        assert second is not first and second.url == first.url and second.room == first.room
        assert first.proc.returncode == -9 and second.proc.returncode is None
        after = await adapter.snapshot()
        assert after.session is not None and after.session.id == snap.session.id  # type: ignore[union-attr]
        assert after.session.status == "live"
        await adapter.send_comment("重启之后")  # a new event on the restarted platform
        await _poll(lambda: bool(seqs) and seqs[-1] >= after.seq + 1)
        assert seqs == list(range(snap.seq + 1, snap.seq + 1 + len(seqs)))
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader
        await adapter.close()
    assert adapter.child.proc.returncode is not None  # type: ignore[attr-defined]


async def _poll(check: Any, within: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not check():
        assert loop.time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.05)


async def test_a_sandbox_that_cannot_come_back_is_given_up_and_reconnect_now_tries_again(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """Its port taken by someone else, the killed sandbox cannot start again: after a few tries
    the adapter gives up and says so (the banner's note); once the port is free, the operator's
    重连 (``reconnect_now``) starts it again on that port."""
    import socket

    import plugins.sandbox.adapter as sandbox
    from app.platform.connection import RecoveryStep

    monkeypatch.setattr(sandbox, "RESTART_DELAYS", (1.0,))
    monkeypatch.setattr(sandbox, "RESTART_LIMIT", 2)
    adapter = await platform_factory("sandbox").open(
        {"db": str(tmp_path / "sandbox.db"), "args": ["--viewers", "0"]}
    )
    first = adapter.child  # type: ignore[attr-defined]
    reader = asyncio.ensure_future(_drain(adapter))
    squatter = socket.socket()
    try:
        await _poll(lambda: adapter.connection.status.state is LinkState.CONNECTED)
        os.kill(first.proc.pid, 9)
        await asyncio.wait_for(first.proc.wait(), 10)
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", first.port))  # before the supervisor's restart (1 s on)
        squatter.listen()

        def gave_up() -> bool:
            rec = adapter.connection.status.recovery
            return rec is not None and rec.step is RecoveryStep.GAVE_UP

        await _poll(gave_up, 90)
        assert adapter.connection.status.state is not LinkState.CONNECTED
        assert adapter.restarts == 0  # type: ignore[attr-defined]
        squatter.close()
        assert adapter.reconnect_now()
        await _poll(lambda: adapter.connection.status.state is LinkState.CONNECTED, 60)
        assert adapter.child.url == first.url  # type: ignore[attr-defined]
        assert adapter.connection.status.recovery is None
    finally:
        squatter.close()
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader
        await adapter.close()


async def _drain(adapter: Any) -> None:
    async for _batch in adapter.event_batches(0):
        pass
