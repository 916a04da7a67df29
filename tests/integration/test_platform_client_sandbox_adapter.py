"""The ``sandbox`` platform as the console opens it: found by name, started as a child, stopped."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from app.platform.client import PlatformClient
from app.platform.connection import LinkState
from app.platform.registry import platform_factories, platform_factory


def test_the_sandbox_platform_is_registered_with_a_chinese_title() -> None:
    factories = platform_factories()
    assert "sandbox" in factories
    assert factories["sandbox"].title == "沙盒平台 (Sandbox)"
    assert platform_factory("sandbox").name == "sandbox"


async def test_open_starts_a_local_sandbox_and_close_stops_it(tmp_path: Path) -> None:
    factory = platform_factory("sandbox")
    db = tmp_path / "data" / "sandbox.db"
    adapter = await factory.open(
        {"db": str(db), "role": "assistant", "args": ["--viewers", "50", "--rate", "200"]}
    )
    child = adapter.child  # type: ignore[attr-defined]
    try:
        assert isinstance(adapter, PlatformClient) and adapter.role == "assistant"
        assert db.exists()
        snap = await adapter.snapshot()
        assert snap.session is not None and snap.session.status == "live"  # started with --live
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


async def test_open_with_a_url_connects_to_a_running_platform(sandbox_server: Any) -> None:
    srv = sandbox_server()
    adapter = await platform_factory("sandbox").open(
        {"url": srv.url, "room": srv.room, "token": srv.tokens["reviewer"], "role": "reviewer"}
    )
    try:
        assert (await adapter.snapshot()).room == srv.room
    finally:
        await adapter.close()
