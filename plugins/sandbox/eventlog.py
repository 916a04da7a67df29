"""The room's event log: seq assignment, batched durable commits, the ring, and subscribers.

Guarantees:

- **Contiguous seqs.** An event is serialised *before* it gets a seq: an event that cannot be
  serialised (an integer beyond 64 bits, a lone surrogate…) raises :class:`Unserialisable` and
  takes no seq. Appended events (with the entity rows that changed alongside them) are committed
  in one SQLite transaction per :meth:`EventLog.flush`; a batch whose commit fails (a full disk,
  an entity that cannot be serialised) is discarded whole and gives its seqs back, so the durable
  log is always seqs ``first..committed`` without a hole, and a seq is never reused.
- **Nothing half-applied.** A failed :meth:`append` taints the batch (the change that called it
  is incomplete): the next flush discards the batch instead of committing it. Whoever mutated
  state for a discarded batch (the engine) rolls it back to the last commit; flush raises a
  :class:`LogWriteError` (an :class:`~plugins.sandbox.errors.ApiError`: 422 ``unserialisable``,
  507 ``storage_full``, 503 ``storage_unavailable``) so that it can.
- **Durable before visible.** Only after the commit are events put in the in-memory ring and
  subscribers woken: nothing is ever sent before it is durable. Each event is serialised once;
  every subscriber sends the same text. A subscriber reads from the ring, or pages from SQLite
  when it is behind the ring, at its own pace; :meth:`read_after` reports a gap it cannot fill as
  ``None`` (the stream then sends ``resync_required``), never as an empty page, so a reader can
  never spin on it.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from typing import Any

import orjson

from plugins.sandbox.errors import ApiError
from plugins.sandbox.store import Batch, Store

log = logging.getLogger(__name__)

RING_SIZE = 200_000
PAGE = 2_000


class LogWriteError(ApiError):
    """A batch could not be committed; it was discarded whole and its seqs given back."""


class Unserialisable(LogWriteError):
    def __init__(self, detail: str) -> None:
        super().__init__(
            422, "unserialisable", f"数据无法保存 (the change cannot be stored: {detail})"
        )


class StorageFailed(LogWriteError):
    """SQLite refused the commit: ``storage_full`` (507) for a full disk, else 503."""

    def __init__(self, exc: sqlite3.Error) -> None:
        full = getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or "full" in str(exc)
        if full:
            super().__init__(
                507,
                "storage_full",
                f"存储空间已满，操作未执行 (storage is full, nothing changed: {exc})",
            )
        else:
            super().__init__(
                503,
                "storage_unavailable",
                f"存储暂不可用，操作未执行 (storage unavailable, nothing changed: {exc})",
            )


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
        self._tainted: str | None = None  # why the pending batch may not be committed
        self._ring: list[str] = []
        self._ring_first = self.committed + 1
        self.subscribers: set[Subscriber] = set()
        self._last_prune = self.committed

    # --- writing -----------------------------------------------------------------------------
    def append(self, etype: Any, data: Any, ts: float) -> int:
        """Serialise an event and give it the next seq; :class:`Unserialisable` (no seq taken,
        the batch tainted) when it cannot be serialised."""
        seq = self.seq + 1
        try:
            text = orjson.dumps({"seq": seq, "ts": ts, "type": etype, "data": data}).decode()
        except (orjson.JSONEncodeError, TypeError, ValueError) as exc:
            self._tainted = str(exc)
            raise Unserialisable(str(exc)) from None
        self.seq = seq
        self._pending.append((seq, ts, etype if isinstance(etype, str) else repr(etype), text))
        return seq

    def dirty(self, kind: str, ident: str, obj: Any) -> None:
        """Write this entity's current value with the next commit."""
        self._batch.entities[(kind, ident)] = obj

    def set_meta(self, values: dict[str, str]) -> None:
        """Write these room meta values (room id, title, tokens) with the next commit."""
        self._batch.meta.update(values)

    def dirty_order(self, order: dict[str, Any]) -> None:
        self._batch.orders[order["id"]] = order

    def has_pending(self) -> bool:
        return bool(self._pending) or not self._batch.empty() or self._tainted is not None

    def discard(self) -> None:
        """Drop everything not yet committed and give its seqs back."""
        self._pending = []
        self._batch = Batch()
        self._tainted = None
        self.seq = self.committed

    def flush(self, idempotency: tuple[str, str, float, int, bytes] | None = None) -> bool:
        """Commit everything appended/changed so far in one transaction, then broadcast.

        Raises :class:`LogWriteError` when the batch cannot be committed: it is then discarded
        whole (its seqs given back) and nothing of it is visible to anyone. True when something
        was written."""
        if self._tainted is not None:
            reason = self._tainted
            self.discard()
            raise Unserialisable(reason)
        batch, self._batch = self._batch, Batch()
        pending, self._pending = self._pending, []
        batch.events = pending
        if idempotency is not None:
            batch.idempotency.append(idempotency)
        if batch.empty():
            return False
        if pending:
            batch.meta["last_seq"] = str(pending[-1][0])
        # entity values are serialized now (their latest state), inside the same transaction
        try:
            self.store.commit(batch)
        except (orjson.JSONEncodeError, TypeError, ValueError) as exc:
            self.discard()
            raise Unserialisable(str(exc)) from None
        except sqlite3.Error as exc:
            self.discard()
            raise StorageFailed(exc) from None
        if not pending:
            return True
        try:
            self._publish(pending)
        finally:
            for sub in self.subscribers:
                sub.wake.set()
        return True

    def _publish(self, pending: list[tuple[int, float, str, str]]) -> None:
        self.committed = pending[-1][0]
        if self.first > self.committed:
            self.first = pending[0][0]
        if self._ring_first + len(self._ring) != pending[0][0]:  # never expected: stay correct
            log.error(
                "event ring out of step (ring ends at %d, batch starts at %d): reset",
                self._ring_first + len(self._ring) - 1,
                pending[0][0],
            )
            self._ring = []
            self._ring_first = pending[0][0]
        self._ring.extend(p[3] for p in pending)
        if len(self._ring) > 2 * RING_SIZE:
            drop = len(self._ring) - RING_SIZE
            del self._ring[:drop]
            self._ring_first += drop
        self._retain()

    def _retain(self) -> None:
        if self.retention is None or self.committed - self._last_prune < max(
            1, self.retention // 10
        ):
            return
        self._last_prune = self.committed
        keep_from = self.committed - self.retention + 1
        if keep_from > self.first:
            try:
                self.store.prune_events(keep_from - 1)
            except sqlite3.Error as exc:  # a full disk: keep the old events, try again later
                log.warning("could not prune the event log: %s", exc)
                return
            self.first = keep_from
            if self._ring_first < keep_from:
                del self._ring[: keep_from - self._ring_first]
                self._ring_first = keep_from

    # --- reading -----------------------------------------------------------------------------
    def start_cursor(self, after_seq: int | None) -> tuple[int, str | None]:
        """Where a new subscriber starts, and the reason for a resync_required first (or None)."""
        if after_seq is None:
            return self.committed, None
        if after_seq > self.committed:
            return (
                self.committed,
                f"after_seq {after_seq} is beyond the log (last seq {self.committed})",
            )
        if after_seq + 1 < self.first:
            return self.committed, f"after_seq {after_seq} is older than the retained log"
        return after_seq, None

    def read_after(self, cursor: int, limit: int = PAGE) -> list[str] | None:
        """Durable events with seq > cursor (at most ``limit``, never empty while cursor is
        behind ``committed``); None when they are gone (or missing: a gap)."""
        if cursor >= self.committed:
            return []
        if cursor + 1 < self.first:
            return None
        if cursor + 1 >= self._ring_first:
            i = cursor + 1 - self._ring_first
            page = self._ring[i : i + limit]
            return page or None
        rows = self.store.events_after(cursor, min(limit, self._ring_first - cursor - 1))
        if not rows or rows[0][0] != cursor + 1:
            return None
        out = []
        for n, (seq, body) in enumerate(rows):
            if seq != cursor + 1 + n:  # a gap: hand out what is contiguous
                break
            out.append(body)
        return out

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


__all__ = ["PAGE", "EventLog", "LogWriteError", "StorageFailed", "Subscriber", "Unserialisable"]
