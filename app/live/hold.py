"""Explain "hold": keep the explained product's card up until the operator releases it.

Platform product cards expire after some seconds, and a streamer should not have to click again.
While a product is held, :class:`ExplainHold` sends ``explain`` for it again

- when the platform reports that it stopped (a ``product_explaining`` stop event) — after a short
  grace period, and only if no other product started meanwhile (a "next" from another console
  arrives as stop + start; that releases the hold instead of fighting it);
- and at least every ``interval`` seconds, to refresh a card the platform may expire silently.

The hold ends when the operator releases it, when another product is explained (by anyone), or
when the product no longer exists. This console's own "stop explaining" must release the hold
first (:meth:`ExplainHold.stop_explain` does both), so every stop seen while holding came from
elsewhere (the platform's expiry or another console) and is answered with a re-send.

State changes only through the room's events, like everything else: the hold sends actions and
watches events; it never edits the room.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from app.aio import spawn
from app.listeners import Listeners
from app.live.room import LiveRoom
from app.platform import models as m
from app.platform.errors import PlatformError

log = logging.getLogger(__name__)

DEFAULT_INTERVAL = 20.0  # seconds between refreshes while held
DEFAULT_GRACE = 0.3  # seconds to wait after a stop before re-sending (a "next" may follow)

HoldListener = Callable[[str | None], None]


class ExplainHold:
    """Holds at most one product's explain card up; see the module docstring for the rules."""

    def __init__(
        self,
        room: LiveRoom,
        *,
        interval: float = DEFAULT_INTERVAL,
        grace: float = DEFAULT_GRACE,
        on_error: Callable[[PlatformError], None] | None = None,
    ) -> None:
        self.room = room
        self.interval = interval
        self.grace = grace
        self.on_error = on_error
        self.product_id: str | None = None
        self.resends = 0  # explains re-sent to keep the card up (for the UI and tests)
        self._listeners = Listeners[[str | None]]("hold listener")
        self._keepalive: asyncio.Task[None] | None = None
        self._resend: asyncio.Task[None] | None = None
        self._unsub = room.subscribe_events(self._on_events)

    # --- reading ---------------------------------------------------------------------------------
    @property
    def active(self) -> bool:
        return self.product_id is not None

    def subscribe(self, listener: HoldListener) -> Callable[[], None]:
        """``listener(product_id or None)`` whenever the hold starts, moves or ends."""
        return self._listeners.add(listener)

    # --- operator intents ------------------------------------------------------------------------
    def hold(self, product_id: str) -> None:
        """Hold ``product_id``'s card up; sends explain now if it is not the explained product."""
        if self.product_id == product_id:
            return
        self._cancel_tasks()
        self.product_id = product_id
        self._keepalive = spawn(self._keep_alive(product_id), name=f"explain-hold:{product_id}")
        explaining = self.room.explaining
        if explaining is None or explaining.product_id != product_id:
            self._resend = spawn(
                self._send(product_id, resend=False), name=f"explain-hold-send:{product_id}"
            )
        self._emit()

    def release(self) -> None:
        if self.product_id is None:
            return
        log.info("explain hold on %s released", self.product_id)
        self._cancel_tasks()
        self.product_id = None
        self._emit()

    def toggle(self, product_id: str | None) -> None:
        """Release if holding; otherwise hold ``product_id`` (the explained product, typically)."""
        if self.product_id is not None:
            self.release()
        elif product_id is not None:
            self.hold(product_id)

    async def stop_explain(self, product_id: str) -> None:
        """This console's own stop: release first, so the stop event is not answered."""
        if self.product_id == product_id:
            self.release()
        await self.room.stop_explain(product_id)

    def close(self) -> None:
        self.release()
        self._unsub()

    # --- events ----------------------------------------------------------------------------------
    def _on_events(self, events: Sequence[m.Event]) -> None:
        held = self.product_id
        if held is None:
            return
        stopped = False
        for ev in events:
            if ev.type is not m.EventType.PRODUCT_EXPLAINING:
                continue
            data: m.ProductExplainingData = ev.data
            if data.explaining and data.product_id != held:
                log.info("explain hold on %s ends: %s is explained now", held, data.product_id)
                self.release()
                return
            if data.product_id == held:
                stopped = not data.explaining
        if stopped and (self._resend is None or self._resend.done()):
            self._resend = spawn(self._resend_after_grace(held), name=f"explain-hold-resend:{held}")

    # --- work ------------------------------------------------------------------------------------
    async def _resend_after_grace(self, product_id: str) -> None:
        await asyncio.sleep(self.grace)
        if self.product_id != product_id:
            return
        current = self.room.explaining
        if current is not None and current.product_id != product_id:
            self.release()  # someone explained another product: the hold yields
            return
        if current is None:
            await self._send(product_id)

    async def _keep_alive(self, product_id: str) -> None:
        while self.product_id == product_id:
            await asyncio.sleep(self.interval)
            if self.product_id != product_id:
                return
            await self._send(product_id)

    async def _send(self, product_id: str, *, resend: bool = True) -> None:
        try:
            await self.room.explain(product_id)
        except PlatformError as exc:
            log.warning("explain hold on %s: re-send failed: %s", product_id, exc.message)
            if exc.status == 404 and self.product_id == product_id:
                self.release()
            if self.on_error is not None:
                self.on_error(exc)
            return
        if resend:
            self.resends += 1

    def _cancel_tasks(self) -> None:
        current = asyncio.current_task() if _loop_running() else None
        for task in (self._keepalive, self._resend):
            if task is not None and not task.done() and task is not current:
                task.cancel()
        self._keepalive = None
        self._resend = None

    def _emit(self) -> None:
        self._listeners.emit(self.product_id)


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
