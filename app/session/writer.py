"""The session file's writer: one thread, fed by a queue, committing in small batches.

The caller (the UI thread, via :class:`app.session.recorder.SessionRecorder`) only appends to a
queue. The writer thread turns what it takes into rows — a compressed block of every event,
narrow rows for comments/orders/markers, per-second counters — and commits them in one
transaction per batch. A batch closes ``BATCH_WINDOW`` seconds after its first item, so a crash
(SIGKILL) loses at most that window plus whatever was still queued (normally ≪ 1 s).

Events may come out of seq order (the recorder fills a gap from the platform's log after the
live events that followed it): each entity's stored state is the one of its newest event, and its
first state the one of its oldest, whatever order they were written in.

Money is recorded in minor units; the meta says its currencies: ``currency`` (the catalogue's,
orders and GMV: the room's at the start, from the recorder) and ``gift_currency`` (gifts, paid
messages, red envelopes: their events', noted here when first seen). A file without them is CNY.

No secret is written: a wire line naming the RTMP stream key (an older platform's session event)
is stored without it (:mod:`app.session.redact`).

Events this console made itself (:meth:`SessionWriter.put_local`: its own lottery and quiz) go to
``local_events``, never to ``event_blocks`` (the platform's seqs), and their lottery to
``entities`` as a platform lottery's would (app/session/schema.py).
"""

from __future__ import annotations

import bisect
import logging
import queue
import sqlite3
import threading
import time
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import orjson
from pydantic import BaseModel

from app.format import money as format_money
from app.live.comment_kinds import classify_bits
from app.platform import models as m
from app.session import actions, schema
from app.session.redact import SECRET_MARK, redact_line

log = logging.getLogger(__name__)

# seconds from the first queued item to the commit of its batch. Short on purpose: the queued
# events are pydantic objects the GC tracks; held 0.2 s at 20,000 events/s (~22k objects) they
# outlived the young generation and made gen1 collections of up to 0.3 s (the feed_ui bench's
# loop lag shows it); 20 commits/s cost little in WAL mode
BATCH_WINDOW = 0.05
MAX_BATCH_EVENTS = 20_000  # ~0.25 s of writing: a backlog is committed in slices, not at once
ZLEVEL = 1
#: the writer's SQLite page cache: it appends (the hot pages are each B-tree's right edge and
#: the entities it updates), so a few MB do; a replay's 32 MB would fill up over a busy session
#: and stay as the console's memory
WRITE_CACHE_KIB = 4_000

