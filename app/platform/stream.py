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

Off-contract input never stops the stream (the rules are in :mod:`app.platform.wire`): a non-JSON
message, an unknown event type or a payload that fails validation is logged (WARNING, with its
seq) and skipped; a skipped event that carried the next seq still advances the position (it is in
the log, and re-reading it would not help). A message larger than ``max_message`` is never held:
a single frame that large makes picows close the link (1009) before it is read; when the link
fails that way twice at the same position, the next seq is skipped and the stream resumes after
it, so one event it cannot take never keeps the console reconnecting forever. A fragmented message
that grows past the limit is dropped while it arrives; the connection stays up when what follows
it is the next seq (it was out-of-band), else it counts as a close for a message too large. Every skip is
reported once to the link's tracker (``ConnectionTracker.skipped``), which the window shows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

import orjson
from picows import (
    WSCloseCode,
    WSError,
    WSFrame,
    WSInvalidStatusError,
    WSListener,
    WSMsgType,
    WSTransport,
    ws_connect,
)

from app.aio import wait_event, wait_within
from app.platform.backoff import Backoff
from app.platform.connection import ConnectionTracker, LinkState
from app.platform.errors import PlatformError
from app.platform.models import Event, EventBatch, EventType
from app.platform.wire import OVERSIZED, Cursor, Parsed, fast_parse_event, parse_messages

__all__ = ["EventStream", "StreamConfig", "events_url", "fast_parse_event"]

log = logging.getLogger(__name__)
# picows says "Disconnected" at INFO on every link; the stream logs its own reconnects
logging.getLogger("picows.livedesk.stream").setLevel(logging.WARNING)


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
    #: largest message accepted (larger ones are skipped: see the module's docstring)
    max_message: int = 16 * 2**20


def _close_timeout(cfg: StreamConfig) -> float:
    return min(1.0, cfg.heartbeat_timeout / 10)


def events_url(base_url: str, room: str, after_seq: int, client: str | None = None) -> str:
    """``http(s)://host/...`` → ``ws(s)://host/api/v1/rooms/{room}/events?after_seq=N``
    (``&client=<name>``: how the host's 在线成员 list names this console)."""
    parts = urlsplit(base_url)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    path = f"{parts.path.rstrip('/')}/api/v1/rooms/{quote(room, safe='')}/events"
    query = f"after_seq={int(after_seq)}"
    if client:
        query += f"&client={quote(client, safe='')}"
    return urlunsplit((scheme, parts.netloc, path, query, ""))


