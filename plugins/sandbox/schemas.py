"""Request inputs of the sandbox API: one shared set of bounded, strict types for every route.

Guarantees (docs/platform-api.md, "Limits"):
- an integer field must be a JSON integer, and every number has a domain maximum (money
  ``<= MAX_CENTS``, stock ``<= MAX_STOCK``, durations, counts, seqs), so no value can overflow
  SQLite's 64-bit integers or orjson;
- every string has a maximum length, and text never holds a lone surrogate (it could not be
  encoded as UTF-8) or a control character (NUL, newline, escape…); ids and user ids are short
  printable ASCII;
- every list has a maximum length.
Together with the request body cap (server.py, ``MAX_JSON_BODY``) this bounds the size of every
event the platform emits (``MAX_EVENT_BYTES``). A value outside these bounds is a 422
``invalid_value`` naming the field, before anything reaches the engine.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any, Literal

import orjson
from fastapi import Path, Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from app.api import ReviewSettings

MAX_CENTS = 10**10  # 1 亿元: any price, amount or threshold
MAX_STOCK = 10**7  # units of one product, of a flash sale, of a coupon's quantity
#: envelopes of one red-envelope rain (each stays listed in the room's store until it ends)
MAX_ENVELOPES = 10_000
MAX_SECONDS = 30 * 86400  # mutes; coupons, flash sales and lotteries have tighter limits
MAX_SEQ = 2**62  # after_seq and versions: far beyond any log, well inside SQLite's int64
MAX_IDS = 1000  # ids in one list (a reorder, a coupon's products)
ID_LEN = 64  # product, SKU, coupon, order, comment, sale, lottery, session ids
USER_ID_LEN = 128
NICKNAME_LEN = 64
COMMENT_LEN = 300
REASON_LEN = 200
#: the largest serialized event the platform emits (the console accepts 16 MiB frames); see
#: docs/platform-api.md for how each event stays below it (the largest: a full lottery's draw)
MAX_EVENT_BYTES = 2 * 1024 * 1024

ID_PATTERN = r"^[A-Za-z0-9_.:\-]+$"
USER_ID_PATTERN = r"^[A-Za-z0-9_.:@\-]+$"


def plain_text(value: str) -> str:
    """Reject what cannot be plain one-line text: lone surrogates and control characters."""
    for ch in value:
        cat = unicodedata.category(ch)
        if cat == "Cs":
            raise ValueError("text holds a lone surrogate (not valid Unicode)")
        if cat == "Cc":
            raise ValueError(f"text holds a control character (U+{ord(ch):04X})")
    return value


def valid_unicode(value: str) -> str:
    """Reject lone surrogates only (raw debug messages may hold control characters)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text holds a lone surrogate (not valid Unicode)") from None
    return value


PlainText = AfterValidator(plain_text)
SBool = Annotated[bool, Field(strict=True)]
Cents = Annotated[int, Field(strict=True, gt=0, le=MAX_CENTS)]
CentsOrZero = Annotated[int, Field(strict=True, ge=0, le=MAX_CENTS)]
Stock = Annotated[int, Field(strict=True, ge=0, le=MAX_STOCK)]
StockDelta = Annotated[int, Field(strict=True, ge=-MAX_STOCK, le=MAX_STOCK)]
Quantity = Annotated[int, Field(strict=True, gt=0, le=MAX_STOCK)]
Version = Annotated[int, Field(strict=True, ge=0, le=MAX_SEQ)]
Day = Annotated[int, Field(strict=True, gt=0, le=86400)]
Ident = Annotated[str, Field(min_length=1, max_length=ID_LEN, pattern=ID_PATTERN)]
UserId = Annotated[str, Field(min_length=1, max_length=USER_ID_LEN, pattern=USER_ID_PATTERN)]
Nickname = Annotated[str, Field(max_length=NICKNAME_LEN), PlainText]
CouponName = Annotated[str, Field(max_length=40), PlainText]
Prize = Annotated[str, Field(min_length=1, max_length=60), PlainText]
Keyword = Annotated[str, Field(min_length=1, max_length=20), PlainText]
CommentText = Annotated[str, Field(min_length=1, max_length=COMMENT_LEN), PlainText]
Reason = Annotated[str, Field(max_length=REASON_LEN), PlainText]
IdList = Annotated[list[Ident], Field(max_length=MAX_IDS)]

