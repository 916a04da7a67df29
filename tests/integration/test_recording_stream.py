"""The recorder rides on the console's own event stream (the real sandbox server, a subprocess).

What an operator would notice: one connection to the platform, not two — so the link indicator
only moves when that connection does; the recording holds exactly the events the console showed,
the same seqs in the same order, across a platform crash and reconnect; and a console that joins a
session already under way records it from its start without the indicator flickering.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import websockets

from app.live.room import LiveRoom
from app.platform import models as m
from app.platform.client import PlatformClient
from app.platform.connection import ConnectionStatus, LinkState
from app.platform.stream import StreamConfig
from app.session.recorder import SessionRecorder
from app.session.replay import SessionFile
from tests.support.polling import until
from tests.support.ports import free_port

pytestmark = pytest.mark.slow
FAST = StreamConfig(heartbeat_timeout=5.0, backoff_base=0.05, backoff_cap=0.5, open_timeout=3.0)


async def platform_log(srv: Any, upto: int) -> list[dict[str, Any]]:
    """The room's event log from seq 1 to ``upto``, read straight off the server's stream."""
    out: list[dict[str, Any]] = []
    async with websockets.connect(srv.events_url(0, srv.tokens["reviewer"]), max_size=2**24) as ws:
        while not out or out[-1]["seq"] < upto:
            ev = orjson.loads(await asyncio.wait_for(ws.recv(), 30))
            if ev.get("seq"):
                out.append(ev)
    return [e for e in out if e["seq"] <= upto]


class Console:
    """A console on one room: PlatformClient → LiveRoom → SessionRecorder, as ui/launch.py builds
    it, with a count of the event streams the client opens and a log of its link states."""

    def __init__(self, srv: Any, directory: Path) -> None:
        self.client = PlatformClient(
            srv.url, srv.room, srv.tokens["host"], role="host", stream_config=FAST
        )
        self.live_streams: list[int] = []  # after_seq of every event_batches() call
        self.log_reads: list[int] = []  # after_seq of every event_log() call
        live, log_reader = self.client.event_batches, self.client.event_log

        def event_batches(after: int) -> AsyncIterator[list[m.Event]]:
            self.live_streams.append(after)
            return live(after)

        def event_log(after: int) -> AsyncIterator[list[m.Event]]:
            self.log_reads.append(after)
            return log_reader(after)

        self.client.event_batches = event_batches  # type: ignore[method-assign, assignment]
        self.client.event_log = event_log  # type: ignore[method-assign, assignment]
        self.links: list[LinkState] = []
        self.client.connection.subscribe(self._link)
        self.room = LiveRoom(self.client)
        self.shown: list[int] = []  # every seq the console's panels were handed
        self.room.subscribe_events(lambda batch: self.shown.extend(e.seq for e in batch))
        self.recorder = SessionRecorder(self.room, directory)

    def _link(self, status: ConnectionStatus) -> None:
        if not self.links or self.links[-1] is not status.state:
            self.links.append(status.state)

    async def start(self) -> None:
        self.room.start()
        self.recorder.start()  # as ui/launch.py: start_recording(room) right after room.start()
        await until(lambda: self.room.online, 30, "the event stream")

    async def close(self) -> None:
        await self.room.stop()  # first: no event is shown after the recorder has stopped
        await self.recorder.stop()
        await self.client.close()


async def test_recorder_and_console_share_one_stream_and_see_the_same_seqs(
    sandbox_server: Callable[..., Any], tmp_path: Path
) -> None:
    port = free_port()
    srv = sandbox_server(viewers=300, seed=8, extra=["--rate", "600", "--port", str(port)])
    con = Console(srv, tmp_path / "sessions")
    await con.start()
    try:
        await con.room.start_session()
        await until(lambda: con.recorder.recording, 20, "the session file")
        await until(lambda: con.room.metrics.orders >= 1, 30, "an order")
        await con.room.explain(con.room.product_ids[0])
        await asyncio.sleep(3)
        # the platform crashes and comes back on the same port: the one stream resumes
        srv.restart(kill=True)
        assert srv.url.endswith(f":{port}")
        await until(lambda: con.client.stream.reconnects >= 1, 30, "the stream to reconnect")
        await until(lambda: con.room.online, 30, "the link to come back")
        seq_back = srv.last_seq()
        await until(lambda: con.room.seq > seq_back + 200, 30, "live events after the reconnect")
        await con.room.end_session()
        await until(lambda: not con.recorder.recording, 20, "the file to close")
        await asyncio.sleep(0.5)
    finally:
        await con.close()

    # one event stream for the console and the recorder; no log reads (no gap ever opened)
    assert con.live_streams == [con.live_streams[0]]
    assert con.log_reads == [] and con.recorder.filled == 0
    # the link indicator moved only with that stream: up, down with the crash, up again
    assert con.links[-1] is LinkState.OFFLINE  # closed at the end
    assert LinkState.RECONNECTING in con.links
    assert con.links.count(LinkState.CONNECTED) == 2, con.links

    [path] = con.recorder.files
    with SessionFile(path) as f:
        recorded = f.event_seqs()
        ended = f.summary().ended_ts
    assert ended is not None
    first, last = recorded[0], recorded[-1]
    # the recording is exactly what the console was shown over the session, in order
    assert recorded == [s for s in con.shown if first <= s <= last]
    assert recorded == list(range(first, last + 1))  # nothing lost across the reconnect
    # and that is the platform's log of the session, from session_started to session_ended
    log = await platform_log(srv, last)
    started = max(e["seq"] for e in log if e["type"] == "session_started")
    assert first == started and log[-1]["type"] == "session_ended"
    assert recorded == [e["seq"] for e in log if e["seq"] >= started]


async def test_a_console_joining_mid_session_fills_from_the_log_without_moving_the_link(
    sandbox_server: Callable[..., Any], tmp_path: Path
) -> None:
    srv = sandbox_server(viewers=300, seed=9, live=True, extra=["--rate", "600"])
    await asyncio.sleep(3)  # the session has been going for a while before the console opens
    con = Console(srv, tmp_path / "sessions")
    await con.start()
    try:
        await until(lambda: con.recorder.recording, 20, "the session file")
        await until(lambda: not con.recorder.filling, 60, "the gap to be filled")
        await asyncio.sleep(2)
    finally:
        await con.close()
    assert con.recorder.filled > 100
    # one live stream (the room's); the gap came from one log read, which did not touch the
    # operator's link indicator: it went connecting → connected and stayed there until closed
    assert len(con.live_streams) == 1 and len(con.log_reads) == 1
    assert con.links == [LinkState.CONNECTING, LinkState.CONNECTED, LinkState.OFFLINE]

    [path] = con.recorder.files
    with SessionFile(path) as f:
        recorded = f.event_seqs()
    log = await platform_log(srv, recorded[-1])
    started = max(e["seq"] for e in log if e["type"] == "session_started")
    # from the session's first event, everything, once, in order: the log's part + the feed's
    assert recorded == list(range(started, recorded[-1] + 1))
    fed = [s for s in con.shown if s >= started]
    assert fed and recorded[-len(fed) :] == fed


async def test_events_the_room_skips_on_a_resync_are_taken_from_the_log(
    sandbox_server: Callable[..., Any], tmp_path: Path
) -> None:
    srv = sandbox_server(
        viewers=100, seed=10, live=True, debug_routes=True, extra=["--rate", "200"]
    )
    con = Console(srv, tmp_path / "sessions")
    await con.start()
    try:
        await until(lambda: con.recorder.recording, 20, "the session file")
        await until(lambda: not con.recorder.filling, 60, "the start of the session filled")
        await asyncio.sleep(1)
        before = con.room.seq
        # 1,500 comments land in the log, and the platform tells the console to resync before it
        # has read them: the room reloads its snapshot (past them) and never delivers them
        comments = [
            {
                "type": "comment",
                "data": {
                    "comment": {"id": f"x{i}", "user_id": f"u{i}", "nickname": "补", "text": f"{i}"}
                },
            }
            for i in range(1500)
        ]
        resync = {"seq": 0, "ts": time.time(), "type": "resync_required"}
        resync["data"] = {"reason": "test", "last_seq": before + 1500}
        async with httpx.AsyncClient(timeout=30) as http:
            # at most 1,000 events a request (the route's bound): two requests, then the resync
            r = await http.post(
                srv.api("/_debug/raw-events"),
                json={"events": comments[:750]},
                headers=srv.headers("host"),
            )
            r.raise_for_status()
            first = r.json()["seqs"]
            r = await http.post(
                srv.api("/_debug/raw-events"),
                json={"events": comments[750:], "raw_messages": [orjson.dumps(resync).decode()]},
                headers=srv.headers("host"),
            )
            r.raise_for_status()
            seqs = first + r.json()["seqs"]
        await until(lambda: con.room.seq > seqs[-1] + 50, 30, "the room to go on after the resync")
        await until(lambda: not con.recorder.filling, 60, "the skipped events to be filled")
        await asyncio.sleep(1)
    finally:
        await con.close()
    skipped = set(seqs) - set(con.shown)
    assert len(skipped) >= 700, "the room was meant to skip the injected comments"
    assert len(con.log_reads) == 2  # the session's start, then the resync's gap

    [path] = con.recorder.files
    with SessionFile(path) as f:
        recorded = f.event_seqs()
        texts = {text for text, _ in f.comment_texts()}
    assert skipped <= set(recorded)
    assert recorded == list(range(recorded[0], recorded[-1] + 1))
    assert {"0", "777", "1499"} <= texts


async def test_a_session_that_ended_while_the_room_was_away_is_completed_and_closed(
    sandbox_server: Callable[..., Any], tmp_path: Path
) -> None:
    srv = sandbox_server(viewers=200, seed=12, extra=["--rate", "300"])
    con = Console(srv, tmp_path / "sessions")
    await con.start()
    try:
        session = await con.room.start_session()
        await until(lambda: con.recorder.recording, 20, "the session file")
        await asyncio.sleep(2)
        # the console loses the room; meanwhile the session goes on and ends (another console)
        await con.room.stop()
        await asyncio.sleep(1.5)
        async with httpx.AsyncClient(timeout=30) as http:
            r = await http.post(
                srv.api(f"/sessions/{session.id}/end"), json={}, headers=srv.headers("host")
            )
            r.raise_for_status()
        # back: the room reloads its snapshot (the session is over, its end never delivered)
        con.room.start()
        await until(lambda: not con.recorder.recording, 30, "the file to be closed")
        await until(lambda: not con.recorder.filling, 60, "the missed events to be filled")
        await asyncio.sleep(0.5)
    finally:
        await con.close()
    assert len(con.log_reads) == 1 and con.recorder.filled > 0
    [path] = con.recorder.files
    with SessionFile(path) as f:
        recorded = f.event_seqs()
        ended = f.summary().ended_ts
    log = await platform_log(srv, recorded[-1])
    started = max(e["seq"] for e in log if e["type"] == "session_started")
    assert ended is not None and log[-1]["type"] == "session_ended"
    assert recorded == [e["seq"] for e in log if e["seq"] >= started]


async def test_a_writer_far_behind_leaves_live_events_to_the_log_and_loses_none(
    sandbox_server: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A recorder whose writer falls behind a burst does not queue the stream without bound: past
    MAX_QUEUED_EVENTS the live events are read back from the platform's log once the writer has
    caught up. Here the bound is -1 for 3 s (every live batch spills, however fast the writer
    drains: with 0, a quick writer's empty queue took most batches), then back to normal."""
    import app.session.recorder as recorder_module

    srv = sandbox_server(viewers=300, seed=10, extra=["--rate", "800"])
    con = Console(srv, tmp_path / "sessions")
    await con.start()
    try:
        await con.room.start_session()
        await until(lambda: con.recorder.recording, 20, "the session file")
        await asyncio.sleep(1)
        monkeypatch.setattr(recorder_module, "MAX_QUEUED_EVENTS", -1)
        await asyncio.sleep(3)
        monkeypatch.setattr(recorder_module, "MAX_QUEUED_EVENTS", 50_000)
        await asyncio.sleep(1)
        await con.room.end_session()
        await until(lambda: not con.recorder.recording, 30, "the file to close")
        await until(lambda: not con.recorder.filling, 60, "the spilled events to be filled")
    finally:
        await con.close()
    assert con.log_reads, "the spilled events were never read back from the platform's log"
    assert con.recorder.filled > 500  # ~3 s at ~800 events/s came from the log
    [path] = con.recorder.files
    with SessionFile(path) as f:
        recorded = f.event_seqs()
    log = await platform_log(srv, recorded[-1])
    started = max(e["seq"] for e in log if e["type"] == "session_started")
    # the session's every event, once, in order: the live part and the part read back
    assert recorded == [e["seq"] for e in log if e["seq"] >= started]
    assert log[-1]["type"] == "session_ended"


