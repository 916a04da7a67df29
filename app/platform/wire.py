"""The event stream's wire rules, without I/O: where the stream stands, and what a message means.

Two pieces, both pure (no sockets, no clock, no loop), so that property tests can drive them with
any input (tests/unit/platform/test_stream_wire.py):

- :class:`Cursor`: the position in the platform's log (the last seq received or skipped) and the
  seqs that had to be skipped. A seq that cannot be received — its message is larger than the
  console accepts, so the WebSocket library closes the link before anyone reads it — is skipped
  when the link fails *twice in a row at the same position* for that reason (:meth:`Cursor.too_big`):
  the first failure may have been an out-of-band message that will not come again; a second one
  at the same seq is that seq, and asking for it again would fail forever. The next connection
  then resumes after it. Nothing else ever moves the position past a seq not received.
- :func:`parse_messages`: one drain of raw messages → typed events, in order, every seq once.
  It never raises: a non-JSON message, an unknown type or an invalid payload is skipped and
  counted (a numbered one still advances the position: it is in the log, and reading it again
  would not help); a repeat is dropped; a gap ends the connection so that it resumes from the
  last seq received; ``resync_required`` ends the batch. A message too large to keep (the
  :data:`OVERSIZED` marker put in its place, e.g. a fragmented one past the limit) followed by
  a later seq than the next one counts as a link closed by a message too large to receive
  (:attr:`Parsed.too_big`), so the cursor's rule above applies.

What this cannot tell apart: a platform that sends events out of order *and* an oversized
out-of-band message at the same position on two connections in a row would make the console skip
an event it could have read. A platform sends its seqs in order (docs/platform-api.md), and any
other disorder is a gap that is simply asked for again.

Every skip is reported (:attr:`Parsed.skipped_seqs`, :attr:`Parsed.unnumbered`, and the seq
:meth:`Cursor.connection_ended` returns), so that the operator can be told once (the link
tracker keeps a count; the window shows a note).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from pydantic import ValidationError

from app.platform.models import (
    EVENT_DATA,
    Event,
    EventBatch,
    EventType,
    MalformedEvent,
    parse_event,
)

log = logging.getLogger("app.platform.stream")

_RESYNC = EventType.RESYNC_REQUIRED.value

#: the marker left in place of a message that was too large to keep (identity, not equality)
OVERSIZED = bytes(bytearray(b"\x00oversized"))

#: failures at one position, each a message too large to receive, before its seq is skipped
TOO_BIG_STRIKES = 2

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


class Cursor:
    """The stream's position in the log: ``last`` is the last seq received or skipped."""

    __slots__ = ("_strikes", "_stuck_at", "last", "oversized", "skipped_seqs")

    def __init__(self, after_seq: int) -> None:
        self.last = int(after_seq)
        #: seqs skipped because they could not be received, in order (kept for the operator)
        self.skipped_seqs: list[int] = []
        #: messages too large to keep, received since the last numbered one on this connection
        self.oversized = 0
        self._stuck_at: int | None = None
        self._strikes = 0

    def connection_ended(self, too_big: bool) -> tuple[int | None, int]:
        """A connection ended (``too_big``: because a message was larger than the console
        accepts, with everything before it consumed). Returns ``(skipped seq or None,
        out-of-band messages dropped)``: the next connection asks for ``last + 1``.

        Messages too large to keep that nothing numbered followed were the cause of the close
        (``too_big``: :meth:`too_big` decides), else out-of-band as far as anyone can tell (a seq
        among them is simply asked for again)."""
        pending, self.oversized = self.oversized, 0
        if too_big:
            return self.too_big(), 0
        return None, pending

    def too_big(self) -> int | None:
        """A connection ended because a message was too large to receive, with everything before
        it consumed. Returns the seq to skip (the position moves past it) when this is the
        :data:`TOO_BIG_STRIKES`-th such failure at this position, else None (retry from here)."""
        if self._stuck_at != self.last:
            self._stuck_at, self._strikes = self.last, 0
        self._strikes += 1
        if self._strikes < TOO_BIG_STRIKES:
            return None
        seq = self.last + 1
        self.last = seq
        self.skipped_seqs.append(seq)
        self._stuck_at, self._strikes = None, 0
        return seq