# path and query parameters (validated after the token: see server.py's RoomGate)
PathId = Annotated[str, Path(min_length=1, max_length=ID_LEN)]
PathUserId = Annotated[str, Path(min_length=1, max_length=USER_ID_LEN, pattern=USER_ID_PATTERN)]
AfterSeq = Annotated[int, Query(ge=0, le=MAX_SEQ)]
Limit = Annotated[int, Query(gt=0, le=10_000)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReviewValues(ReviewSettings):
    """The team's replay-score settings: exactly the console's ``ReviewSettings`` fields (one
    home for their ranges: app/settings.py), every one of them given, JSON numbers of the right
    kind, nothing else; the weights may not all be 0."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="before")
    @classmethod
    def _complete(cls, data: Any) -> Any:
        if isinstance(data, dict):
            missing = [k for k in cls.model_fields if k not in data]
            if missing:
                raise ValueError(f"missing fields: {', '.join(missing)}")
        return data


class TeamReviewBody(_Body):
    version: Version  # the version the client holds (0: never saved)
    review: ReviewValues


class ReorderBody(_Body):
    version: Version
    product_ids: IdList


class ProductPatch(_Body):
    price_cents: Cents | None = None
    original_price_cents: Cents | None = None
    stock: Stock | None = None
    stock_delta: StockDelta | None = Field(
        default=None, description="restock (or remove) relative to the current stock"
    )
    listed: SBool | None = None


class CouponBody(_Body):
    kind: Literal["threshold", "discount", "no_threshold"]
    name: CouponName = ""
    threshold_cents: CentsOrZero = 0
    amount_cents: Cents | None = None
    percent_off: Annotated[int, Field(strict=True, gt=0, lt=100)] | None = None
    quantity: Annotated[int, Field(strict=True, gt=0, le=1_000_000)]
    per_user_limit: Annotated[int, Field(strict=True, gt=0, le=1000)] = 1
    valid_seconds: Annotated[int, Field(strict=True, gt=0, le=7 * 86400)]
    product_ids: Annotated[list[Ident], Field(max_length=100)] | None = None
    reservation_id: Ident | None = Field(
        default=None, description="a held coupon reservation its holders buy from first"
    )


class FlashSaleBody(_Body):
    product_id: Ident
    price_cents: Cents
    quantity: Quantity
    starts_in_seconds: Annotated[int, Field(strict=True, ge=0, le=86400)] = 0
    duration_seconds: Day
    reservation_id: Ident | None = Field(
        default=None, description="a held flash-sale reservation of this product to sell from"
    )


class ReservationBody(_Body):
    product_id: Ident
    quantity: Quantity
    promotion: Literal["flash_sale", "coupon"]


class RedEnvelopeBody(_Body):
    title: Annotated[str, Field(max_length=40), PlainText] = ""
    total_cents: Cents
    count: Annotated[int, Field(strict=True, gt=0, le=MAX_ENVELOPES)]
    split: Literal["equal", "random"] = "random"
    min_cents: Annotated[int, Field(strict=True, gt=0, le=MAX_CENTS)] = 1
    starts_in_seconds: Annotated[int, Field(strict=True, ge=0, le=86400)] = 0
    duration_seconds: Annotated[int, Field(strict=True, gt=0, le=3600)]
    eligibility: Literal["all", "followers", "fans"] = "all"
    min_fan_level: Annotated[int, Field(strict=True, ge=0, le=1000)] = 0


class GrabBody(_Body):
    """Grab as a simulated viewer (testing and demos; host/assistant only)."""

    user_id: UserId
    nickname: Nickname = ""
    is_follower: SBool = False
    fan_level: Annotated[int, Field(strict=True, ge=0, le=1000)] = 0


class LotteryBody(_Body):
    prize: Prize
    keyword: Keyword
    winners: Annotated[int, Field(strict=True, gt=0, le=1000)]
    duration_seconds: Day
    eligibility: Literal["all", "followers"] = "all"


class CommentBody(_Body):
    text: CommentText


class MuteBody(_Body):
    """How long: ``seconds`` (1 s…30 days), or ``until_session_end`` (本场: until the live
    session ends), or neither (永久: for good). Both at once is 422 ``until_session_end``."""

    seconds: Annotated[int, Field(strict=True, gt=0, le=MAX_SECONDS)] | None = Field(
        default=None,
        description="mute for this many seconds; omit (and no until_session_end): for good",
    )
    until_session_end: SBool = Field(
        default=False, description="mute until the live session ends (本场); not with seconds"
    )
    nickname: Nickname = ""


class OrderBody(_Body):
    """Place an order as a simulated viewer (testing and demos; host/assistant only)."""

    user_id: UserId
    nickname: Nickname = ""
    product_id: Ident
    sku_id: Ident | None = None
    quantity: Annotated[int, Field(strict=True, gt=0, le=1000)] = 1
    coupon_id: Ident | None = None
    pay: SBool = False


class RefundBody(_Body):
    reason: Reason = ""


class ViewerCommentBody(_Body):
    user_id: UserId
    nickname: Nickname = ""
    text: CommentText
    is_follower: SBool = False
    fan_level: Annotated[int, Field(strict=True, ge=0, le=1000)] = 0


class ViewerClaimBody(_Body):
    user_id: UserId
    nickname: Nickname = ""
    coupon_id: Ident


class AudienceRateBody(_Body):
    rate: Annotated[float, Field(gt=0, le=1_000_000, allow_inf_nan=False)]


class RawEvent(BaseModel):
    """Appended verbatim (malformed on purpose), but it must be encodable as JSON: no lone
    surrogate, no integer beyond 64 bits."""

    type: Any = None
    data: Any = None

    @field_validator("type", "data")
    @classmethod
    def _encodable(cls, value: Any) -> Any:
        try:
            orjson.dumps(value)
        except TypeError as exc:  # orjson.JSONEncodeError is a TypeError
            raise ValueError(f"not encodable as JSON: {exc}") from None
        return value


class RawEventsBody(_Body):
    events: Annotated[list[RawEvent], Field(max_length=MAX_IDS)] = Field(default_factory=list)
    raw_messages: Annotated[
        list[Annotated[str, AfterValidator(valid_unicode)]], Field(max_length=MAX_IDS)
    ] = Field(default_factory=list)
