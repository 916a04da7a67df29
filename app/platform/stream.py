"""The platform's event stream as an endless, self-healing async iterator of event batches.

``EventStream.batches(after_seq)`` connects to ``/api/v1/rooms/{room}/events?after_seq=N`` and
yields lists of typed :class:`~app.platform.models.Event`. Any drop (server killed, network
error, close frame, heartbeat silence) is followed by a reconnect with capped, jittered
exponential backoff that resumes after the last seq seen, so the caller sees every event once,
in order. Link state is reported through a :class:`~app.platform.connection.ConnectionTracker`.

How it stays fast: one reader task per connection moves raw frames (bytes, not decoded to str)
into a list as they arrive; the iterator takes the whole list at once, parses it with orjson and
validates each payload once, and yields it as one batch (at most ``max_batch`` events). A consumer
that is busy for a while simply gets a bigger batch next time, not one handoff per event.

Off-contract input never stops the stream: a non-JSON message, an unknown event type or a payload
that fails validation is logged (WARNING, with its seq) and skipped; a skipped event that carried
the next seq still advances the position (it is in the log, and re-reading it would not help).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import orjson
from pydantic import ValidationError
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI
from websockets.protocol import State

from app.platform.backoff import Backoff
from app.platform.connection import ConnectionTracker, LinkState
from app.platform.errors import PlatformError
from app.platform.models import (
    EVENT_DATA,
    Event,
    EventBatch,
    EventType,
    MalformedEvent,
    parse_event,
)

log = logging.getLogger(__name__)

_RESYNC = EventType.RESYNC_REQUIRED.value

# Hot path: the same validation as ``parse_event`` with the per-event Python overhead removed.
# ``parse_event`` builds the Event with ``model_construct``, a Python loop over the fields that
# costs more than validating the payload itself (~20 µs of ~35 µs per comment on this machine);
# the core validator of ``Event`` does the same in Rust. Anything that fails here goes through
# ``parse_event`` again to get its MalformedEvent (message and seq) unchanged.
_TYPES: dict[str, EventType] = {t.value: t for t in EventType}
_VALIDATE_DATA = {
    str(t): model.__pydantic_validator__.validate_python for t, model in EVENT_DATA.items()
}
_VALIDATE_EVENT = Event.__pydantic_validator__.validate_python


def fast_parse_event(obj: dict[str, Any], seq: int) -> Event:
    """Validate one decoded message already known to be a dict with an int ``seq``."""
    etype = obj.get("type")
    ts = obj.get("ts")
    if type(etype) is not str or (type(ts) is not float and type(ts) is not int):
        return parse_event(obj)  # raises MalformedEvent with the reason
    validate = _VALIDATE_DATA.get(etype)
    if validate is None:
        return parse_event(obj)
    try:
        data = validate(obj.get("data"))
        event: Event = _VALIDATE_EVENT(
            {"seq": seq, "ts": float(ts), "type": _TYPES[etype], "data": data}
        )
    except ValidationError:
        return parse_event(obj)
    return event


# Handshake statuses that will not get better by retrying: report and stop instead of hammering.
_PERMANENT_STATUSES = {400, 401, 403, 404, 410}


@dataclass(frozen=True, slots=True)
class StreamConfig:
    """Tuning of the event stream; the defaults suit a console on a real network."""

    #: silence (no frame, no pong) longer than this counts as a drop
    heartbeat_timeout: float = 30.0
    #: TCP + TLS + WebSocket handshake
    open_timeout: float = 5.0
    backoff_base: float = 0.2
    backoff_cap: float = 5.0
    #: most events handed over in one batch
    max_batch: int = 5000
    #: raw messages buffered while the consumer is busy before reading pauses (TCP backpressure)
    max_pending: int = 100_000
    #: "deflate" to ask for permessage-deflate (saves bandwidth, costs CPU); None on loopback
    compression: str | None = None


def _close_timeout(cfg: StreamConfig) -> float:
    return min(1.0, cfg.heartbeat_timeout / 10)


def events_url(base_url: str, room: str, after_seq: int) -> str:
    """``http(s)://host/...`` → ``ws(s)://host/api/v1/rooms/{room}/events?after_seq=N``."""
    parts = urlsplit(base_url)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    path = f"{parts.path.rstrip('/')}/api/v1/rooms/{quote(room, safe='')}/events"
    return urlunsplit((scheme, parts.netloc, path, f"after_seq={int(after_seq)}", ""))


