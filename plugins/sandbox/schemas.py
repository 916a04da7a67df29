"""Request bodies of the sandbox API (validated strictly: an integer must be a JSON integer)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SInt = Annotated[int, Field(strict=True)]
SBool = Annotated[bool, Field(strict=True)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReorderBody(_Body):
    version: SInt
    product_ids: list[str]


class ProductPatch(_Body):
    price_cents: Annotated[int, Field(strict=True, gt=0)] | None = None
    original_price_cents: Annotated[int, Field(strict=True, gt=0)] | None = None
    stock: Annotated[int, Field(strict=True, ge=0)] | None = None
    stock_delta: SInt | None = Field(
        default=None, description="restock (or remove) relative to the current stock"
    )
    listed: SBool | None = None


class CouponBody(_Body):
    kind: Literal["threshold", "discount", "no_threshold"]
    name: Annotated[str, Field(max_length=40)] = ""
    threshold_cents: Annotated[int, Field(strict=True, ge=0)] = 0
    amount_cents: Annotated[int, Field(strict=True, gt=0)] | None = None
    percent_off: Annotated[int, Field(strict=True, gt=0, lt=100)] | None = None
    quantity: Annotated[int, Field(strict=True, gt=0, le=1_000_000)]
    per_user_limit: Annotated[int, Field(strict=True, gt=0)] = 1
    valid_seconds: Annotated[int, Field(strict=True, gt=0, le=7 * 86400)]
    product_ids: list[str] | None = None


class FlashSaleBody(_Body):
    product_id: str
    price_cents: Annotated[int, Field(strict=True, gt=0)]
    quantity: Annotated[int, Field(strict=True, gt=0)]
    starts_in_seconds: Annotated[int, Field(strict=True, ge=0, le=86400)] = 0
    duration_seconds: Annotated[int, Field(strict=True, gt=0, le=86400)]


class LotteryBody(_Body):
    prize: Annotated[str, Field(min_length=1, max_length=60)]
    keyword: Annotated[str, Field(min_length=1, max_length=20)]
    winners: Annotated[int, Field(strict=True, gt=0, le=1000)]
    duration_seconds: Annotated[int, Field(strict=True, gt=0, le=86400)]
    eligibility: Literal["all", "followers"] = "all"


class CommentBody(_Body):
    text: Annotated[str, Field(min_length=1, max_length=300)]


class MuteBody(_Body):
    seconds: Annotated[int, Field(strict=True, gt=0)] | None = Field(
        default=None, description="omit to mute for the rest of the session"
    )
    nickname: str = ""


class OrderBody(_Body):
    """Place an order as a simulated viewer (testing and demos; host/assistant only)."""

    user_id: Annotated[str, Field(min_length=1)]
    nickname: str = ""
    product_id: str
    sku_id: str | None = None
    quantity: Annotated[int, Field(strict=True, gt=0, le=1000)] = 1
    coupon_id: str | None = None
    pay: SBool = False


class RefundBody(_Body):
    reason: str = ""


class ViewerCommentBody(_Body):
    user_id: Annotated[str, Field(min_length=1)]
    nickname: str = ""
    text: Annotated[str, Field(min_length=1)]
    is_follower: SBool = False
    fan_level: SInt = 0


class ViewerClaimBody(_Body):
    user_id: Annotated[str, Field(min_length=1)]
    nickname: str = ""
    coupon_id: str


class AudienceRateBody(_Body):
    rate: Annotated[float, Field(gt=0, le=1_000_000)]


class RawEvent(BaseModel):
    type: Any = None
    data: Any = None


class RawEventsBody(_Body):
    events: list[RawEvent] = Field(default_factory=list)
    raw_messages: list[str] = Field(default_factory=list)
