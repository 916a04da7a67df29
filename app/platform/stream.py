"""The platform's event stream as an endless, self-healing async iterator of event batches.

``EventStream.batches(after_seq)`` connects to ``/api/v1/rooms/{room}/events?after_seq=N`` and
yields lists of typed :class:`~app.platform.models.Event`. Any drop (server killed, network
error, close frame, heartbeat silence) is followed by a reconnect with capped, jittered
exponential backoff that resumes after the last seq seen, so the caller sees every event once,
in order. Link state is reported through a :class:`~app.platform.connection.ConnectionTracker`.
:meth:`EventStream.reconnect_now` (the operator's 重连, or an adapter that has just restarted its
platform) ends the wait before the next attempt, so it happens at once.

How it stays fast: the WebSocket is picows (frames parsed in C, delivered by a callback, no task
or future per message: ~2 µs a message against ~11 µs with the pure-Python ``websockets`` client,
measured on the sandbox stream at 17,000 events/s). The callback appends each message's bytes to
a list; the iterator takes the whole list at once, parses it with orjson and validates each
payload once, and yields it as one batch (at most ``max_batch`` events). A consumer that is busy
for a while simply gets a bigger batch next time; past ``max_pending`` unread messages the socket
stops being read (TCP backpressure) until the consumer catches up.

Off-contract input never stops the stream: a non-JSON message, an unknown event type or a payload
that fails validation is logged (WARNING, with its seq) and skipped; a skipped event that carried
the next seq still advances the position (it is in the log, and re-reading it would not help).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import orjson
from picows import (
    WSError,
    WSFrame,
    WSInvalidStatusError,
    WSListener,
    WSMsgType,
    WSTransport,
    ws_connect,
)
from pydantic import ValidationError

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
# picows says "Disconnected" at INFO on every link; the stream logs its own reconnects
logging.getLogger("picows.livedesk.stream").setLevel(logging.WARNING)

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
    #: raw messages buffered while the consumer is busy before reading pauses (TCP backpressure:
    #: the platform keeps the rest; ~5 MB of sandbox messages)
    max_pending: int = 20_000
    #: largest message accepted
    max_message: int = 16 * 2**20


def _close_timeout(cfg: StreamConfig) -> float:
    return min(1.0, cfg.heartbeat_timeout / 10)


def events_url(base_url: str, room: str, after_seq: int) -> str:
    """``http(s)://host/...`` → ``ws(s)://host/api/v1/rooms/{room}/events?after_seq=N``."""
    parts = urlsplit(base_url)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    path = f"{parts.path.rstrip('/')}/api/v1/rooms/{quote(room, safe='')}/events"
    return urlunsplit((scheme, parts.netloc, path, f"after_seq={int(after_seq)}", ""))


class _Inbox(WSListener):
    """One connection's listener: the raw messages received and not yet handed to the consumer.

    picows calls :meth:`on_ws_frame` for every frame, from the event loop, synchronously."""

    def __init__(self, cap: int) -> None:
        super().__init__()
        self.items: list[bytes] = []
        self.wake = asyncio.Event()  # set when items arrive or the connection ends
        self.cap = cap
        self.paused = False
        self.ended = False
        self.transport: WSTransport | None = None
        self._parts: list[bytes] = []  # a fragmented message being assembled
        self.close_code: int | None = None
        self.close_reason = ""

    def factory(self) -> _Inbox:
        """For ``ws_connect``: this connection's listener is this inbox."""
        return self

    def on_ws_connected(self, transport: WSTransport) -> None:
        self.transport = transport

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        kind = frame.msg_type
        if kind is _TEXT or kind is _BINARY:
            if frame.fin:
                self.items.append(frame.get_payload_as_bytes())
            else:
                self._parts = [frame.get_payload_as_bytes()]
                return
        elif kind is _CONTINUATION:
            self._parts.append(frame.get_payload_as_bytes())
            if not frame.fin:
                return
            self.items.append(b"".join(self._parts))
            self._parts = []
        elif kind is _CLOSE:
            self.close_code = getattr(frame.get_close_code(), "value", None)
            self.close_reason = frame.get_close_message().decode("utf-8", "replace")
            with contextlib.suppress(Exception):
                transport.send_close(frame.get_close_code())
            transport.disconnect()
            return
        else:
            return  # ping / pong: picows answers pings itself
        if not self.wake.is_set():
            self.wake.set()
        if len(self.items) >= self.cap and not self.paused:
            self.paused = True
            transport.underlying_transport.pause_reading()

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        self.ended = True
        self.wake.set()

    def take(self, limit: int) -> list[bytes]:
        """The oldest ``limit`` messages (all when fewer): a consumer that fell behind parses
        its backlog a batch at a time, so it never holds more than one batch of parsed events."""
        if len(self.items) <= limit:
            items, self.items = self.items, []
            self.wake.clear()
        else:
            items = self.items[:limit]
            del self.items[:limit]
        if (
            self.paused
            and len(self.items) < self.cap
            and self.transport is not None
            and not self.ended
        ):
            self.paused = False
            with contextlib.suppress(Exception):
                self.transport.underlying_transport.resume_reading()
        return items

    def why(self) -> str:
        """What ended the connection, for the operator."""
        if self.close_code is not None:
            return f"连接被关闭 (closed by server: {self.close_code} {self.close_reason})".strip()
        hs = self.transport.close_handshake if self.transport is not None else None
        sent = hs.sent if hs is not None else None
        if sent is not None and "ping" in str(sent.reason):  # picows gave up waiting for a pong
            return _HEARTBEAT
        return "连接中断 (connection lost)"