ET = m.EventType
# Events caused by an operator that become timeline markers: type → marker kind. A flash sale's
# start and end are markers whoever caused them: a scheduled sale starts on the platform's timer
# and most sales end on it (or by selling out), with no actor.
MARKER_KINDS: dict[str, str] = {
    ET.PRODUCT_UPDATED: "product_updated",
    ET.PRODUCTS_REORDERED: "reorder",
    ET.COUPON_ISSUED: "coupon_issued",
    ET.COUPON_ENDED: "coupon_ended",
    ET.FLASH_SALE_SCHEDULED: "flash_sale_scheduled",
    ET.FLASH_SALE_STARTED: "flash_sale_started",
    ET.FLASH_SALE_ENDED: "flash_sale_ended",
    ET.LOTTERY_STARTED: "lottery_started",
    ET.LOTTERY_DRAWN: "lottery_drawn",
    ET.RED_ENVELOPE_STARTED: "red_envelope_started",
    ET.RED_ENVELOPE_ENDED: "red_envelope_ended",
    ET.STOCK_RESERVED: "stock_reserved",
    ET.STOCK_RELEASED: "stock_released",
    ET.COMMENT_PINNED: "pin",
    ET.COMMENT_HIDDEN: "hide",
    ET.USER_MUTED: "mute",
    ET.USER_UNMUTED: "unmute",
    ET.SESSION_STARTED: "session_started",
    ET.SESSION_ENDED: "session_ended",
}
#: the console's quiz on the timeline (no seq: local events)
_QUIZ_MARKERS: dict[str, str] = {ET.QUIZ_STARTED: "quiz_started", ET.QUIZ_REVEALED: "quiz_revealed"}
# a rain starts and ends on the platform's clock too (or when the last envelope is grabbed), and
# a reservation comes back when its promotion ends
_SYSTEM_MARKERS = frozenset(
    {
        ET.FLASH_SALE_STARTED,
        ET.FLASH_SALE_ENDED,
        ET.RED_ENVELOPE_STARTED,
        ET.RED_ENVELOPE_ENDED,
        ET.STOCK_RELEASED,
    }
)
_ENTITY: dict[str, tuple[str, str]] = {
    ET.FLASH_SALE_SCHEDULED: ("flash_sale", "flash_sale"),
    ET.COUPON_ISSUED: ("coupon", "coupon"),
    ET.COUPON_ENDED: ("coupon", "coupon"),
    ET.FLASH_SALE_STARTED: ("flash_sale", "flash_sale"),
    ET.FLASH_SALE_UPDATED: ("flash_sale", "flash_sale"),
    ET.FLASH_SALE_ENDED: ("flash_sale", "flash_sale"),
    ET.LOTTERY_STARTED: ("lottery", "lottery"),
    ET.LOTTERY_DRAWN: ("lottery", "lottery"),
    ET.PRODUCT_UPDATED: ("product", "product"),
    ET.RED_ENVELOPE_SCHEDULED: ("red_envelope", "red_envelope"),
    ET.RED_ENVELOPE_STARTED: ("red_envelope", "red_envelope"),
    ET.RED_ENVELOPE_GRABBED: ("red_envelope", "red_envelope"),
    ET.RED_ENVELOPE_ENDED: ("red_envelope", "red_envelope"),
    ET.STOCK_RESERVED: ("reservation", "reservation"),
    ET.RESERVATION_UPDATED: ("reservation", "reservation"),
    ET.STOCK_RELEASED: ("reservation", "reservation"),
}


@dataclass(slots=True)
class SecondCounts:
    """One second's counters, added to that second's ``per_sec`` row (its columns, same names)."""

    comments: int = 0  # viewers' comments (staff comments are not counted)
    orders: int = 0  # orders created
    gmv_cents: int = 0  # their amount
    paid_orders: int = 0
    paid_gmv_cents: int = 0
    refunded_cents: int = 0
    likes: int = 0
    gifts: int = 0
    follows: int = 0
    events: int = 0  # every event of the second

    def values(self) -> tuple[int, ...]:
        """The counters in :data:`_PER_SEC_COLS` order."""
        return tuple(getattr(self, name) for name in _PER_SEC_COLS)


#: the ``per_sec`` columns the writer adds to, in the order of :meth:`SecondCounts.values`
_PER_SEC_COLS = tuple(f.name for f in fields(SecondCounts))


@dataclass(slots=True)
class SecondMoney:
    """One second's viewers' money besides orders and the newer interaction kinds, added to that
    second's ``per_sec_money`` row (same names; a row only for seconds that had any)."""

    gift_value_cents: int = 0  # what the gifts were worth, in the room's currency
    paid_messages: int = 0  # 醒目留言 / Super Chat
    paid_message_cents: int = 0
    memberships: int = 0
    shares: int = 0

    def values(self) -> tuple[int, ...]:
        return tuple(getattr(self, name) for name in _PER_SEC_MONEY_COLS)


_PER_SEC_MONEY_COLS = tuple(f.name for f in fields(SecondMoney))


def _money(rows: dict[int, SecondMoney], sec: int) -> SecondMoney:
    row = rows.get(sec)
    if row is None:
        row = rows[sec] = SecondMoney()
    return row


def _from_json_rows(n: int) -> str:
    """``SELECT`` of the ``n`` columns of each row of a JSON array of arrays (one parameter)."""
    return "SELECT " + ", ".join(f"value ->> {i}" for i in range(n)) + " FROM json_each(?)"


_INSERT_COMMENTS = "INSERT OR IGNORE INTO comments " + _from_json_rows(6)
_UPSERT_ORDERS = (
    "INSERT INTO orders " + _from_json_rows(14) + " WHERE true"
    " ON CONFLICT(id) DO UPDATE SET seq=excluded.seq, updated_ts=excluded.updated_ts,"
    " status=excluded.status, amount_cents=excluded.amount_cents,"
    " quantity=excluded.quantity WHERE excluded.seq > orders.seq"
)


