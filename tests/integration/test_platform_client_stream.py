"""The console's event stream against the real sandbox server (a subprocess on 127.0.0.1).

What an operator would notice: after the platform is killed and comes back (or freezes and
thaws), the feed continues with every event exactly once and in order, and the link indicator
goes 已连接 → 重连中 → 已连接. Off-contract events are skipped and logged; the feed keeps going.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import signal
import sqlite3
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.platform.client import PlatformClient
from app.platform.connection import ConnectionStatus, LinkState, Skip
from app.platform.models import Event, EventType
from app.platform.stream import StreamConfig
from tests.support.polling import until
from tests.support.ports import free_port

pytestmark = pytest.mark.slow

FAST = StreamConfig(heartbeat_timeout=5.0, backoff_base=0.05, backoff_cap=0.5, open_timeout=3.0)


class Reader:
    """Consumes ``event_batches`` in a task, keeping (seq, type) of everything received."""

    def __init__(self, client: PlatformClient, after_seq: int = 0) -> None:
        self.client = client
        self.received: list[tuple[int, str]] = []
        self.events: list[Event] = []
        self.batches = 0
        self.states: list[LinkState] = []
        client.connection.subscribe(self._on_state)
        self.task = asyncio.get_running_loop().create_task(self._run(after_seq))

    def _on_state(self, status: ConnectionStatus) -> None:
        if not self.states or self.states[-1] is not status.state:
            self.states.append(status.state)

    async def _run(self, after_seq: int) -> None:
        async for batch in self.client.event_batches(after_seq):
            self.batches += 1
            self.received.extend((e.seq, e.type.value) for e in batch)
            self.events.extend(batch)

    @property
    def last(self) -> int:
        return self.received[-1][0] if self.received else 0

    async def stop(self) -> None:
        await self.client.close()
        await asyncio.wait_for(self.task, 10)


def db_log(db: Path) -> list[tuple[int, str]]:
    with sqlite3.connect(db) as con:
        return [
            (int(s), str(t)) for s, t in con.execute("SELECT seq, type FROM events ORDER BY seq")
        ]


async def test_no_event_lost_or_repeated_across_three_server_kills(sandbox_server: Any) -> None:
    port = free_port()
    srv = sandbox_server(viewers=300, live=True, extra=["--rate", "2000", "--port", str(port)])
    client = PlatformClient(srv.url, srv.room, srv.tokens["reviewer"], stream_config=FAST)
    reader = Reader(client)
    try:
        await until(lambda: reader.last > 0, 30, "the first events")
        rates = []
        for kill in range(3):
            start_seq, t0 = reader.last, time.monotonic()
            await until(lambda s=start_seq: reader.last >= s + 3000, 60, f"3000 events ({kill})")
            rates.append((reader.last - start_seq) / (time.monotonic() - t0))
            srv.kill()  # SIGKILL mid-stream
            await until(
                lambda: client.connection.status.state is LinkState.RECONNECTING, 20, "RECONNECTING"
            )
            await asyncio.to_thread(srv.start)  # same db, same port
            await until(
                lambda: client.connection.status.state is LinkState.CONNECTED, 30, "CONNECTED"
            )
        # the audience produced at least 1,000 events/s while we were reading
        assert max(rates) >= 1000, rates
        # freeze the log: restart once more without the live audience and read to its end
        srv.stop()
        srv.args = ["--viewers", "0", "--port", str(port)]
        await asyncio.to_thread(srv.start)
        final = db_log(srv.db)
        await until(lambda: reader.last >= final[-1][0], 60, f"catching up to seq {final[-1][0]}")
        await asyncio.sleep(0.5)  # anything extra would be a duplicate
    finally:
        await reader.stop()

    final = db_log(srv.db)
    assert [s for s, _ in final] == list(range(1, len(final) + 1)), "the server's log has gaps"
    # every event once, in order, and each seq is the same event the log holds (never reused)
    assert reader.received == final[: len(reader.received)]
    assert len(reader.received) == len(final)
    assert client.stream.skipped == 0, "the server sent events the console could not read"
    assert client.stream.reconnects >= 4
    # the operator saw the link go down and come back each time
    transitions = "".join(
        {"connecting": "i", "connected": "C", "reconnecting": "R", "offline": "O"}[s.value]
        for s in reader.states
    )
    # connecting, connected, then down-and-back for each of 3 kills and the final restart, closed
    assert re.fullmatch(r"iC(RC){4,}O", transitions), transitions
    assert reader.batches < len(reader.received) / 5, "events should arrive in batches"


async def test_a_frozen_server_is_detected_by_heartbeat_and_resumed_without_gaps(
    sandbox_server: Any,
) -> None:
    srv = sandbox_server(viewers=100, live=True, extra=["--rate", "300"])
    silence = 2.0
    config = StreamConfig(heartbeat_timeout=silence, backoff_base=0.05, backoff_cap=0.5)
    client = PlatformClient(srv.url, srv.room, srv.tokens["host"], stream_config=config)
    reader = Reader(client)
    stopped = False
    try:
        await until(lambda: reader.last > 50, 30, "the first events")
        os.kill(srv.proc.pid, signal.SIGSTOP)
        stopped = True
        t0 = time.monotonic()
        await until(
            lambda: client.connection.status.state is LinkState.RECONNECTING,
            silence * 4,
            "RECONNECTING after the server froze",
        )
        detected = time.monotonic() - t0
        # within the window (plus slack for a loaded 2-core machine)
        assert detected <= silence * 1.5, f"silence noticed only after {detected:.1f} s"
        assert "心跳" in (client.connection.status.error or "")
        seen_frozen = reader.last
        await asyncio.sleep(1.0)
        os.kill(srv.proc.pid, signal.SIGCONT)
        stopped = False
        await until(lambda: client.connection.status.state is LinkState.CONNECTED, 30, "CONNECTED")
        await until(lambda: reader.last > seen_frozen + 200, 30, "events after the thaw")
    finally:
        if stopped:
            os.kill(srv.proc.pid, signal.SIGCONT)
        await reader.stop()
    seqs = [s for s, _ in reader.received]
    assert seqs == list(range(1, len(seqs) + 1))
    assert client.stream.skipped == 0


async def test_malformed_events_are_skipped_and_logged_and_the_rest_arrives_in_order(
    sandbox_server: Any, caplog: pytest.LogCaptureFixture
) -> None:
    srv = sandbox_server(debug_routes=True)
    client = PlatformClient(srv.url, srv.room, srv.tokens["host"], stream_config=FAST)
    snap = await client.snapshot()
    reader = Reader(client, after_seq=snap.seq)

    def comment(i: int) -> dict[str, Any]:
        return {
            "type": "comment",
            "data": {
                "comment": {
                    "id": f"good{i}",
                    "user_id": "u1",
                    "nickname": "小明",
                    "text": f"第{i}条",
                }
            },
        }

    async def inject(body: dict[str, Any]) -> None:
        async with httpx.AsyncClient(trust_env=False) as http:
            r = await http.post(srv.api("/_debug/raw-events"), json=body, headers=srv.headers())
            assert r.status_code < 300, r.text

    caplog.set_level(logging.WARNING, logger="app.platform.stream")
    try:
        await until(lambda: client.connection.status.state is LinkState.CONNECTED, 30, "CONNECTED")
        await inject(
            {
                "events": [
                    comment(1),
                    {"type": "comment", "data": {"comment": {"id": "bad", "text": 5}}},  # bad data
                    {"type": "teleport", "data": {"to": "moon"}},  # unknown type
                    comment(2),
                    {
                        "type": "product_updated",
                        "data": {"product": {"id": "p1", "price_cents": 9.5}},
                    },
                    comment(3),
                ]
            }
        )
        await inject({"raw_messages": ["this is not JSON {", "[1, 2"]})
        await inject({"events": [comment(4)]})
        await until(
            lambda: any(
                getattr(e.data, "comment", None) and e.data.comment.id == "good4"
                for e in reader.events
            ),
            30,
            "the last good event",
        )
    finally:
        await reader.stop()

    ours = [
        e
        for e in reader.events
        if e.type is EventType.COMMENT and e.data.comment.id.startswith("good")
    ]
    assert [e.data.comment.id for e in ours] == ["good1", "good2", "good3", "good4"]
    seqs = [e.seq for e in reader.events]
    assert seqs == sorted(set(seqs))
    g1, g2, g3, g4 = (e.seq for e in ours)
    # the three malformed events sat between the good ones in the log and were skipped
    assert (g2 - g1, g3 - g2, g4 - g3) == (3, 2, 1)
    assert client.stream.skipped == 5  # 3 malformed events + 2 non-JSON messages
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    for bad_seq in (g1 + 1, g1 + 2, g2 + 1):
        assert any(f"seq {bad_seq}" in w for w in warnings), (bad_seq, warnings)
    assert sum("non-JSON" in w for w in warnings) == 2
    # the malformed events still moved the position: a reconnect would not ask for them again
    assert client.connection.status.last_seq == g4


async def test_refused_token_goes_offline_and_does_not_hammer(sandbox_server: Any) -> None:
    srv = sandbox_server()
    client = PlatformClient(srv.url, srv.room, "not-a-token", stream_config=FAST)
    from app.platform.errors import PlatformError

    t0 = time.monotonic()
    with pytest.raises(PlatformError) as info:
        async for _ in client.event_batches(0):
            pass
    assert time.monotonic() - t0 < 10
    assert info.value.status in (401, 403)
    assert client.connection.status.state is LinkState.OFFLINE
    assert "令牌" in (client.connection.status.error or "")
    await client.close()


async def test_resync_required_is_handed_to_the_caller(sandbox_server: Any) -> None:
    srv = sandbox_server()
    client = PlatformClient(srv.url, srv.room, srv.tokens["host"], stream_config=FAST)
    snap = await client.snapshot()
    batches: list[list[Event]] = []

    async def read() -> None:
        # a position the log never reached cannot be resumed from
        async for batch in client.event_batches(snap.seq + 1_000_000):
            batches.append(batch)

    try:
        await asyncio.wait_for(read(), 20)
    finally:
        await client.close()
    assert batches and batches[-1][-1].type is EventType.RESYNC_REQUIRED


async def test_a_quiet_room_is_not_mistaken_for_a_dead_link(sandbox_server: Any) -> None:
    # no events for several heartbeat windows: keepalive pings, not data, prove the link alive
    srv = sandbox_server()
    config = StreamConfig(heartbeat_timeout=3.0, backoff_base=0.05, backoff_cap=0.5)
    client = PlatformClient(srv.url, srv.room, srv.tokens["host"], stream_config=config)
    snap = await client.snapshot()
    reader = Reader(client, after_seq=snap.seq)
    try:
        await until(lambda: client.connection.status.state is LinkState.CONNECTED, 30, "CONNECTED")
        await asyncio.sleep(7.0)  # over two windows without a single event
        assert client.connection.status.state is LinkState.CONNECTED
        assert client.stream.reconnects == 0
        await client.send_comment("还在吗？")  # and the link still carries events
        await until(lambda: reader.last > snap.seq, 10, "the comment event")
    finally:
        await reader.stop()
    assert reader.states == [LinkState.CONNECTING, LinkState.CONNECTED, LinkState.OFFLINE]


async def test_an_abandoned_stream_reads_offline(sandbox_server: Any) -> None:
    srv = sandbox_server()
    async with PlatformClient(srv.url, srv.room, srv.tokens["host"], stream_config=FAST) as c:
        snap = await c.snapshot()
        stream = c.event_batches(snap.seq)
        first = asyncio.ensure_future(anext(stream))
        await until(lambda: c.connection.status.state is LinkState.CONNECTED, 30, "CONNECTED")
        await c.send_comment("第一条")
        assert (await asyncio.wait_for(first, 10))[0].seq == snap.seq + 1
        await stream.aclose()  # type: ignore[attr-defined]
        assert c.connection.status.state is LinkState.OFFLINE


async def test_a_seq_gap_reconnects_from_the_last_seen_and_a_repeat_is_dropped(
    sandbox_server: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # the sandbox never skips a seq; a platform that did must not make the console lose events
    srv = sandbox_server(debug_routes=True)
    client = PlatformClient(srv.url, srv.room, srv.tokens["host"], stream_config=FAST)
    caplog.set_level(logging.WARNING, logger="app.platform.stream")
    reader = Reader(client)
    try:
        await until(lambda: client.connection.status.state is LinkState.CONNECTED, 30, "CONNECTED")
        first = (await client.send_comment("第一条")).id
        await until(lambda: reader.last > 0, 10, "the first event")
        head = reader.last

        def fake(seq: int, cid: str) -> str:
            comment = {"id": cid, "user_id": "u1", "nickname": "假", "text": "不该出现"}
            return json.dumps(
                {"seq": seq, "ts": 1.0, "type": "comment", "data": {"comment": comment}}
            )

        async with httpx.AsyncClient(trust_env=False) as http:
            r = await http.post(
                srv.api("/_debug/raw-events"),
                json={"raw_messages": [fake(head, "repeat"), fake(head + 50, "from-the-future")]},
                headers=srv.headers(),
            )
            assert r.status_code < 300, r.text
        await until(lambda: client.stream.reconnects == 1, 10, "a reconnect after the gap")
        second = (await client.send_comment("第二条")).id
        await until(
            lambda: any(
                e.type is EventType.COMMENT and e.data.comment.id == second for e in reader.events
            ),
            10,
            "the comment after the gap",
        )
    finally:
        await reader.stop()
    ids = [e.data.comment.id for e in reader.events if e.type is EventType.COMMENT]
    assert first in ids and second in ids
    assert "repeat" not in ids and "from-the-future" not in ids
    seqs = [s for s, _ in reader.received]
    assert seqs == list(range(1, len(seqs) + 1))
    assert any("gap after seq" in r.getMessage() for r in caplog.records)


async def test_an_event_too_large_to_receive_is_skipped_once_and_the_feed_goes_on(
    sandbox_server: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # issue 13 D3: one ~17 MiB event (past the console's 16 MiB limit) made every console
    # reconnect forever from the seq before it; the console must skip it, say so once, go on
    srv = sandbox_server(debug_routes=True)
    client = PlatformClient(srv.url, srv.room, srv.tokens["host"], stream_config=FAST)
    skips: list[Skip] = []
    client.connection.subscribe_skips(skips.append)
    caplog.set_level(logging.WARNING, logger="app.platform.stream")
    snap = await client.snapshot()
    reader = Reader(client, after_seq=snap.seq)

    def comment_ids() -> list[str]:
        return [e.data.comment.id for e in reader.events if e.type is EventType.COMMENT]

    try:
        await until(lambda: client.connection.status.state is LinkState.CONNECTED, 30, "CONNECTED")
        before = (await client.send_comment("大事件之前")).id
        async with httpx.AsyncClient(trust_env=False, timeout=60) as http:
            r = await http.post(
                srv.api("/_debug/oversized-event"),
                params={"pad_bytes": 17 * 2**20},
                headers=srv.headers(),
            )
            assert r.status_code == 200, r.text
        big = int(r.json()["seq"])
        after = (await client.send_comment("大事件之后")).id
        await until(lambda: after in comment_ids(), 30, "the comment after the oversized event")
        # and it stays put: more events flow on the same link, no reconnect loop
        reconnects = client.stream.reconnects
        for n in range(3):
            await client.send_comment(f"之后第{n}条")
        await until(lambda: len(comment_ids()) >= 5, 20, "the later comments")
        await asyncio.sleep(1.0)  # a loop would reconnect every ~0.05-0.5 s (FAST backoff)
        assert client.stream.reconnects == reconnects
        assert client.connection.status.state is LinkState.CONNECTED
    finally:
        await reader.stop()
    assert comment_ids()[:2] == [before, after]
    seqs = [e.seq for e in reader.events]
    # every seq once, in order, with the one hole declared
    assert seqs == [s for s in range(snap.seq + 1, seqs[-1] + 1) if s != big]
    assert big not in seqs and big - 1 in seqs and big + 1 in seqs
    # the first failure is asked again once (it might have been out-of-band), the second skips it
    assert client.stream.reconnects == 2
    assert skips == [Skip(seqs=(big,), unnumbered=0, reason="too_big")]  # told once
    assert client.connection.status.skipped == 1
    assert client.connection.status.skipped_seqs == (big,)
    assert any(f"seq {big} is too large" in r.getMessage() for r in caplog.records)
