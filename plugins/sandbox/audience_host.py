"""What the simulated audience may read and do in a room: the seam between audience and engine.

The room engine (``plugins/sandbox/engine.py``) implements :class:`AudienceHost`. The audience
(``plugins/sandbox/audience.py``) only calls these methods, synchronously, from the server's one
event loop; each write appends events to the room's log (committed in batches by the engine).
Writes are cheap: the audience may call them tens of thousands of times a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol


@dataclass(slots=True)
class SimUser:
    id: str  # e.g. "u1042"; stable for a --seed
    nickname: str
    is_follower: bool = False
    fan_level: int = 0


@dataclass(frozen=True, slots=True)
class ProductView:
    id: str
    title: str
    price_cents: int  # what a viewer pays now (the flash-sale price while one is active)
    stock: int
    sku_ids: tuple[str, ...]
    flash_sale_id: str | None = None
    # Optional (added for the audience): SKU display names, same order as sku_ids, so viewers
    # can ask 「黑色M码还有吗」. Empty when the engine does not fill it: generic lines are used.
    sku_names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CouponView:
    id: str
    kind: Literal["threshold", "discount", "no_threshold"]
    threshold_cents: int
    amount_cents: int | None
    percent_off: int | None
    remaining: int
    product_ids: tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class LotteryView:
    id: str
    keyword: str
    eligibility: Literal["all", "followers"]


@dataclass(frozen=True, slots=True)
class RainView:
    """A red-envelope rain that is on: who may grab, how many envelopes are left."""

    id: str
    eligibility: Literal["all", "followers", "fans"]
    min_fan_level: int
    remaining: int


class SoldOut(Exception):
    """No stock left (or flash-sale quantity exhausted): nothing was sold."""


class NotAllowed(Exception):
    """The viewer may not do this (muted, coupon limit reached or coupon gone, …)."""


class GrabRefused(NotAllowed):
    """A red-envelope grab that got nothing; ``code`` says why (the API's error code)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class AudienceHost(Protocol):
    # --- what viewers can see ----------------------------------------------------------------
    def now(self) -> float: ...
    def session_live(self) -> bool: ...
    def listed_products(self) -> list[ProductView]: ...
    def explaining_product_id(self) -> str | None: ...
    def active_coupons(self) -> list[CouponView]: ...
    def open_lotteries(self) -> list[LotteryView]: ...
    def active_rains(self) -> list[RainView]: ...
    def is_muted(self, user_id: str) -> bool: ...

    # --- what viewers do (each emits its event(s)) ----------------------------------------------
    def viewer_enter(self, user: SimUser) -> None: ...  # viewer_enter; online/uv counted by engine
    def viewer_leave(self, user_id: str) -> None: ...  # no event; changes the online count
    def comment(self, user: SimUser, text: str) -> None: ...  # comment (+ lottery_entered)
    def like(self, user: SimUser, count: int) -> None: ...  # like (aggregated)
    def gift(self, user: SimUser, gift: str, count: int, value_cents: int) -> None: ...
    def follow(self, user: SimUser) -> None: ...  # follow; user.is_follower becomes True
    def paid_message(self, user: SimUser, amount_cents: int, text: str) -> None: ...
    def membership(self, user: SimUser, tier: str, months: int, amount_cents: int) -> None: ...
    def share(self, user: SimUser) -> None: ...  # share
    def claim_coupon(self, user: SimUser, coupon_id: str) -> None: ...  # raises NotAllowed
    def grab_red_envelope(self, user: SimUser, rain_id: str) -> int: ...  # raises GrabRefused
    def place_order(
        self,
        user: SimUser,
        product_id: str,
        sku_id: str | None,
        quantity: int,
        coupon_id: str | None = None,
    ) -> str: ...  # order_created; returns the order id; raises SoldOut / NotAllowed
    def going_to_buy(self, user: SimUser) -> None: ...  # room_note 「… 正在去买」 (throttled)
    def pay_order(self, order_id: str) -> None: ...  # order_paid
    def refund_order(self, order_id: str, reason: str) -> None: ...  # order_refunded; restocks