def to_json(value: Any) -> bytes:
    """JSON bytes of a pydantic model (fast path, in Rust) or a plain value."""
    if isinstance(value, BaseModel):
        return value.__pydantic_serializer__.to_json(value)
    return orjson.dumps(value)


def encode_event(ev: m.Event) -> bytes:
    """One event as its wire-format JSON line (``{"seq", "ts", "type", "data"}``)."""
    return orjson.dumps(
        {
            "seq": ev.seq,
            "ts": ev.ts,
            "type": str(ev.type),
            "data": orjson.Fragment(to_json(ev.data)),
        }
    )


def _size(item: tuple[str, Any] | None) -> int:
    return len(item[1]) if item is not None and item[0] == "events" else 1


def _runs(blocks: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge (first_seq, last_seq) blocks into sorted runs of consecutive seqs."""
    runs: list[tuple[int, int]] = []
    for first, last in sorted(blocks):
        if runs and first <= runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], max(runs[-1][1], last))
        else:
            runs.append((first, last))
    return runs


def _inside(runs: list[tuple[int, int]], seq: int) -> bool:
    i = bisect.bisect_right(runs, (seq, float("inf"))) - 1
    return i >= 0 and runs[i][0] <= seq <= runs[i][1]


@dataclass
class WriterStats:
    events: int = 0
    batches: int = 0
    last_seq: int = 0
    errors: int = 0


@dataclass
class _Batch:
    events: list[m.Event] = field(default_factory=list)
    #: each event's wire line as the platform sent it, or None (encoded again when written)
    wire: list[bytes | None] = field(default_factory=list)
    #: comment seq → kind bits, as the room classified them at ingest
    kinds: dict[int, int] = field(default_factory=dict)
    actions: list[tuple[Any, ...]] = field(default_factory=list)
    metrics: list[tuple[Any, ...]] = field(default_factory=list)
    obs: list[tuple[float, str, dict[str, Any]]] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)


class SessionWriter:
    """Owns one session file and the thread that writes it. Thread-safe ``put_*`` methods."""

    def __init__(self, path: Path, meta: dict[str, str] | None = None) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.stats = WriterStats()
        self._q: queue.SimpleQueue[tuple[str, Any] | None] = queue.SimpleQueue()
        # events handed in (by the feeding thread) and taken off the queue (by the writer
        # thread): each counter has one writer, so their difference needs no lock
        self._queued_events = 0
        self._taken_events = 0
        self._conn = schema.connect(path, create=True, cache_kib=WRITE_CACHE_KIB, meta=meta)
        # a reopened file (same session after a restart): the seq runs it already holds
        self._held = _runs(self._conn.execute("SELECT first_seq, last_seq FROM event_blocks"))
        self.resume_seq: int = self._held[-1][1] if self._held else 0  # last seq in the file
        #: seq ranges (after, upto] missing between what the file holds (a crash mid back-fill)
        self.holes: list[tuple[int, int]] = [
            (a[1], b[0] - 1) for a, b in zip(self._held, self._held[1:], strict=False)
        ]
        self.stats.last_seq = self.resume_seq
        self._entities: dict[tuple[str, str], dict[str, Any]] = {}
        #: (first, last) seq of the states written for each entity (0: the bag at the start)
        self._entity_seqs: dict[tuple[str, str], tuple[int, int]] = {}
        self._titles: dict[str, str] = {}
        #: the currency of the viewers' money recorded so far (meta ``gift_currency``)
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'gift_currency'").fetchone()
        self._gift_currency: str | None = str(row[0]) if row else None
        for kind, eid, js, seq in self._conn.execute("SELECT kind, id, json, seq FROM entities"):
            obj = orjson.loads(js)
            self._entities[(kind, eid)] = obj
            self._entity_seqs[(kind, eid)] = (int(seq), int(seq))
            if kind == "product":
                self._titles[eid] = str(obj.get("title", ""))
        if meta:
            self._write_meta(meta)
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=f"session-writer:{path.name}")
        self._thread.daemon = True
        self._thread.start()

    # --- feeding (any thread; O(1)) --------------------------------------------------------------
    def put_events(self, events: Sequence[m.Event]) -> None:
        self._queued_events += len(events)
        self._q.put(("events", events))

    def put_local(self, events: Sequence[m.Event]) -> None:
        """Events this console made itself (``LiveRoom.subscribe_local``), in order."""
        if events:
            self._q.put(("local", list(events)))

    def put_action(self, rec: Any) -> None:
        self._q.put(("action", rec))

    def put_changes(self, rows: list[tuple[Any, ...]]) -> None:
        """Operators' changes with before → after (:func:`app.session.actions.change_rows`)."""
        self._q.put(("changes", rows))

    def put_metrics(self, ts: float, metrics: dict[str, Any]) -> None:
        self._q.put(("metrics", (ts, metrics)))

    def put_obs(self, ts: float, kind: str, data: dict[str, Any]) -> None:
        self._q.put(("obs", (ts, kind, data)))

    def put_meta(self, key: str, value: str) -> None:
        self._q.put(("meta", (key, value)))

    def put_products(self, products: Iterable[m.Product], ts: float) -> None:
        """The bag as it was when recording started (stock at start, titles)."""
        self._q.put(("products", (list(products), ts)))

    @property
    def backlog(self) -> int:
        return self._q.qsize()

    @property
    def backlog_events(self) -> int:
        """Events handed in and not yet taken by the writer thread."""
        return self._queued_events - self._taken_events

    def close(self, timeout: float | None = 30.0) -> None:
        """Write what is queued, commit, and close the file (blocks until the thread ends)."""
        if not self._closed:
            self._closed = True
            self._q.put(None)
        self._thread.join(timeout)

    def close_soon(self) -> None:
        """Ask the thread to finish and close the file without waiting for it."""
        if not self._closed:
            self._closed = True
            self._q.put(None)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    # --- the thread ------------------------------------------------------------------------------
    def _run(self) -> None:
        q = self._q
        done = False
        while not done:
            item = q.get()
            items = [item]
            n = _size(item)
            deadline = time.monotonic() + BATCH_WINDOW
            while item is not None and n < MAX_BATCH_EVENTS:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                try:
                    item = q.get(timeout=left)
                except queue.Empty:
                    break
                items.append(item)
                n += _size(item)
            done = items[-1] is None
            self._taken_events += sum(
                len(it[1]) for it in items if it is not None and it[0] == "events"
            )
            try:
                self._write([it for it in items if it is not None])
            except sqlite3.Error:  # disk full, file removed …: keep the app running
                self.stats.errors += 1
                log.exception("session writer: batch lost")
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
        self._conn.close()

    def _write(self, items: list[tuple[str, Any]]) -> None:
        b = _Batch()
        products: list[tuple[list[m.Product], float]] = []
        changes: list[tuple[Any, ...]] = []
        local: list[m.Event] = []
        for kind, payload in items:
            if kind == "events":
                b.events.extend(payload)
                wire = m.wire_of(payload)
                b.wire.extend(wire if wire is not None else [None] * len(payload))
                kinds = getattr(payload, "kinds", None)
                if kinds:
                    b.kinds.update(kinds)
            elif kind == "action":
                r = payload
                b.actions.append(
                    (
                        r.ts,
                        r.name,
                        r.role,
                        int(r.ok),
                        r.error,
                        r.duration_ms,
                        orjson.dumps(r.args, default=str).decode(),
                    )
                )
            elif kind == "metrics":
                ts, mt = payload
                b.metrics.append(
                    (
                        int(ts),
                        mt.get("online", 0),
                        mt.get("uv", 0),
                        mt.get("likes", 0),
                        mt.get("comments", 0),
                        mt.get("orders", 0),
                        mt.get("gmv_cents", 0),
                        mt.get("paid_gmv_cents", 0),
                        orjson.dumps(mt).decode(),
                    )
                )
            elif kind == "obs":
                b.obs.append(payload)
            elif kind == "meta":
                b.meta[payload[0]] = payload[1]
            elif kind == "products":
                products.append(payload)
            elif kind == "changes":
                changes.extend(payload)
            elif kind == "local":
                local.extend(payload)
        c = self._conn
        c.execute("BEGIN")
        for plist, ts in products:
            self._initial_products(plist, ts)
        if b.events:
            self._write_events(b.events, b.wire, b.kinds)
        if local:
            self._write_local(local)
        if b.actions:
            c.executemany(
                "INSERT INTO actions(ts, name, role, ok, error, duration_ms, args)"
                " VALUES (?,?,?,?,?,?,?)",
                b.actions,
            )
        if changes:
            c.executemany(actions.INSERT_SQL, changes)
        if b.metrics:
            c.executemany("INSERT OR REPLACE INTO metrics VALUES (?,?,?,?,?,?,?,?,?)", b.metrics)
        for ts, kind, data in b.obs:
            c.execute(
                "INSERT INTO obs(ts, kind, data) VALUES (?,?,?)",
                (ts, kind, orjson.dumps(data, default=str).decode()),
            )
            if kind == "scene":
                name = str(data.get("scene") or data.get("name") or "")
                c.execute(
                    "INSERT INTO markers(seq, ts, kind, role, token_id, product_id, label)"
                    " VALUES (NULL, ?, 'scene', ?, NULL, NULL, ?)",
                    (ts, data.get("role"), name),
                )
            elif kind == "failover":  # app/obs/failover.py: a switch, an alert, the emergency key
                c.execute(
                    "INSERT INTO markers(seq, ts, kind, role, token_id, product_id, label)"
                    " VALUES (NULL, ?, ?, NULL, NULL, NULL, ?)",
                    (ts, str(data.get("marker") or "failover"), str(data.get("label") or "")),
                )
            elif kind == "drill":  # app/drill: one fault of a drill, with its reactions' times
                c.execute(
                    "INSERT INTO markers(seq, ts, kind, role, token_id, product_id, label)"
                    " VALUES (NULL, ?, 'drill_fault', NULL, NULL, NULL, ?)",
                    (float(data.get("injected_at") or ts), str(data.get("label") or "")),
                )
            elif kind == "recording" and data.get("path"):
                b.meta["obs_recording"] = str(data["path"])
                if data.get("started_ts"):
                    b.meta["obs_recording_started_ts"] = str(data["started_ts"])
        if b.meta:
            self._write_meta(b.meta)
        c.execute("COMMIT")
        self.stats.batches += 1

    def _write_meta(self, meta: dict[str, str]) -> None:
        schema.write_meta(self._conn, meta)

    def _initial_products(self, products: list[m.Product], ts: float) -> None:
        for p in products:
            if ("product", p.id) in self._entities:
                continue  # resumed file: the first state is the one at the real start
            js = to_json(p).decode()
            self._entities[("product", p.id)] = orjson.loads(js)
            self._entity_seqs[("product", p.id)] = (0, 0)  # the first state: the bag
            self._titles[p.id] = p.title
            self._conn.execute(
                "INSERT OR IGNORE INTO entities VALUES ('product', ?, 0, ?, ?, ?, ?)",
                (p.id, ts, ts, js, js),
            )

    def _write_events(
        self,
        events: list[m.Event],
        wire: Sequence[bytes | None] | None = None,
        kinds: dict[int, int] | None = None,
    ) -> None:
        """Write ``events`` (with their wire lines where known, and the room's comment kinds)."""
        pairs = list(zip(events, wire or [None] * len(events), strict=True))
        held = self._held
        if held and len(held) == 1:
            first, last = held[0]
            pairs = [p for p in pairs if p[0].seq > last or p[0].seq < first]
        elif held:
            pairs = [p for p in pairs if not _inside(held, p[0].seq)]
        if not pairs:
            return
        if any(pairs[i][0].seq > pairs[i + 1][0].seq for i in range(len(pairs) - 1)):
            pairs.sort(key=lambda p: p[0].seq)
        evs = [p[0] for p in pairs]
        kinds = kinds or {}
        lines: list[bytes] = []
        comments: list[tuple[Any, ...]] = []
        orders: list[tuple[Any, ...]] = []
        markers: list[tuple[Any, ...]] = []
        per_sec: dict[int, SecondCounts] = {}
        money: dict[int, SecondMoney] = {}
        online: dict[int, int] = {}
        meta: dict[str, str] = {}
        ncols = len(_PER_SEC_COLS)
        for ev, line in pairs:
            t = ev.type
            if line is None or b"\n" in line:  # a block holds one event per line
                line = encode_event(ev)
            if SECRET_MARK in line:  # a platform that still sends the stream key: never stored
                line = redact_line(line)
            lines.append(line)
            sec = int(ev.ts)
            counts = per_sec.get(sec)
            if counts is None:
                counts = per_sec[sec] = SecondCounts()
            counts.events += 1
            d = ev.data
            if t is ET.COMMENT:
                cm: m.Comment = d.comment
                bits = kinds.get(ev.seq)
                comments.append(
                    (
                        ev.seq,
                        ev.ts,
                        cm.user_id,
                        cm.nickname,
                        cm.text,
                        classify_bits(cm) if bits is None else bits,
                    )
                )
                if cm.role == "viewer":
                    counts.comments += 1
            elif t is ET.ORDER_CREATED or t is ET.ORDER_PAID or t is ET.ORDER_REFUNDED:
                o: m.Order = d.order
                orders.append(
                    (
                        o.id,
                        ev.seq,
                        o.created_ts,
                        ev.ts,
                        o.product_id,
                        o.product_title,
                        o.user_id,
                        o.nickname,
                        o.quantity,
                        o.unit_price_cents,
                        o.amount_cents,
                        o.status,
                        o.coupon_id,
                        o.flash_sale_id,
                    )
                )
                if t is ET.ORDER_CREATED:
                    counts.orders += 1
                    counts.gmv_cents += o.amount_cents
                elif t is ET.ORDER_PAID:
                    counts.paid_orders += 1
                    counts.paid_gmv_cents += o.amount_cents
                else:
                    counts.refunded_cents += o.amount_cents
            elif t is ET.LIKE:
                counts.likes += d.count
            elif t is ET.GIFT:
                counts.gifts += 1
                if d.value_cents:
                    _money(money, sec).gift_value_cents += d.value_cents
                    self._note_gift_currency(d.currency, meta)
            elif t is ET.PAID_MESSAGE:
                self._note_gift_currency(d.currency, meta)
                paid = _money(money, sec)
                paid.paid_messages += 1
                paid.paid_message_cents += d.amount_cents
            elif t is ET.MEMBERSHIP:
                _money(money, sec).memberships += d.sold
            elif t is ET.SHARE:
                _money(money, sec).shares += 1
            elif t is ET.FOLLOW:
                counts.follows += 1
            elif t is ET.VIEWERS:
                online[sec] = d.online
            else:
                self._other_event(ev, markers, meta)
        c = self._conn
        # one block per run of consecutive seqs, so blocks never overlap (a batch can mix a
        # gap being filled from the platform's log with live events)
        start = 0
        for i in range(1, len(evs) + 1):
            if i == len(evs) or evs[i].seq != evs[i - 1].seq + 1:
                blob = zlib.compress(b"\n".join(lines[start:i]), ZLEVEL)
                c.execute(
                    "INSERT OR REPLACE INTO event_blocks VALUES (?,?,?,?,?,?)",
                    (evs[start].seq, evs[i - 1].seq, evs[start].ts, evs[i - 1].ts, i - start, blob),
                )
                start = i
        # The high-rate rows go in as ONE statement each (a JSON array unpacked by SQLite), not
        # executemany: sqlite3 releases the GIL around every row's step, and the UI thread,
        # busy with the stream, then holds it for up to the 5 ms switch interval before this
        # thread gets it back — thousands of rows a second made the writer fall ever further
        # behind (feed_ui at 20,000 events/s: 700k events queued). The array goes as text: SQLite
        # 3.45 and later read a BLOB argument as JSONB.
        if comments:
            c.execute(_INSERT_COMMENTS, (orjson.dumps(comments).decode(),))
        if orders:
            c.execute(_UPSERT_ORDERS, (orjson.dumps(orders).decode(),))
        if markers:
            c.executemany(
                "INSERT INTO markers(seq, ts, kind, role, token_id, product_id, label)"
                " VALUES (?,?,?,?,?,?,?)",
                markers,
            )
        cols = ", ".join(_PER_SEC_COLS)
        sets = ", ".join(f"{k}={k}+excluded.{k}" for k in _PER_SEC_COLS)
        c.executemany(
            f"INSERT INTO per_sec(sec, {cols}) VALUES (?{', ?' * ncols})"
            f" ON CONFLICT(sec) DO UPDATE SET {sets}",
            [(sec, *counts.values()) for sec, counts in per_sec.items()],
        )
        if money:
            mcols = ", ".join(_PER_SEC_MONEY_COLS)
            msets = ", ".join(f"{k}={k}+excluded.{k}" for k in _PER_SEC_MONEY_COLS)
            c.executemany(
                f"INSERT INTO per_sec_money(sec, {mcols})"
                f" VALUES (?{', ?' * len(_PER_SEC_MONEY_COLS)})"
                f" ON CONFLICT(sec) DO UPDATE SET {msets}",
                [(sec, *row.values()) for sec, row in money.items()],
            )
        if online:
            c.executemany(
                "INSERT INTO per_sec(sec, online) VALUES (?, ?)"
                " ON CONFLICT(sec) DO UPDATE SET online=excluded.online",
                list(online.items()),
            )
        if meta:
            self._write_meta(meta)
        self.stats.events += len(evs)
        self.stats.last_seq = evs[-1].seq

    def _write_local(self, events: list[m.Event]) -> None:
        """The console's own events: a ``local_events`` row each, their lottery's state, and a
        timeline marker for its start and draw (no seq: the platform's seqs are not theirs; a
        restored lottery's repeated start gets none)."""
        rows = []
        for ev in events:
            data = to_json(ev.data).decode()
            rows.append((ev.seq, ev.ts, str(ev.type), data))
            if ev.type in (ET.LOTTERY_STARTED, ET.LOTTERY_DRAWN):
                obj = orjson.loads(to_json(ev.data.lottery))
                # a start of a lottery the file already has: a restarted console restored it
                # (app/live/pending_games.py) — its state, but no second 抽奖开始 marker
                again = (
                    ev.type is ET.LOTTERY_STARTED and ("lottery", str(obj["id"])) in self._entities
                )
                self._put_entity("lottery", str(obj["id"]), ev, obj)
                actor: m.Actor | None = ev.data.actor
                if actor is not None and not again:
                    self._conn.execute(
                        "INSERT INTO markers(seq, ts, kind, role, token_id, product_id, label)"
                        " VALUES (NULL, ?, ?, ?, ?, NULL, ?)",
                        (ev.ts, MARKER_KINDS[ev.type], actor.role.value, actor.token_id,
                         ev.data.lottery.prize),
                    )  # fmt: skip
            elif ev.type is ET.LOTTERY_ENTERED:
                self._patch_entity("lottery", ev.data.lottery_id, ev, entrants=ev.data.entrants)
            elif ev.type in m.CONSOLE_ONLY_EVENTS:  # the console's quiz (app/live/quiz.py)
                quiz: m.Quiz = ev.data.quiz
                self._put_entity("quiz", quiz.id, ev, orjson.loads(to_json(quiz)))
                actor = ev.data.actor
                if actor is not None and ev.type in _QUIZ_MARKERS:
                    self._conn.execute(
                        "INSERT INTO markers(seq, ts, kind, role, token_id, product_id, label)"
                        " VALUES (NULL, ?, ?, ?, ?, NULL, ?)",
                        (ev.ts, _QUIZ_MARKERS[ev.type], actor.role.value, actor.token_id,
                         quiz.question),
                    )  # fmt: skip
        self._conn.executemany(
            "INSERT INTO local_events(after_seq, ts, type, data) VALUES (?,?,?,?)", rows
        )

    def _note_gift_currency(self, currency: str, meta: dict[str, str]) -> None:
        """The viewers' money is in ``currency`` (meta ``gift_currency``, written when it changes)."""
        if currency != self._gift_currency:
            self._gift_currency = currency
            meta["gift_currency"] = currency

    def _other_event(
        self,
        ev: m.Event,
        markers: list[tuple[Any, ...]],
        meta: dict[str, str],
    ) -> None:
        t = ev.type
        d = ev.data
        ent = _ENTITY.get(t)
        if ent is not None:
            kind, attr = ent
            obj = orjson.loads(to_json(getattr(d, attr)))
            self._put_entity(kind, str(obj["id"]), ev, obj)
            if kind == "product":
                self._titles[obj["id"]] = str(obj.get("title", ""))
        elif t is ET.COUPON_CLAIMED:
            self._patch_entity("coupon", d.coupon_id, ev, claimed=d.claimed)
        elif t is ET.LOTTERY_ENTERED:
            self._patch_entity("lottery", d.lottery_id, ev, entrants=d.entrants)
        elif t is ET.SESSION_ENDED:
            meta["ended_ts"] = str(d.session.ended_ts or ev.ts)
        actor: m.Actor | None = getattr(d, "actor", None)
        if actor is None and t not in _SYSTEM_MARKERS:
            return
        product_id: str | None = None
        label = ""
        if t is ET.PRODUCT_EXPLAINING:
            kind = "explain" if d.explaining else "explain_stop"
            product_id = d.product_id
            label = self._titles.get(d.product_id, d.product_id)
        else:
            mk = MARKER_KINDS.get(t)
            if mk is None:
                return
            kind = mk
            if t is ET.PRODUCT_UPDATED:
                product_id = d.product.id
                label = d.product.title
            elif t in (ET.COUPON_ISSUED, ET.COUPON_ENDED):
                label = d.coupon.name or d.coupon.kind.value
            elif t in (ET.FLASH_SALE_SCHEDULED, ET.FLASH_SALE_STARTED, ET.FLASH_SALE_ENDED):
                product_id = d.flash_sale.product_id
                label = self._titles.get(product_id, product_id)
            elif t in (ET.LOTTERY_STARTED, ET.LOTTERY_DRAWN):
                label = d.lottery.prize
            elif t in (ET.RED_ENVELOPE_STARTED, ET.RED_ENVELOPE_ENDED):
                rain = d.red_envelope
                cur = self._gift_currency or m.DEFAULT_CURRENCY
                label = rain.title or f"{format_money(rain.total_cents, cur)} × {rain.count}"
            elif t in (ET.STOCK_RESERVED, ET.STOCK_RELEASED):
                res = d.reservation
                product_id = res.product_id
                n = res.quantity if t is ET.STOCK_RESERVED else res.released
                label = f"{self._titles.get(product_id, product_id)} × {n}"
            elif t in (ET.USER_MUTED, ET.USER_UNMUTED):
                label = d.nickname or d.user_id
        role, token = (actor.role.value, actor.token_id) if actor is not None else (None, None)
        markers.append((ev.seq, ev.ts, kind, role, token, product_id, label))

    def _put_entity(self, kind: str, eid: str, ev: m.Event, obj: dict[str, Any]) -> None:
        """The entity's state after ``ev``. Events can arrive out of seq order (a gap filled from
        the platform's log after newer live events): an older state never overwrites a newer
        one, and an event older than the first one seen becomes the entity's first state."""
        key = (kind, eid)
        js = orjson.dumps(obj).decode()
        first = key not in self._entities
        seen = self._entity_seqs.get(key)
        if seen is not None and ev.seq < seen[1]:
            if ev.seq < seen[0]:
                self._entity_seqs[key] = (ev.seq, seen[1])
                self._conn.execute(
                    "UPDATE entities SET first_ts=?, first_json=? WHERE kind=? AND id=?",
                    (ev.ts, js, kind, eid),
                )
            return
        self._entity_seqs[key] = (ev.seq if seen is None else seen[0], ev.seq)
        self._entities[key] = obj
        if first:
            self._conn.execute(
                "INSERT OR REPLACE INTO entities VALUES (?,?,?,?,?,?,?)",
                (kind, eid, ev.seq, ev.ts, ev.ts, js, js),
            )
        else:
            self._conn.execute(
                "UPDATE entities SET seq=?, ts=?, json=? WHERE kind=? AND id=?",
                (ev.seq, ev.ts, js, kind, eid),
            )

    def _patch_entity(self, kind: str, eid: str, ev: m.Event, **fields: Any) -> None:
        obj = self._entities.get((kind, eid))
        if obj is None:
            return
        seen = self._entity_seqs.get((kind, eid))
        if seen is not None and ev.seq < seen[1]:
            return  # an older count (a back-filled event): the newer state already has it
        obj = {**obj, **fields}
        self._put_entity(kind, eid, ev, obj)
