"""Property tests of the event stream's wire rules (app/platform/wire.py): the parser of raw
stream messages (and its fast path), and the resume logic (the cursor) under disconnects,
repeats, reorders, junk and messages too large to receive.

What they stand for: nothing a platform sends can stop the console's feed (no exception out of
the parser, whatever the bytes), a well-formed event arrives exactly as sent, and across any
sequence of connections the room gets every seq once, in order, with no hole but the ones it
declared (and told the operator about). Budgets are small so CI stays quick (a few seconds
each); LIVEDESK_PROPERTY_EXAMPLES=5000 searches deeper.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.platform.models import EventType, MalformedEvent, parse_event
from app.platform.wire import OVERSIZED, TOO_BIG_STRIKES, Cursor, fast_parse_event, parse_messages


@pytest.fixture(autouse=True)
def quiet_stream_log() -> Iterator[None]:
    """Every skip logs a warning: thousands of examples would spend their budget logging."""
    logger = logging.getLogger("app.platform.stream")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)


#: examples per property; CI's budget by default, more for a deeper local search
EXAMPLES = int(os.environ.get("LIVEDESK_PROPERTY_EXAMPLES", "150"))
FAST = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
type_names = st.sampled_from([t.value for t in EventType]) | st.text(max_size=12)
# messages that look like events: the right keys with arbitrary values
event_like = st.fixed_dictionaries(
    {},
    optional={
        "seq": st.integers(min_value=-3, max_value=40) | json_values,
        "ts": st.floats(allow_nan=False, allow_infinity=False) | json_values,
        "type": type_names | json_values,
        "data": json_values,
    },
)


def comment_data(i: int) -> dict[str, Any]:
    return {"comment": {"id": f"c{i}", "user_id": f"u{i}", "nickname": "小明", "text": f"第{i}条"}}


def wire(seq: int, etype: str = "comment", data: Any = None, ts: float = 1.5) -> bytes:
    return orjson.dumps(
        {"seq": seq, "ts": ts, "type": etype, "data": comment_data(seq) if data is None else data}
    )


# --- the parser never raises ----------------------------------------------------------------


@FAST
@given(st.lists(st.binary(max_size=64), max_size=20), st.integers(min_value=0, max_value=30))
def test_arbitrary_bytes_never_raise_and_every_message_is_taken_or_counted(
    raws: list[bytes], after: int
) -> None:
    cursor = Cursor(after)
    parsed = parse_messages(raws, cursor)
    assert cursor.last >= after
    assert len(parsed.events) + parsed.skipped <= len(raws)
    assert parsed.events.wire is not None and len(parsed.events.wire) == len(parsed.events)


@FAST
@given(
    st.lists(
        (event_like | json_values).map(lambda o: json.dumps(o).encode()) | st.just(OVERSIZED),
        max_size=20,
    ),
    st.integers(min_value=0, max_value=10),
)
def test_arbitrary_json_never_raises_and_events_come_out_in_order_once(
    raws: list[bytes], after: int
) -> None:
    cursor = Cursor(after)
    parsed = parse_messages(raws, cursor)
    seqs = [e.seq for e in parsed.events if e.type is not EventType.RESYNC_REQUIRED]
    assert seqs == sorted(set(seqs)) and all(s > after for s in seqs)
    # every seq taken or declared skipped is one the cursor has passed, and none twice
    passed = seqs + parsed.skipped_seqs
    assert len(passed) == len(set(passed)) and all(after < s <= cursor.last for s in passed)
    if parsed.resync:
        assert parsed.events[-1].type is EventType.RESYNC_REQUIRED


@FAST
@given(event_like, st.integers(min_value=0, max_value=40))
def test_the_fast_path_agrees_with_the_reference_parser(obj: dict[str, Any], seq: int) -> None:
    obj = {**obj, "seq": seq}
    try:
        expected = parse_event(obj)
    except MalformedEvent:
        expected = None
    try:
        got = fast_parse_event(obj, seq)
    except MalformedEvent:
        got = None
    assert (got is None) == (expected is None)
    if got is not None and expected is not None:
        assert (got.seq, got.ts, got.type) == (expected.seq, expected.ts, expected.type)
        assert got.data == expected.data


def contains(dumped: Any, sent: Any) -> bool:
    """``sent`` is in ``dumped`` (which may have more: defaults, the actor)."""
    if isinstance(sent, dict):
        return isinstance(dumped, dict) and all(
            k in dumped and contains(dumped[k], v) for k, v in sent.items()
        )
    return bool(dumped == sent)


comments = st.fixed_dictionaries(
    {
        "id": st.text(min_size=1, max_size=12),
        "user_id": st.text(max_size=12),
        "nickname": st.text(max_size=12),
        "text": st.text(max_size=40),
        "is_follower": st.booleans(),
        "fan_level": st.integers(min_value=0, max_value=2**40),
    }
)


@FAST
@given(
    st.lists(
        st.one_of(
            comments.map(lambda c: ("comment", {"comment": c})),
            st.tuples(
                st.integers(min_value=0, max_value=2**40), st.integers(min_value=0, max_value=2**40)
            ).map(lambda v: ("viewers", {"online": v[0], "uv": v[1]})),
            st.tuples(st.text(max_size=8), st.text(max_size=8)).map(
                lambda v: ("follow", {"user_id": v[0], "nickname": v[1]})
            ),
        ),
        min_size=1,
        max_size=15,
    ),
    st.floats(min_value=0, max_value=2e9),
)
def test_valid_events_round_trip_with_their_wire_bytes(
    payloads: list[tuple[str, dict[str, Any]]], ts: float
) -> None:
    raws = [wire(i, t, d, ts) for i, (t, d) in enumerate(payloads, 1)]
    cursor = Cursor(0)
    parsed = parse_messages(raws, cursor)
    assert parsed.skipped == 0 and not parsed.error
    assert [e.seq for e in parsed.events] == list(range(1, len(raws) + 1))
    assert parsed.events.wire == raws
    for event, (etype, data) in zip(parsed.events, payloads, strict=True):
        assert event.type.value == etype and event.ts == ts
        assert contains(event.data.model_dump(mode="json"), data)
    assert cursor.last == len(raws)


# --- the resume model -----------------------------------------------------------------------
# A platform's log of N events; some malformed (skipped, counted), some too large to receive:
# sent as one frame (the link closes, like picows' 1009, and the frame may or may not have been
# handed over as OVERSIZED first), or fragmented (dropped as OVERSIZED, the link stays up).
# Each connection resumes from the cursor and may be disturbed: cut after k messages, a repeat of
# an older event, two events swapped, junk or an oversized out-of-band message slipped in; the
# messages reach the parser in drains of arbitrary sizes.


@dataclass
class Disturbance:
    cut: int | None = None  # the link drops after this many messages
    repeat_at: int | None = None  # an already-sent seq is sent again here
    swap_at: int | None = None  # this message and the next are swapped
    junk_at: int | None = None  # a non-JSON message here
    oob_big_at: int | None = None  # a fragmented out-of-band message past the limit here


@dataclass
class Room:
    kinds: list[str]  # per seq (index + 1): "ok", "bad", "big1" (one frame), "bigf" (fragments)
    slip: list[bool]  # per seq: a one-frame big one was handed over before the close
    events: list[int] = field(default_factory=list)
    declared: list[int] = field(default_factory=list)
    connections: int = 0


def serve(room: Room, after: int, d: Disturbance) -> tuple[list[bytes], bool]:
    """What one connection from ``after`` delivers, and whether it ended with a 1009 close."""
    out: list[bytes] = []
    too_big = False
    for seq in range(after + 1, len(room.kinds) + 1):
        kind = room.kinds[seq - 1]
        if kind == "big1":
            if room.slip[seq - 1]:
                out.append(OVERSIZED)
            too_big = True
            break
        if kind == "bigf":
            out.append(OVERSIZED)
        elif kind == "bad":
            out.append(wire(seq, "comment", {"comment": {"id": 5}}))
        else:
            out.append(wire(seq))
    if d.junk_at is not None:
        out.insert(min(d.junk_at, len(out)), b"not json {")
    if d.oob_big_at is not None:
        out.insert(min(d.oob_big_at, len(out)), OVERSIZED)
    if d.repeat_at is not None and after > 0:
        out.insert(min(d.repeat_at, len(out)), wire(max(1, after - 1)))
    if d.swap_at is not None and d.swap_at + 1 < len(out):
        out[d.swap_at], out[d.swap_at + 1] = out[d.swap_at + 1], out[d.swap_at]
    if d.cut is not None and d.cut < len(out):
        out, too_big = out[: d.cut], False
    return out, too_big


def run(room: Room, disturbances: list[Disturbance], drains: list[int]) -> Cursor:
    """The stream's connection loop, over simulated connections (the rules under test are the
    ones the real loop calls: parse_messages per drain, Cursor.connection_ended per link)."""
    cursor = Cursor(0)
    drain_sizes = iter(drains)
    limit = 4 * len(room.kinds) + 2 * len(disturbances) + 10
    while cursor.last < len(room.kinds):
        room.connections += 1
        assert room.connections <= limit, "no progress: reconnecting in a loop"
        d = disturbances[room.connections - 1] if room.connections <= len(disturbances) else None
        msgs, too_big = serve(room, cursor.last, d or Disturbance())
        while msgs:
            n = max(1, next(drain_sizes, len(msgs)))
            batch, msgs = msgs[:n], msgs[n:]
            parsed = parse_messages(batch, cursor)
            room.events.extend(e.seq for e in parsed.events)
            room.declared.extend(parsed.skipped_seqs)
            if parsed.error:
                too_big = parsed.too_big  # the rest of this connection is never read
                break
        skipped, _dropped = cursor.connection_ended(too_big)
        if skipped is not None:
            room.declared.append(skipped)
    return cursor


kinds = st.sampled_from(["ok"] * 6 + ["bad", "big1", "bigf"])
positions = st.none() | st.integers(0, 12)
# a connection misorders events or sends an oversized out-of-band message, not both: with both,
# twice in a row at one position, an event could be skipped (the limit stated in wire.py)
disturbances = st.builds(
    Disturbance,
    cut=positions,
    repeat_at=positions,
    swap_at=positions,
    junk_at=positions,
    oob_big_at=st.none(),
) | st.builds(
    Disturbance,
    cut=positions,
    repeat_at=positions,
    swap_at=st.none(),
    junk_at=positions,
    oob_big_at=positions,
)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(kinds, min_size=1, max_size=20).flatmap(
        lambda ks: st.tuples(
            st.just(ks), st.lists(st.booleans(), min_size=len(ks), max_size=len(ks))
        )
    ),
    st.lists(disturbances, max_size=12),
    st.lists(st.integers(1, 7), max_size=40),
)
def test_any_deliveries_yield_every_seq_once_in_order_with_only_declared_holes(
    log: tuple[list[str], list[bool]], dist: list[Disturbance], drains: list[int]
) -> None:
    # the room goes on: a message too large to keep is known to stand for a seq only once the
    # next event arrives, so the log ends with a readable one (as a live room's always does)
    room = Room(kinds=[*log[0], "ok"], slip=[*log[1], False])
    cursor = run(room, dist, drains)
    n = len(room.kinds)
    # in order, each once
    assert room.events == sorted(set(room.events))
    # the holes are exactly the events that could not be taken, each declared once
    unreadable = {s for s in range(1, n + 1) if room.kinds[s - 1] != "ok"}
    assert sorted(room.declared) == sorted(set(room.declared)), "a skip reported twice"
    assert set(room.declared) == unreadable
    assert set(room.events) == set(range(1, n + 1)) - unreadable
    assert cursor.last == n
    # the too-large-to-receive ones were skipped as such, recorded on the cursor
    assert {s for s in cursor.skipped_seqs} == {
        s for s in range(1, n + 1) if room.kinds[s - 1] in ("big1", "bigf")
    }


def test_a_one_frame_event_too_large_is_asked_for_again_once_then_skipped() -> None:
    cursor = Cursor(7)
    for _ in range(TOO_BIG_STRIKES - 1):
        assert cursor.connection_ended(too_big=True) == (None, 0)
        assert cursor.last == 7
    assert cursor.connection_ended(too_big=True) == (8, 0)
    assert cursor.last == 8 and cursor.skipped_seqs == [8]
    # progress resets the count: one failure later at 12 is asked for again
    parse_messages([wire(9), wire(10), wire(11), wire(12)], cursor)
    assert cursor.connection_ended(too_big=True) == (None, 0) and cursor.last == 12
