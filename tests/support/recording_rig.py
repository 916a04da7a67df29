"""A host console recording a real sandbox room, for tests that replay what it recorded."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from app.live.room import LiveRoom
from app.platform.client import PlatformClient
from app.session.recorder import SessionRecorder
from tests.support.polling import until


@asynccontextmanager
async def recording_host(
    srv: Any, directory: Path
) -> AsyncIterator[tuple[LiveRoom, SessionRecorder]]:
    """A host LiveRoom on ``srv`` with its recorder writing to ``directory``, its event stream up;
    recorder, room and client stopped on the way out (the recorder first: every file closed)."""
    client = PlatformClient(srv.url, srv.room, srv.tokens["host"], role="host")
    room = LiveRoom(client)
    rec = SessionRecorder(room, directory)
    room.start()
    await room.wait_loaded()
    rec.start()
    try:
        await until(lambda: room.online, 20, "the event stream")
        yield room, rec
    finally:
        await rec.stop()
        await room.stop()
        await client.close()
