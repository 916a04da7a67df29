"""The events of an adapter that numbers them itself, for a platform that keeps no event log a
console could read again (Twitch, Shopify): numbered 1, 2, 3… as the adapter makes them, handed
to the one reader of ``event_batches`` in batches, in order.

Guarantees: no event is dropped or handed over twice; :attr:`EventQueue.delivered` is the seq of
the last event handed to the reader, so a snapshot saying that seq loses nothing (every later
event is still queued). A back-fill (:meth:`EventQueue.log`) cannot be served: it is one
``resync_required`` batch naming the platform, then the end (a second reader of the live queue
would take events from the first). After :meth:`EventQueue.close` the reader's loop ends.
"""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

from app.platform import models


class EventQueue:
    def __init__(self, platform: str) -> None:
        #: the platform's name in the resync reason ("Twitch keeps no event log")
        self.platform = platform
        #: the seq of the newest event made
        self.seq = 0
        #: the seq of the last event handed to the reader
        self.delivered = 0
        self._buffer: collections.deque[models.Event] = collections.deque()
        self._arrived = asyncio.Event()
        self._closed = False

    def add(self, etype: models.EventType, data: Any, ts: float | None = None) -> int:
        """Queue one event as the next seq (:attr:`seq` + 1, which ``data`` may already name);
        the reader wakes. Returns its seq."""
        self.seq += 1
        now = time.time() if ts is None else ts
        self._buffer.append(models.Event(seq=self.seq, ts=now, type=etype, data=data))
        self._arrived.set()
        return self.seq

    async def batches(self, after_seq: int) -> AsyncIterator[Sequence[models.Event]]:
        """The queued events with seq > ``after_seq``, in batches, until closed."""
        while not self._closed:
            await self._arrived.wait()
            self._arrived.clear()
            batch: list[models.Event] = []
            while self._buffer:
                event = self._buffer.popleft()
                if event.seq > after_seq:
                    batch.append(event)
            if batch:
                self.delivered = batch[-1].seq
                yield batch

    async def log(self, after_seq: int) -> AsyncIterator[Sequence[models.Event]]:
        """One ``resync_required`` batch: there is no log to read again."""
        reason = f"{self.platform} keeps no event log"
        data = models.ResyncRequiredData(reason=reason, last_seq=self.seq)
        yield [
            models.Event(
                seq=max(self.seq, after_seq + 1),
                ts=time.time(),
                type=models.EventType.RESYNC_REQUIRED,
                data=data,
            )
        ]

    def close(self) -> None:
        self._closed = True
        self._arrived.set()
