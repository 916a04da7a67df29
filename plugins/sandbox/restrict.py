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
  :class:`~app.api.PlatformError` before anything reaches the sandbox (:func:`refuses`);
- the console does not see what the platform would not send: events of an undeclared kind are
  dropped from the stream (:func:`keep_event`; seqs then have gaps, which consumers accept), and
  the snapshot carries no catalogue, orders, marketing or moderation state it could not have
  (:func:`restrict_snapshot`). Session start/end events are room state (``live_state``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from app.api import ALL, Capability, PlatformError, models

ENV = "LIVEDESK_SANDBOX_CAPABILITIES"

_T = models.EventType
#: event type → the capability without which the platform never sends it
EVENT_CAPABILITY: dict[models.EventType, Capability] = {
    _T.COMMENT: Capability.COMMENTS,
    _T.LIKE: Capability.LIKES,
    _T.GIFT: Capability.GIFTS,
    _T.FOLLOW: Capability.FOLLOWS,
    _T.VIEWER_ENTER: Capability.ENTRIES,
    _T.SHARE: Capability.SHARES,
    _T.PAID_MESSAGE: Capability.PAID_MESSAGES,
    _T.MEMBERSHIP: Capability.MEMBERSHIPS,
    _T.VIEWERS: Capability.VIEWERS,
    _T.ORDER_CREATED: Capability.ORDERS,
    _T.ORDER_PAID: Capability.ORDERS,
    _T.ORDER_REFUNDED: Capability.ORDERS,
    _T.PRODUCT_UPDATED: Capability.CATALOGUE,
    _T.PRODUCTS_REORDERED: Capability.CATALOGUE,
    _T.PRODUCT_EXPLAINING: Capability.CATALOGUE,
    _T.COUPON_ISSUED: Capability.COUPONS,
    _T.COUPON_CLAIMED: Capability.COUPONS,
    _T.COUPON_ENDED: Capability.COUPONS,
    _T.FLASH_SALE_SCHEDULED: Capability.FLASH_SALES,
    _T.FLASH_SALE_STARTED: Capability.FLASH_SALES,
    _T.FLASH_SALE_UPDATED: Capability.FLASH_SALES,
    _T.FLASH_SALE_ENDED: Capability.FLASH_SALES,
    _T.LOTTERY_STARTED: Capability.PLATFORM_LOTTERIES,
    _T.LOTTERY_ENTERED: Capability.PLATFORM_LOTTERIES,
    _T.LOTTERY_DRAWN: Capability.PLATFORM_LOTTERIES,
    _T.COMMENT_PINNED: Capability.PIN,
    _T.COMMENT_HIDDEN: Capability.HIDE,
    _T.USER_MUTED: Capability.MUTE,
    _T.USER_UNMUTED: Capability.MUTE,
    _T.SESSION_STARTED: Capability.LIVE_STATE,
    _T.SESSION_ENDED: Capability.LIVE_STATE,
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


def restrict_events(batch: list[models.Event], caps: frozenset[Capability]) -> list[models.Event]:
    """``batch`` without the events the platform would not send (wire lines kept aligned)."""
    wire = models.wire_of(batch)
    keep = [i for i, e in enumerate(batch) if keep_event(e, caps)]
    if len(keep) == len(batch):
        return batch
    return models.EventBatch(
        [batch[i] for i in keep], None if wire is None else [wire[i] for i in keep]
    )


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


def refuses(name: str, caps: frozenset[Capability]) -> Capability | None:
    """The capability action ``name`` needs and ``caps`` lacks, else None."""
    from app.api import REQUIRED_BY_ACTION

    needed = REQUIRED_BY_ACTION.get(name)
    return needed if needed is not None and needed not in caps else None