_TEXT, _BINARY, _CONTINUATION, _CLOSE = (
    WSMsgType.TEXT,
    WSMsgType.BINARY,
    WSMsgType.CONTINUATION,
    WSMsgType.CLOSE,
)
_HEARTBEAT = "心跳超时 (heartbeat timeout: no answer from the platform)"


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
        #: set by close() and reconnect_now(): ends the wait between reconnect attempts
        self._wake = asyncio.Event()
        self._connections: set[WSTransport] = set()
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
        self._wake.set()
        for inbox in list(self._inboxes):
            inbox.wake.set()
        for transport in list(self._connections):
            with contextlib.suppress(Exception):
                transport.send_close()
                transport.disconnect()
                await asyncio.wait_for(transport.wait_disconnected(), timeout=1.0)
        self.tracker.set_state(LinkState.OFFLINE, error="已断开 (closed)")

    def reconnect_now(self) -> bool:
        """Skip the rest of the wait before the next reconnect attempt (a no-op while connected).

        A call made while an attempt is under way makes the attempt after it start at once.
        Returns True when the stream is not connected, i.e. the call may change something."""
        if self.closed or self.tracker.status.state is LinkState.CONNECTED:
            return False
        self._wake.set()
        return True

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
            self._wake.clear()  # a reconnect_now() from here on shortens the wait after this try
            inbox = _Inbox(cfg.max_pending)
            try:
                transport, _listener = await asyncio.wait_for(
                    ws_connect(
                        inbox.factory,
                        events_url(self.base_url, self.room, last),
                        extra_headers={"Authorization": f"Bearer {self._token}"},
                        websocket_handshake_timeout=cfg.open_timeout,
                        # a ping after half a window of silence; no answer by the end of the
                        # window (less the time a close may take) is a drop
                        enable_auto_ping=True,
                        auto_ping_idle_timeout=cfg.heartbeat_timeout / 2,
                        auto_ping_reply_timeout=cfg.heartbeat_timeout / 2 - _close_timeout(cfg),
                        max_frame_size=cfg.max_message,
                        logger_name="livedesk.stream",
                    ),
                    timeout=cfg.open_timeout,
                )
            except WSInvalidStatusError as exc:
                status = exc.response.status if exc.response is not None else 0
                if status in _PERMANENT_STATUSES:
                    raise self._refused(status, exc.raw_body) from None
                error = f"HTTP {status}"
            except (OSError, TimeoutError, WSError, ValueError) as exc:
                error = _describe(exc)
            else:
                backoff.reset()
                self.tracker.set_state(LinkState.CONNECTED)
                log.info("event stream connected to room %s after seq %d", self.room, last)
                outcome = _Outcome(last)
                try:
                    async with contextlib.aclosing(
                        self._read(transport, inbox, outcome)
                    ) as batches:
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
                await asyncio.wait_for(self._wake.wait(), timeout=delay)

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
        self, transport: WSTransport, inbox: _Inbox, outcome: _Outcome
    ) -> AsyncGenerator[EventBatch, None]:
        """Yield batches from one connection until it drops, a gap shows, or resync is asked."""
        self._connections.add(transport)
        self._inboxes.add(inbox)
        max_batch = self.config.max_batch
        try:
            while not self.closed:
                if not inbox.items:
                    if inbox.ended:
                        outcome.error = inbox.why()
                        return
                    await inbox.wake.wait()
                    continue
                events = self._parse(inbox.take(max_batch), outcome)
                if events:
                    self.tracker.saw_events(outcome.last)
                    yield events
                elif outcome.position_moved:
                    self.tracker.saw_events(outcome.last)
                if outcome.resync or outcome.error:
                    return
        finally:
            self._inboxes.discard(inbox)
            self._connections.discard(transport)
            if not inbox.ended:
                # a broken link must not wait for a closing handshake nobody will answer
                if outcome.error:
                    transport.disconnect(graceful=False)
                else:
                    with contextlib.suppress(Exception):
                        transport.send_close()
                    transport.disconnect()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(transport.wait_disconnected(), timeout=1.0)

    def _parse(self, raws: Sequence[bytes], outcome: _Outcome) -> EventBatch:
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
                        keep(raw)
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
            keep(raw)
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
    if isinstance(exc, TimeoutError):
        return "连接超时 (timed out)"
    if isinstance(exc, ConnectionRefusedError):
        return "无法连接平台 (connection refused)"
    text = str(exc) or type(exc).__name__
    return f"网络错误 (network error: {text})"
