"""The room's event log: seq assignment, batched durable commits, the ring, and subscribers.

An event gets its seq when it is appended. Appended events (with the entity rows that changed
alongside them) are committed in one SQLite transaction per :meth:`EventLog.flush`, and only after
that commit are they put in the in-memory ring and subscribers woken: nothing is ever sent before
it is durable. Each event is serialized once; every subscriber sends the same text. A subscriber
reads from the ring, or pages from SQLite when it is behind the ring, at its own pace.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import orjson

from plugins.sandbox.store import Batch, Store

log = logging.getLogger(__name__)

RING_SIZE = 200_000
PAGE = 2_000


class Subscriber:
    __slots__ = ("closed", "oob", "wake")

    def __init__(self) -> None:
        self.wake = asyncio.Event()
        self.oob: list[
            str
        ] = []  # out-of-band raw messages (debug route), sent before the next batch
        self.closed = False


class EventLog:
    def __init__(self, store: Store, retention: int | None = None) -> None:
        self.store = store
        self.retention = retention
        self.seq = store.last_seq()  # last assigned
        self.committed = self.seq  # last durable (and visible to subscribers)
        self.first = store.first_seq() or self.seq + 1  # oldest retained seq
        self._pending: list[tuple[int, float, str, str]] = []
        self._batch = Batch()
        self._ring: list[str] = []
        self._ring_first = self.committed + 1
        self.subscribers: set[Subscriber] = set()
        self._last_prune = self.committed

    # --- writing -----------------------------------------------------------------------------
    def append(self, etype: Any, data: Any, ts: float) -> int:
        self.seq += 1
        text = orjson.dumps({"seq": self.seq, "ts": ts, "type": etype, "data": data}).decode()
        self._pending.append((self.seq, ts, etype if isinstance(etype, str) else repr(etype), text))
        return self.seq

    def dirty(self, kind: str, ident: str, obj: Any) -> None:
        """Write this entity's current value with the next commit."""
        self._batch.entities[(kind, ident)] = obj

    def dirty_order(self, order: dict[str, Any]) -> None:
        self._batch.orders[order["id"]] = order

    def has_pending(self) -> bool:
        return bool(self._pending) or not self._batch.empty()

    def flush(self, idempotency: tuple[str, str, float, int, bytes] | None = None) -> None:
        """Commit everything appended/changed so far in one transaction, then broadcast."""
        batch, self._batch = self._batch, Batch()
        pending, self._pending = self._pending, []
        batch.events = pending
        if idempotency is not None:
            batch.idempotency.append(idempotency)
        if batch.empty():
            return
        if pending:
            batch.meta["last_seq"] = str(pending[-1][0])
        # entity values are serialized now (their latest state), inside the same transaction
        self.store.commit(batch)
        if not pending:
            return
        self.committed = pending[-1][0]
        if self.first > self.committed:
            self.first = pending[0][0]
        self._ring.extend(p[3] for p in pending)
        if len(self._ring) > 2 * RING_SIZE:
            drop = len(self._ring) - RING_SIZE
            del self._ring[:drop]
            self._ring_first += drop
        self._retain()
        for sub in self.subscribers:
            sub.wake.set()

    def _retain(self) -> None:
        if self.retention is None or self.committed - self._last_prune < max(
            1, self.retention // 10
        ):
            return
        self._last_prune = self.committed
        keep_from = self.committed - self.retention + 1
        if keep_from > self.first:
            self.store.prune_events(keep_from - 1)
            self.first = keep_from
            if self._ring_first < keep_from:
                del self._ring[: keep_from - self._ring_first]
                self._ring_first = keep_from

    # --- reading -----------------------------------------------------------------------------
    def start_cursor(self, after_seq: int | None) -> tuple[int, str | None]:
        """Where a new subscriber starts, and the reason for a resync_required first (or None)."""
        if after_seq is None:
            return self.committed, None
        if after_seq > self.seq:
            return self.committed, f"after_seq {after_seq} is beyond the log (last seq {self.seq})"
        if after_seq + 1 < self.first:
            return self.committed, f"after_seq {after_seq} is older than the retained log"
        return after_seq, None

    def read_after(self, cursor: int, limit: int = PAGE) -> list[str] | None:
        """Durable events with seq > cursor (at most ``limit``); None when they are gone."""
        if cursor >= self.committed:
            return []
        if cursor + 1 < self.first:
            return None
        if cursor + 1 >= self._ring_first:
            i = cursor + 1 - self._ring_first
            return self._ring[i : i + limit]
        rows = self.store.events_after(cursor, min(limit, self._ring_first - cursor - 1))
        if not rows or rows[0][0] != cursor + 1:
            return None
        return [b for _, b in rows]

    def resync_text(self, reason: str, ts: float) -> str:
        return orjson.dumps(
            {
                "seq": 0,
                "ts": ts,
                "type": "resync_required",
                "data": {"reason": reason, "last_seq": self.committed},
            }
        ).decode()

    def send_raw(self, texts: list[str]) -> int:
        for sub in self.subscribers:
            sub.oob.extend(texts)
            sub.wake.set()
        return len(self.subscribers)
