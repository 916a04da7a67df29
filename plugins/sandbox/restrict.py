"""A sandbox that offers only some capabilities: a real stand-in for a platform that lacks them.

Real platforms offer part of what the sandbox does (Bilibili gives the room's interaction events,
no catalogue, no orders, no moderation from outside). To see and test the console on such a
platform without one, the built-in sandbox can declare a restricted capability set
(``settings["capabilities"]``, the console's ``--capabilities comments,gifts,…``, or the
:data:`ENV` environment variable; see :func:`parse_capabilities`).

Guarantees of a restricted sandbox adapter (plugins/sandbox/adapter.py applies them):

- it declares exactly that set (``capabilities``), so the console disables the rest with the
  reason (``why_not``) — the same path a real platform's adapter takes;
- every action whose capability is not declared is refused with the ``not_supported``
  :class:`~app.api.PlatformError` before anything reaches the sandbox (``REQUIRED_BY_ACTION``);
- the console does not see what the platform would not send: events of an undeclared kind are
  dropped from the stream (:func:`keep_event`), and the snapshot carries no catalogue, orders,
  marketing or moderation state it could not have (:func:`restrict_snapshot`). Session
  start/end events are room state (``live_state``);
- the events the console sees are numbered without gaps, as a platform that sends only these
  kinds numbers them (:class:`Renumbering`): a consumer that reads a gap as missed events (the
  session recorder) finds none missing, and resuming after any seq it saw (a reconnect, the
  recorder's own reading of the log) gives exactly the events after it, in order.
"""

from __future__ import annotations

import bisect
import os
from collections.abc import Iterable

from app.api import ALL, Capability, PlatformError, models
from app.api import EVENT_CAPABILITY as BASE_EVENT_CAPABILITY

ENV = "LIVEDESK_SANDBOX_CAPABILITIES"

#: event type → the capability without which the platform never sends it (the contract's map;
#: the sandbox's own room notes say a viewer is going to buy: orders)
EVENT_CAPABILITY: dict[models.EventType, Capability] = {
    **BASE_EVENT_CAPABILITY,
    models.EventType.ROOM_NOTE: Capability.ORDERS,
}


def parse_capabilities(value: str | Iterable[str] | None) -> frozenset[Capability]:
    """The capability set named by ``value`` ("comments,gifts,…" or a list of names); ``None``
    or empty: the whole contract. ``interaction`` stands for every interaction capability. An
    unknown name is a :class:`PlatformError` naming it (a typo must not silently offer less)."""
    if value is None:
        return ALL
    names = value.split(",") if isinstance(value, str) else list(value)
    names = [n.strip().lower() for n in names if n and n.strip()]
    if not names:
        return ALL
    out: set[Capability] = set()
    for name in names:
        if name == "all":
            out |= ALL
        elif name == "interaction":
            from app.api import INTERACTION

            out |= INTERACTION
        else:
            try:
                out.add(Capability(name))
            except ValueError:
                known = ", ".join(sorted(c.value for c in Capability))
                raise PlatformError(
                    "bad_settings",
                    f"未知的平台能力：{name}（可用：{known}） (unknown capability)",
                ) from None
    return frozenset(out)


def from_settings(settings: dict[str, object]) -> frozenset[Capability]:
    """The sandbox's capability set: ``settings["capabilities"]``, else the :data:`ENV`
    environment variable, else the whole contract."""
    value = settings.get("capabilities")
    if value is None or value == "" or value == []:
        value = os.environ.get(ENV) or None
    return parse_capabilities(value)  # type: ignore[arg-type]


def keep_event(event: models.Event, capabilities: frozenset[Capability]) -> bool:
    """The platform would send ``event`` (its kind needs no capability it lacks)."""
    needed = EVENT_CAPABILITY.get(event.type)
    return needed is None or needed in capabilities


def restrict_snapshot(snap: models.Snapshot, caps: frozenset[Capability]) -> models.Snapshot:
    """``snap`` as a platform with only ``caps`` would give it."""
    c = Capability
    update: dict[str, object] = {}
    if c.CATALOGUE not in caps:
        update["bag"] = models.Bag(version=snap.bag.version, products=[])
        update["explaining"] = None
    if c.COUPONS not in caps:
        update["coupons"] = []
    if c.FLASH_SALES not in caps:
        update["flash_sales"] = []
    if c.PLATFORM_LOTTERIES not in caps:
        update["lotteries"] = []
    if c.RED_ENVELOPES not in caps:
        update["red_envelopes"] = []
    if c.STOCK_RESERVATION not in caps:
        update["reservations"] = []
    if c.PIN not in caps:
        update["pinned_comment"] = None
    if c.MUTE not in caps:
        update["muted_users"] = []
    metrics: dict[str, int] = {}
    if c.ORDERS not in caps:
        metrics.update(
            orders=0, paid_orders=0, buyers=0, gmv_cents=0, paid_gmv_cents=0, refunded_cents=0
        )
    if c.VIEWERS not in caps:
        metrics.update(online=0, uv=0)
    if metrics:
        update["metrics"] = snap.metrics.model_copy(update=metrics)
    return snap.model_copy(update=update) if update else snap


class Renumbering:
    """The console's seqs (without gaps) for the platform's seqs of the kept events.

    The first snapshot's seq is the origin (the same number on both sides); each kept event after
    it gets the next number, in the platform's order, whoever reads it first (the live stream or a
    reader of the log: the same events in the same order). A later snapshot taken beyond what has
    been numbered is numbered after the platform's log up to it is read (:meth:`catch_up_to`).
    Kept in memory for the adapter's life (a stand-in's session, not a 24-hour one).
    """

    def __init__(self) -> None:
        self.origin: int | None = None  # the first snapshot's seq: local == platform there
        self._platform: list[int] = []  # platform seq of local origin+1, origin+2, …
        self._local: dict[int, int] = {}  # platform seq → local seq, for the numbered ones
        self.numbered_to = 0  # the platform seq up to which every kept event is numbered

    @property
    def last_local(self) -> int:
        return (self.origin or 0) + len(self._platform)

    def start(self, platform_seq: int) -> None:
        if self.origin is None:
            self.origin = self.numbered_to = platform_seq

    def platform_after(self, local_seq: int) -> int:
        """Where to resume reading the platform for events after ``local_seq``."""
        origin = self.origin or 0
        if local_seq <= origin:
            return local_seq
        i = min(local_seq - origin, len(self._platform))
        return self._platform[i - 1]

    def local_of_snapshot(self, platform_seq: int) -> int:
        """The local seq of a snapshot at ``platform_seq`` (numbered up to it already)."""
        origin = self.origin or 0
        i = bisect.bisect_right(self._platform, platform_seq)
        return origin + i

    def number(self, batch: list[models.Event], caps: frozenset[Capability]) -> list[models.Event]:
        """The kept events of ``batch`` with their local seqs (a ``resync_required`` passes)."""
        out: list[models.Event] = []
        for ev in batch:
            if ev.type is models.EventType.RESYNC_REQUIRED:
                out.append(ev)
                continue
            if self.origin is None:  # read before any snapshot: start where the reading did
                self.start(ev.seq - 1)
            if not keep_event(ev, caps):
                self.numbered_to = max(self.numbered_to, ev.seq)
                continue
            local = self._local.get(ev.seq)
            if local is None:
                if ev.seq <= self.numbered_to:
                    continue  # before the origin: inside the first snapshot already
                self._platform.append(ev.seq)
                local = self._local[ev.seq] = self.last_local
                self.numbered_to = ev.seq
            out.append(ev.model_copy(update={"seq": local}))
        return out