class _Inbox(WSListener):
    """One connection's listener: the raw messages received and not yet handed to the consumer.

    picows calls :meth:`on_ws_frame` for every frame, from the event loop, synchronously."""

    def __init__(self, cap: int, max_message: int = 16 * 2**20) -> None:
        super().__init__()
        self.items: list[bytes] = []
        self.max_message = max_message
        self.wake = asyncio.Event()  # set when items arrive or the connection ends
        self.cap = cap
        self.paused = False
        self.ended = False
        self.transport: WSTransport | None = None
        self._parts: list[bytes] = []  # a fragmented message being assembled
        self._parts_size = 0
        self._dropping = False  # the fragmented message being received is too large: dropped
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
                # picows closes the link (1009) on a frame past max_frame_size, but may still
                # hand it over when it arrives within its 10 ms grace: never kept either way
                if frame.payload_size > self.max_message:
                    self.items.append(OVERSIZED)
                else:
                    self.items.append(frame.get_payload_as_bytes())
            else:
                size = frame.payload_size
                self._dropping = size > self.max_message
                self._parts = [] if self._dropping else [frame.get_payload_as_bytes()]
                self._parts_size = size
                return
        elif kind is _CONTINUATION:
            if not self._dropping:
                self._parts_size += frame.payload_size
                if self._parts_size > self.max_message:  # never held whole: dropped as it comes
                    self._parts, self._dropping = [], True
                else:
                    self._parts.append(frame.get_payload_as_bytes())
            if not frame.fin:
                return
            self.items.append(OVERSIZED if self._dropping else b"".join(self._parts))
            self._parts, self._parts_size, self._dropping = [], 0, False
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

    @property
    def too_big(self) -> bool:
        """The connection ended because a message was larger than the console accepts (we
        closed it with 1009, or the platform did)."""
        if self.close_code == _TOO_BIG:
            return True
        hs = self.transport.close_handshake if self.transport is not None else None
        sent = hs.sent if hs is not None else None
        return sent is not None and sent.code == WSCloseCode.MESSAGE_TOO_BIG

    def why(self) -> str:
        """What ended the connection, for the operator."""
        if self.too_big:
            return "事件过大，无法接收 (an event exceeded the size limit)"
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
_TOO_BIG = 1009  # WSCloseCode.MESSAGE_TOO_BIG
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
        client: str | None = None,
    ) -> None:
        self.base_url = base_url
        self.client = client
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
                await _disconnected(transport)
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
        cursor = Cursor(after_seq)
        backoff = Backoff(base=cfg.backoff_base, cap=cfg.backoff_cap)
        self.tracker.set_state(LinkState.CONNECTING)
        while not self.closed:
            error: str
            self._wake.clear()  # a reconnect_now() from here on shortens the wait after this try
            inbox = _Inbox(cfg.max_pending, cfg.max_message)
            try:
                transport, _listener = await wait_within(
                    ws_connect(
                        inbox.factory,
                        events_url(self.base_url, self.room, cursor.last, self.client),
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
                    cfg.open_timeout,
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
                log.info("event stream connected to room %s after seq %d", self.room, cursor.last)
                outcome = _Outcome()
                async with contextlib.aclosing(
                    self._read(transport, inbox, cursor, outcome)
                ) as batches:
                    async for batch in batches:
                        yield batch
                skipped, dropped = cursor.connection_ended(outcome.too_big)
                self._report(dropped, "too_big", ())
                if outcome.resync or self.closed:
                    return
                error = outcome.error or "连接已断开 (connection closed)"
                if outcome.too_big:
                    self._skipped_unreceivable(cursor, skipped)
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
                cursor.last,
            )
            await wait_event(self._wake, delay)

    def _skipped_unreceivable(self, cursor: Cursor, seq: int | None) -> None:
        """The link closed on a message too large to receive, right after ``cursor.last``
        (``seq``: the seq the cursor skipped because of it, if it did)."""
        if seq is None:
            log.warning(
                "event stream of room %s: a message after seq %d was too large to receive; "
                "asking again once (it may have been out-of-band)",
                self.room,
                cursor.last,
            )
            return
        log.error(
            "event stream of room %s: event seq %d is too large to receive (over %d bytes, "
            "twice): skipped; resuming after it",
            self.room,
            seq,
            self.config.max_message,
        )
        self._report(0, "too_big", (seq,))
        self.tracker.saw_events(cursor.last)

    def _report(self, unnumbered: int, reason: str, seqs: tuple[int, ...]) -> None:
        if unnumbered or seqs:
            self.skipped += unnumbered + len(seqs)
            self.tracker.skipped(seqs, unnumbered, reason)

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
        self, transport: WSTransport, inbox: _Inbox, cursor: Cursor, outcome: _Outcome
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
                        outcome.too_big = inbox.too_big
                        return
                    await inbox.wake.wait()
                    continue
                parsed = self._parse(inbox.take(max_batch), cursor)
                if parsed.events:
                    self.tracker.saw_events(cursor.last)
                    yield parsed.events
                elif parsed.moved:
                    self.tracker.saw_events(cursor.last)
                outcome.resync, outcome.error = parsed.resync, parsed.error
                outcome.too_big = parsed.too_big
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
            # always awaited: picows keeps the error that ended a link (e.g. 1009) in this
            # future, and asyncio logs "exception was never retrieved" for one nobody awaits
            with contextlib.suppress(Exception):
                await _disconnected(transport)

    def _parse(self, raws: Sequence[bytes], cursor: Cursor) -> Parsed:
        """One drain of the inbox → events (:func:`~app.platform.wire.parse_messages`); what
        was skipped is counted and reported to the tracker once."""
        parsed = parse_messages(raws, cursor, self.room)
        if parsed.skipped_seqs or parsed.unnumbered:
            self._report(parsed.unnumbered, "malformed", tuple(parsed.skipped_seqs))
        return parsed


async def _disconnected(transport: WSTransport) -> None:
    """Wait (at most a second) until ``transport`` is closed. Not at all once the loop is
    closed (a generator finalised at shutdown): the waiter could never run, and its coroutine
    would be reported as "never awaited"."""
    if asyncio.get_running_loop().is_closed():
        return
    await wait_within(transport.wait_disconnected(), 1.0)


class _Outcome:
    """What one connection ended with (shared between the connection loop and its reader)."""

    __slots__ = ("error", "resync", "too_big")

    def __init__(self) -> None:
        self.error: str | None = None
        self.resync = False
        self.too_big = False


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "连接超时 (timed out)"
    if isinstance(exc, ConnectionRefusedError):
        return "无法连接平台 (connection refused)"
    text = str(exc) or type(exc).__name__
    return f"网络错误 (network error: {text})"
