"""Only the host's console writes the stream target into its OBS (issue 13, D4): a reviewer's (and
an assistant's) console on the same live room leaves OBS's stream settings alone — it has no key
to write; the host's console writes the URL and the key it fetched on its host-only route."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from app.live.room import LiveRoom
from app.obs.connection import ObsConnection
from app.obs.outputs import Outputs
from app.obs.stream_target import StreamTargetSync
from app.platform.client import PlatformClient
from tests.support.polling import until

pytestmark = pytest.mark.obs

BEFORE = ("rtmp://127.0.0.1:1/nowhere", "set-by-the-test")


async def test_only_the_hosts_console_writes_the_stream_key_into_obs(
    obs: ObsConnection, sandbox_server: Callable[..., Any]
) -> None:
    srv = sandbox_server()
    outputs = Outputs(obs)
    await outputs.set_stream_target(*BEFORE)  # a known state, whatever ran before
    clients = {
        role: PlatformClient(srv.url, srv.room, srv.tokens[role], role=role)
        for role in ("host", "assistant", "reviewer")
    }
    rooms = {role: LiveRoom(c) for role, c in clients.items()}
    try:
        for room in rooms.values():
            room.start()
            await room.wait_loaded()
        syncs = {
            role: StreamTargetSync(room, outputs, obs.on_connected)
            for role, room in rooms.items()
            if role != "host"
        }
        session = await rooms["host"].start_session()
        for role in syncs:
            await until(lambda r=role: rooms[r].session is not None, within=20)  # type: ignore[misc]
            await syncs[role].apply()  # what a session change makes it do, awaited here
            assert syncs[role].applied is None and syncs[role].error is None
            assert await outputs.stream_target() == BEFORE, f"the {role} wrote a target"

        host = StreamTargetSync(rooms["host"], outputs, obs.on_connected)
        await host.apply()
        target = await clients["host"].stream_target(session.id)
        assert await outputs.stream_target() == (
            target.rtmp_url,
            target.stream_key.get_secret_value(),
        )
        assert host.applied == (target.rtmp_url, session.id)
    finally:
        await outputs.set_stream_target(*BEFORE)  # no key left in the shared OBS
        for room in rooms.values():
            await room.stop()
        for c in clients.values():
            await c.close()