def _rename_as_before(new: Path, old: Path) -> list[int]:
    """Name ``new`` (and its side files) as a console from before ``.livedesk`` named it: the
    seqs the file holds."""
    for side in ("", "-wal", "-shm"):
        if Path(f"{new}{side}").exists():
            Path(f"{new}{side}").rename(f"{old}{side}")
    with SessionFile(old) as f:
        return f.event_seqs()


async def test_a_console_restarted_mid_session_keeps_writing_to_the_sessions_old_named_file(
    sandbox_server: Callable[..., Any], tmp_path: Path
) -> None:
    """A session recorded by a console from before the ``.livedesk`` name (its file is
    ``….livedesk-session.sqlite``), then the upgraded console starts again mid-session: the rest
    of the session goes to that same file — not to a second, newly named one."""
    srv = sandbox_server(viewers=300, seed=5, live=True, extra=["--rate", "600"])
    sessions = tmp_path / "sessions"
    con = Console(srv, sessions)
    await con.start()
    try:
        await until(lambda: con.recorder.recording, 20, "the session file")
        await until(lambda: not con.recorder.filling and len(con.shown) > 50, 60, "events")
    finally:
        await con.close()
    [new] = con.recorder.files
    assert new.name.endswith(".livedesk")
    old = new.with_name(new.name.removesuffix(".livedesk") + ".livedesk-session.sqlite")
    before = await asyncio.to_thread(_rename_as_before, new, old)

    con = Console(srv, sessions)
    await con.start()
    try:
        await until(lambda: con.recorder.recording, 20, "the session file again")
        await until(
            lambda: not con.recorder.filling and bool(con.shown) and con.shown[-1] > before[-1],
            60,
            "the restarted console to record past the first",
        )
        await asyncio.sleep(1)
    finally:
        await con.close()
    assert con.recorder.files == [old]
    assert sorted(p.name for p in sessions.iterdir() if not p.name.endswith(("-wal", "-shm"))) == [
        old.name
    ]
    with SessionFile(old) as f:
        again = f.event_seqs()
    assert again[: len(before)] == before and len(again) > len(before)
    assert again == list(range(again[0], again[0] + len(again)))  # the gap filled, none twice