class _Inbox:
    """Raw messages received on one connection and not yet handed to the consumer."""

    __slots__ = ("items", "room", "wake")

    def __init__(self) -> None:
        self.items: list[bytes | str] = []
        self.wake = asyncio.Event()  # set when items arrive or the connection ends
        self.room = asyncio.Event()  # set while the buffer is below its cap
        self.room.set()

    def take(self) -> list[bytes | str]:
        items, self.items = self.items, []
        self.wake.clear()
        self.room.set()
        return items


class EventStream:
    """Reconnecting reader of one room's event stream (one operator's token)."""

    def __init__(
        self,
        base_url: str,
        room: str,
        token: str,
        tracker: ConnectionTracker,
        config: StreamConfig | None = None,
    ) -> None:
        self.base_url = base_url
        self.room = room
        self._token = token
        self.tracker = tracker
        self.config = config or StreamConfig()
        self._closed = asyncio.Event()
        self._connections: set[ClientConnection] = set()
        self._inboxes: set[_Inbox] = set()
        #: counters for the operator's diagnostics and for tests
        self.reconnects = 0
        self.skipped = 0
        self._active = 0  # running batches() iterators

    # --- lifecycle -----------------------------------------------------------------------------
    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    async def close(self) -> None:
        """End every running :meth:`batches` iterator and go OFFLINE."""
        self._closed.set()
        for inbox in list(self._inboxes):
            inbox.wake.set()
        for ws in list(self._connections):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(), timeout=1.0)
        self.tracker.set_state(LinkState.OFFLINE, error="已断开 (closed)")

    # --- the iterator --------------------------------------------------------------------------
    async def batches(self, after_seq: int) -> AsyncIterator[list[Event]]:
        """Events with seq > ``after_seq``, in order, in batches, until :meth:`close`.

        Yields a batch ending with a ``resync_required`` event (seq 0) when the platform cannot
        resume from ``after_seq``, and then ends: reload the snapshot and call again from its seq.
        Raises :class:`PlatformError` (after going OFFLINE) when the platform refuses the token.
        When the last running iterator stops (closed, or abandoned by its consumer) the link
        reads OFFLINE, so the operator never sees "connected" for a stream nobody reads.
        """
        self._active += 1
        resync = False
        try:
            async with contextlib.aclosing(self._batches(after_seq)) as inner:
                async for batch in inner:
                    resync = batch[-1].type is EventType.RESYNC_REQUIRED
                    yield batch
        finally:
            self._active -= 1
            if (
                not resync
                and self._active == 0
                and self.tracker.status.state is not LinkState.OFFLINE
            ):
                self.tracker.set_state(
                    LinkState.OFFLINE, error="事件流已停止 (event stream stopped)"
                )

    async def _batches(self, after_seq: int) -> AsyncGenerator[list[Event], None]:
        cfg = self.config
        last = int(after_seq)
        backoff = Backoff(base=cfg.backoff_base, cap=cfg.backoff_cap)
        self.tracker.set_state(LinkState.CONNECTING)
        while not self.closed:
            error: str
            try:
                ws = await connect(
                    events_url(self.base_url, self.room, last),
                    additional_headers={"Authorization": f"Bearer {self._token}"},
                    open_timeout=cfg.open_timeout,
                    # ping every half window; no pong by the end of the window (less the time
                    # the close handshake may take) is a drop: detected within heartbeat_timeout
                    ping_interval=cfg.heartbeat_timeout / 2,
                    ping_timeout=cfg.heartbeat_timeout / 2 - _close_timeout(cfg),
                    close_timeout=_close_timeout(cfg),
                    compression="deflate" if cfg.compression == "deflate" else None,
                    max_size=16 * 2**20,
                    max_queue=1024,
                )
            except InvalidStatus as exc:
                status = exc.response.status_code
                if status in _PERMANENT_STATUSES:
                    raise self._refused(status, exc.response.body) from None
                error = f"HTTP {status}"
            except (OSError, TimeoutError, InvalidHandshake, InvalidURI) as exc:
                error = _describe(exc)
            else:
                backoff.reset()
                self.tracker.set_state(LinkState.CONNECTED)
                log.info("event stream connected to room %s after seq %d", self.room, last)
                outcome = _Outcome(last)
                try:
                    async with contextlib.aclosing(self._read(ws, outcome)) as batches:
                        async for batch in batches:
                            yield batch
                finally:
                    last = outcome.last
                if outcome.resync or self.closed:
                    return
                error = outcome.error or "连接已断开 (connection closed)"
                self.reconnects += 1
            if self.closed:
                return
            delay = backoff.next_delay()
            self.tracker.set_state(LinkState.RECONNECTING, attempt=backoff.attempt, error=error)
            log.warning(
                "event stream of room %s dropped (%s); reconnect #%d in %.2f s from seq %d",
                self.room,
                error,
                backoff.attempt,
                delay,
                last,
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closed.wait(), timeout=delay)

    def _refused(self, status: int, body: bytes | bytearray | None) -> PlatformError:
        code, message = "forbidden", "平台拒绝了令牌或房间 (token or room refused)"
        if status == 401:
            code, message = "unauthorized", "令牌无效或已过期 (token invalid or expired)"
        elif status == 404:
            code, message = "not_found", "房间不存在 (room not found)"
        with contextlib.suppress(Exception):
            err = orjson.loads(body or b"{}").get("error") or {}
            code = str(err.get("code") or code)
            if err.get("message"):
                message = f"{message}: {err['message']}"
        self.tracker.set_state(LinkState.OFFLINE, error=f"{message} [HTTP {status}]")
        log.error("event stream of room %s refused: HTTP %d %s", self.room, status, message)
        return PlatformError(code, message, status=status)

    async def _read(
        self, ws: ClientConnection, outcome: _Outcome
    ) -> AsyncGenerator[EventBatch, None]:
        """Yield batches from one connection until it drops, a gap shows, or resync is asked."""
        inbox = _Inbox()
        self._connections.add(ws)
        self._inboxes.add(inbox)
        reader = asyncio.get_running_loop().create_task(
            self._pump(ws, inbox, self.config.max_pending), name=f"platform-stream:{self.room}"
        )
        reader.add_done_callback(lambda _t: inbox.wake.set())
        max_batch = self.config.max_batch
        try:
            while not self.closed:
                if not inbox.items:
                    if reader.done():
                        outcome.error = _reader_error(reader)
                        return
                    await inbox.wake.wait()
                    continue
                events = self._parse(inbox.take(), outcome)
                if events:
                    self.tracker.saw_events(outcome.last)
                    if len(events) <= max_batch:
                        yield events
                    else:
                        for start in range(0, len(events), max_batch):
                            yield events.part(start, start + max_batch)
                elif outcome.position_moved:
                    self.tracker.saw_events(outcome.last)
                if outcome.resync or outcome.error:
                    return
        finally:
            reader.cancel()
            self._inboxes.discard(inbox)
            self._connections.discard(ws)
            with contextlib.suppress(BaseException):
                await reader
            # a broken link must not wait for a closing handshake nobody will answer
            if outcome.error or ws.state is not State.OPEN:
                ws.transport.abort()
            else:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(ws.close(), timeout=1.0)

    @staticmethod
    async def _pump(ws: ClientConnection, inbox: _Inbox, cap: int) -> None:
        """Move raw frames into the inbox as fast as they come (the consumer batches them)."""
        counter = 0
        while True:
            msg = await ws.recv(decode=False)  # bytes: orjson reads them without a str copy
            inbox.items.append(msg)
            if not inbox.wake.is_set():
                inbox.wake.set()
            counter += 1
            if counter >= 1024:  # check the cap every so often, not per message
                counter = 0
                if len(inbox.items) >= cap:
                    inbox.room.clear()
                    await inbox.room.wait()

    def _parse(self, raws: list[bytes | str], outcome: _Outcome) -> EventBatch:
        """Decode and validate one drain of the inbox, keeping order and dropping repeats.

        The batch keeps each event's raw message (``wire``) for the session recorder."""
        wire: list[bytes] = []
        out = EventBatch((), wire)
        append = out.append
        keep = wire.append
        last = outcome.last
        start_last = last
        loads = orjson.loads
        for i, raw in enumerate(raws):
            try:
                obj = loads(raw)
            except orjson.JSONDecodeError:
                self.skipped += 1
                log.warning("skipped a non-JSON message after seq %d: %.200r", last, raw)
                continue
            seq = obj.get("seq") if type(obj) is dict else None
            if type(seq) is int:
                if seq <= last:
                    if seq == 0 and obj.get("type") == _RESYNC:
                        keep(raw.encode() if isinstance(raw, str) else raw)
                        try:
                            append(parse_event(obj))
                        except MalformedEvent as exc:
                            # still a resync request: build it from what we know
                            log.warning("malformed resync_required event: %s", exc)
                            append(
                                Event.model_construct(
                                    seq=0, ts=time.time(), type=EventType.RESYNC_REQUIRED, data=None
                                )
                            )
                        outcome.resync = True
                        break
                    continue  # already seen (replay overlap after a reconnect)
                if seq != last + 1:
                    outcome.error = f"事件序号跳跃 (gap: expected seq {last + 1}, got {seq})"
                    log.error(
                        "event stream of room %s: gap after seq %d (got %d, %d messages dropped); "
                        "reconnecting from seq %d",
                        self.room,
                        last,
                        seq,
                        len(raws) - i,
                        last,
                    )
                    break
            try:
                event = fast_parse_event(obj, seq) if type(seq) is int else parse_event(obj)
            except MalformedEvent as exc:
                self.skipped += 1
                log.warning("skipped malformed event (seq %s): %s", exc.seq, exc)
                if type(seq) is int:
                    last = seq  # it is in the log: do not ask for it again
                continue
            last = seq  # type: ignore[assignment]  # parse_event guarantees an int seq
            append(event)
            keep(raw.encode() if isinstance(raw, str) else raw)
        outcome.position_moved = last != start_last
        outcome.last = last
        return out


class _Outcome:
    """What one connection ended with (shared between the connection loop and its reader)."""

    __slots__ = ("error", "last", "position_moved", "resync")

    def __init__(self, last: int) -> None:
        self.last = last
        self.error: str | None = None
        self.resync = False
        self.position_moved = False


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ConnectionClosed):
        rcvd = exc.rcvd
        if rcvd is not None:
            return f"连接被关闭 (closed by server: {rcvd.code} {rcvd.reason})".strip()
        return "连接中断 (connection lost)"
    if isinstance(exc, TimeoutError):
        return "连接超时 (timed out)"
    if isinstance(exc, ConnectionRefusedError):
        return "无法连接平台 (connection refused)"
    text = str(exc) or type(exc).__name__
    return f"网络错误 (network error: {text})"


def _reader_error(reader: asyncio.Task[None]) -> str:
    if reader.cancelled():
        return "已取消 (cancelled)"
    exc = reader.exception()
    if exc is None:
        return "连接已断开 (connection closed)"
    if isinstance(exc, ConnectionClosed):
        sent = exc.sent
        if sent is not None and sent.reason == "keepalive ping timeout":
            return "心跳超时 (heartbeat timeout: no answer from the platform)"
    return _describe(exc)
