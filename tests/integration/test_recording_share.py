"""Sharing recorded sessions through the platform (real sandbox server): an assistant uploads a
session recorded from the room; the reviewer lists it, downloads it and replays the same totals;
the reviewer cannot upload."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from polling import until

from app.live.room import LiveRoom
from app.platform.client import PlatformClient
from app.platform.errors import PlatformError
from app.session.recorder import SessionRecorder
from app.session.replay import SessionFile
from app.session.share import SessionShare

pytestmark = pytest.mark.slow


async def test_reviewer_lists_and_downloads_a_shared_session(
    sandbox_server: Callable[..., Any], tmp_path: Path
) -> None:
    srv = sandbox_server(viewers=200, seed=4, live=True, extra=["--rate", "200"])
    client = PlatformClient(srv.url, srv.room, srv.tokens["assistant"], role="assistant")
    room = LiveRoom(client)
    rec = SessionRecorder(room, tmp_path / "mine")
    room.start()
    await room.wait_loaded()
    rec.start()
    try:
        await until(lambda: rec.recording and room.metrics.orders > 0, 30, "orders recorded")
        await asyncio.sleep(2)
        path = rec.path
        assert path is not None
        # shared while still recording: a consistent snapshot is uploaded
        info = await SessionShare(srv.url, srv.room, srv.tokens["assistant"]).upload(path)
    finally:
        await rec.stop()
        await room.stop()
        await client.close()
    assert info["name"] == path.name and info["uploaded_by"] == "assistant"

    reviewer = SessionShare(srv.url, srv.room, srv.tokens["reviewer"])
    listed = await reviewer.list()
    assert [i["name"] for i in listed] == [path.name]
    got = await reviewer.download(path.name, tmp_path / "reviewer")
    with SessionFile(got) as f:
        shared = f.summary()
    assert shared.orders > 0 and shared.session_id == SessionFile(path).session_id
    assert shared.last_seq <= SessionFile(path).summary().last_seq

    with pytest.raises(PlatformError) as err:
        await reviewer.upload(got)
    assert err.value.status == 403