@dataclass(slots=True)
class Parsed:
    """What one drain of the inbox gave."""

    events: EventBatch
    #: numbered events skipped as malformed, in order
    skipped_seqs: list[int] = field(default_factory=list)
    #: messages skipped that carried no readable seq (not JSON, no seq, too large and out-of-band)
    unnumbered: int = 0
    #: the platform asks for a snapshot reload (the batch ends with the resync_required event)
    resync: bool = False
    #: why the connection must be dropped and resumed (a seq gap), else None
    error: str | None = None
    #: the gap followed a message too large to keep: end the link as one closed by it (1009)
    too_big: bool = False
    #: the cursor moved (events taken or skipped)
    moved: bool = False

    @property
    def skipped(self) -> int:
        return len(self.skipped_seqs) + self.unnumbered


def parse_messages(raws: Sequence[bytes], cursor: Cursor, room: str = "") -> Parsed:
    """Decode and validate one drain of raw messages, keeping order and dropping repeats.

    The batch keeps each event's raw message (``wire``) for the session recorder. Moves
    ``cursor.last`` past every event taken or skipped; never raises for any input."""
    wire: list[bytes] = []
    out = Parsed(EventBatch((), wire))
    append = out.events.append
    keep = wire.append
    last = start = cursor.last
    oversized = cursor.oversized  # messages too large to keep since the last numbered one
    loads = orjson.loads
    for i, raw in enumerate(raws):
        if raw is OVERSIZED:
            oversized += 1
            continue
        try:
            obj = loads(raw)
        except orjson.JSONDecodeError:
            out.unnumbered += 1
            log.warning("skipped a non-JSON message after seq %d: %.200r", last, raw)
            continue
        seq = obj.get("seq") if type(obj) is dict else None
        if type(seq) is int:
            if seq <= last:
                if seq == 0 and obj.get("type") == _RESYNC:
                    keep(raw)
                    append(_resync_event(obj))
                    out.resync = True
                    break
                continue  # already seen (replay overlap after a reconnect)
            if seq != last + 1:
                if oversized:
                    # a message too large to keep, then a later seq: it may have been the seq
                    # missing. Resolved as a link closed by one (Cursor.too_big): asked for
                    # again once, skipped when it happens twice at this position
                    out.too_big = True
                    out.error = "事件过大，无法接收 (an event exceeded the size limit)"
                    log.warning(
                        "event stream of room %s: a message too large to receive after seq %d "
                        "(then seq %d)",
                        room,
                        last,
                        seq,
                    )
                else:
                    out.error = f"事件序号跳跃 (gap: expected seq {last + 1}, got {seq})"
                    log.error(
                        "event stream of room %s: gap after seq %d (got %d, %d messages dropped); "
                        "reconnecting from seq %d",
                        room,
                        last,
                        seq,
                        len(raws) - i,
                        last,
                    )
                break
            if oversized:  # out-of-band messages, not events of the log
                out.unnumbered += oversized
                log.warning("skipped %d message(s) too large to receive (out-of-band)", oversized)
                oversized = 0
        try:
            event = fast_parse_event(obj, seq) if type(seq) is int else parse_event(obj)
        except MalformedEvent as exc:
            log.warning("skipped malformed event (seq %s): %s", exc.seq, exc)
            if type(seq) is int:
                out.skipped_seqs.append(seq)
                last = seq  # it is in the log: do not ask for it again
            else:
                out.unnumbered += 1
            continue
        except Exception as exc:  # nothing a platform sends may stop the stream
            log.warning("skipped an unreadable message after seq %d: %r", last, exc)
            if type(seq) is int:
                out.skipped_seqs.append(seq)
                last = seq
            else:
                out.unnumbered += 1
            continue
        last = event.seq
        append(event)
        keep(raw)
    # too large and nothing numbered after them yet: the next drain tells what they stood for
    cursor.oversized = oversized
    out.moved = last != start
    cursor.last = last
    return out


def _resync_event(obj: dict[str, Any]) -> Event:
    try:
        return parse_event(obj)
    except MalformedEvent as exc:
        # still a resync request: build it from what we know
        log.warning("malformed resync_required event: %s", exc)
        return Event.model_construct(
            seq=0, ts=time.time(), type=EventType.RESYNC_REQUIRED, data=None
        )
