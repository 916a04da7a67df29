"""Typed, validated models of the Live Commerce Platform API v1 (docs/platform-api.md).

Money is always an integer number of cents (分, the currency's minor unit); money a viewer pays
in an event (gift, paid message, membership) carries its ISO 4217 ``currency``, and the room's
catalogue (prices, orders, GMV, marketing) is in the snapshot's ``currency``: "CNY" when the
platform does not say. Timestamps are Unix seconds (float).
Models ignore unknown fields so that a platform may add fields without breaking the console.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, WithJsonSchema

__all__ = [
    "Actor",
    "Bag",
    "Comment",
    "Coupon",
    "CouponSpec",
    "Event",
    "EventBatch",
    "EventType",
    "FlashSale",
    "FlashSaleSpec",
    "Lottery",
    "LotterySpec",
    "Metrics",
    "MutedUser",
    "Order",
    "Product",
    "RedEnvelopeGrab",
    "RedEnvelopeRain",
    "RedEnvelopeSpec",
    "Reservation",
    "ReservationSpec",
    "Session",
    "Sku",
    "Snapshot",
    "TeamReview",
    "ValidationError",
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Role(StrEnum):
    HOST = "host"
    ASSISTANT = "assistant"
    REVIEWER = "reviewer"


class Actor(_Model):
    """Who caused an event: the operator's role and the id of the token they used."""

    role: Role
    token_id: str


# --- resources -------------------------------------------------------------------------------


class Sku(_Model):
    id: str
    name: str


class Product(_Model):
    id: str
    title: str
    price_cents: int = Field(gt=0)
    original_price_cents: int | None = None
    stock: int = Field(ge=0)
    listed: bool = True
    sold: int = Field(default=0, ge=0)
    #: units of ``stock`` held for a promotion (库存冻结): not for sale outside it
    reserved: int = Field(default=0, ge=0)
    skus: list[Sku] = Field(default_factory=list)
    selling_points: list[str] = Field(default_factory=list)
    image_url: str | None = None  # absolute, or relative to the platform's base url


class Bag(_Model):
    """The product queue (购物袋 / 排品), in order, with the version for optimistic concurrency."""

    version: int
    products: list[Product]


class CouponKind(StrEnum):
    THRESHOLD = "threshold"  # 满减
    DISCOUNT = "discount"  # 折扣
    NO_THRESHOLD = "no_threshold"  # 无门槛


class CouponSpec(_Model):
    kind: CouponKind
    name: str = ""
    threshold_cents: int = Field(default=0, ge=0)
    amount_cents: int | None = Field(default=None, gt=0)
    percent_off: int | None = Field(default=None, gt=0, lt=100)
    quantity: int = Field(gt=0)
    per_user_limit: int = Field(default=1, gt=0)
    valid_seconds: int = Field(gt=0)
    product_ids: list[str] | None = None
    reservation_id: str | None = None  # a held coupon reservation its holders buy from first


class Coupon(_Model):
    id: str
    kind: CouponKind
    name: str = ""
    threshold_cents: int = 0
    amount_cents: int | None = None
    percent_off: int | None = None
    quantity: int
    claimed: int = 0
    used: int = 0
    per_user_limit: int = 1
    valid_seconds: int
    product_ids: list[str] | None = None
    status: Literal["active", "ended", "expired"] = "active"
    created_ts: float
    ends_ts: float
    reservation_id: str | None = None

    @property
    def remaining(self) -> int:
        return max(0, self.quantity - self.claimed)


class FlashSaleSpec(_Model):
    product_id: str
    price_cents: int = Field(gt=0)
    quantity: int = Field(gt=0)
    starts_in_seconds: int = Field(default=0, ge=0)
    duration_seconds: int = Field(gt=0)
    reservation_id: str | None = None  # a held flash-sale reservation of the product


class FlashSale(_Model):
    id: str
    product_id: str
    price_cents: int
    quantity: int
    sold: int = 0
    status: Literal["scheduled", "active", "ended"]
    starts_ts: float
    ends_ts: float
    reservation_id: str | None = None  # sells only from this reservation (库存冻结)

    @property
    def remaining(self) -> int:
        return max(0, self.quantity - self.sold)


class ReservationSpec(_Model):
    product_id: str
    quantity: int = Field(gt=0)
    promotion: Literal["flash_sale", "coupon"]


class Reservation(_Model):
    """Units of a product held for one promotion (库存冻结). ``remaining`` is what the promotion
    may still sell; at the release (the promotion ended, or the operator) it goes back to free
    stock and is reported as ``released``."""

    id: str
    product_id: str
    quantity: int
    remaining: int
    promotion: Literal["flash_sale", "coupon"]
    promotion_id: str | None = None
    status: Literal["held", "released"]
    released: int = 0
    created_ts: float
    released_ts: float | None = None


class RedEnvelopeSpec(_Model):
    title: str = ""
    total_cents: int = Field(gt=0)
    count: int = Field(gt=0)
    split: Literal["equal", "random"] = "random"
    min_cents: int = Field(default=1, gt=0)
    starts_in_seconds: int = Field(default=0, ge=0)
    duration_seconds: int = Field(gt=0)
    eligibility: Literal["all", "followers", "fans"] = "all"
    min_fan_level: int = Field(default=0, ge=0)


class RedEnvelopeGrab(_Model):
    """One viewer's envelope: who, how much."""

    user_id: str
    nickname: str = ""
    amount_cents: int
    red_envelope_id: str | None = None


class RedEnvelopeRain(_Model):
    """A red-envelope rain 红包雨: ``total_cents`` split into ``count`` envelopes (``equal`` or
    ``random`` with ``min_cents`` each); ``grabbed_cents + remaining_cents == total_cents``; at
    the end ``leftover_cents`` is what nobody grabbed."""

    id: str
    title: str = ""
    total_cents: int
    count: int
    split: Literal["equal", "random"]
    min_cents: int
    eligibility: Literal["all", "followers", "fans"]
    min_fan_level: int = 0
    status: Literal["scheduled", "active", "ended"]
    starts_ts: float
    ends_ts: float
    grabbed: int = 0
    grabbed_cents: int = 0
    remaining: int = 0
    remaining_cents: int = 0
    leftover_cents: int | None = None
    best: RedEnvelopeGrab | None = None  # the largest envelope so far (手气最佳)
    end_reason: Literal["time", "all_grabbed", "operator"] | None = None


class LotterySpec(_Model):
    prize: str = Field(min_length=1)
    keyword: str = Field(min_length=1)
    winners: int = Field(gt=0)
    duration_seconds: int = Field(gt=0)
    eligibility: Literal["all", "followers"] = "all"


class PoolPrize(_Model):
    """One prize of a blind box's pool: ``n`` is how many there are (``counts``) or its weight
    (``weights``)."""

    name: str = Field(min_length=1, max_length=60)
    n: int = Field(gt=0, le=1_000_000)


class PrizePool(_Model):
    """A blind box's (盲盒) pool: each winner's prize is drawn from it (app/live/blind_box.py;
    docs/platform-api.md, "Verifiable lottery"). ``counts``: without replacement, each prize
    ``n`` times at most; ``weights``: with replacement, in proportion to ``n``."""

    mode: Literal["counts", "weights"]
    prizes: list[PoolPrize] = Field(min_length=1, max_length=20)


class Lottery(_Model):
    id: str
    prize: str
    keyword: str
    winners: int
    #: 0: open until an operator draws it (only a console lottery: app/live/console_lottery.py)
    duration_seconds: int
    eligibility: Literal["all", "followers"]
    commitment: str  # sha256(seed) hex, published at start
    status: Literal["open", "closed", "drawn"]
    starts_ts: float
    ends_ts: float
    entrants: int = 0
    # filled in at the draw
    seed: str | None = None  # hex of the 32-byte seed
    participants_digest: str | None = None
    participant_ids: list[str] | None = None
    winner_ids: list[str] | None = None
    winner_nicknames: list[str] | None = None
    #: who draws it: the platform (``POST /lotteries``), or this console itself among the
    #: commenters on a platform without lotteries (app/live/console_lottery.py); the same
    #: algorithm and commit-reveal either way
    origin: Literal["platform", "console"] = "platform"
    #: a blind box (盲盒, console only): the pool the commitment covers with the seed, and at
    #: the draw each winner's prize (same order as ``winner_ids``); app/live/blind_box.py
    pool: PrizePool | None = None
    winner_prizes: list[str] | None = None
    #: a console lottery among a fixed set (the correct answerers of a quiz): that quiz's id;
    #: nobody enters by comment (app/live/quiz.py)
    quiz_id: str | None = None


class Quiz(_Model):
    """A quiz (答题) this console runs among commenters (app/live/quiz.py): never a platform's.

    Answers are the viewers' comments whose platform seq is in ``(after_seq, last_seq]``
    (``last_seq`` set when answering closes), the first valid answer of each viewer counting."""

    id: str
    question: str
    options: list[str] = Field(min_length=2, max_length=4)
    correct: int | None = None  # index into options; None: no correct answer (a poll)
    duration_seconds: int = 0  # 0: open until closed or revealed by hand
    status: Literal["open", "closed", "revealed"] = "open"
    starts_ts: float
    ends_ts: float  # starts_ts + duration, or starts_ts when untimed
    after_seq: int  # the platform seq it opened after: only later comments answer
    last_seq: int | None = None  # the last platform seq whose comments count (once closed)
    tally: list[int]  # answers per option
    answerers: int = 0
    #: at the reveal: the viewers who answered correctly, sorted (a draw's entrants)
    correct_ids: list[str] | None = None
    lottery_id: str | None = None  # the console lottery drawn among the correct answerers


class Comment(_Model):
    id: str
    user_id: str
    nickname: str
    text: str
    is_follower: bool = False
    fan_level: int = 0
    role: Literal["viewer", "host", "assistant"] = "viewer"
    ts: float = 0.0


class Order(_Model):
    id: str
    user_id: str
    nickname: str
    product_id: str
    product_title: str = ""
    sku_id: str | None = None
    sku_name: str | None = None
    quantity: int
    unit_price_cents: int
    amount_cents: int
    status: Literal["created", "paid", "refunded"]
    coupon_id: str | None = None
    flash_sale_id: str | None = None
    reservation_id: str | None = None  # the reservation its units came from, if any
    created_ts: float
    seq: int = 0  # seq of the event that last changed this order


class Session(_Model):
    """A live session as every role sees it. It carries no stream key: the key is the host's
    secret (:class:`StreamTarget`, fetched by the host alone); a ``stream_key`` sent by an older
    platform is dropped when the session is parsed (unknown fields are ignored)."""

    id: str
    status: Literal["live", "ended"]
    started_ts: float
    ended_ts: float | None = None
    rtmp_url: str | None = None


class StreamTarget(_Model):
    """Where the host's OBS pushes a live session: the RTMP URL and the stream key (a secret:
    ``SecretStr`` keeps it out of reprs and logs; ``stream_key.get_secret_value()`` for OBS)."""

    session_id: str
    rtmp_url: str
    # the schema says what the platform sends: a string (SecretStr's own says "write-only")
    stream_key: Annotated[SecretStr, WithJsonSchema({"type": "string", "format": "password"})]


class RoomInfo(_Model):
    """``GET`` the room: what it is. ``simulated``: a rehearsal room (the sandbox's audience)."""

    id: str
    title: str = ""
    simulated: bool = False


class TeamInvites(_Model):
    """``GET /invites`` (host only): the tokens that let a teammate join — never the host's."""

    room: str
    assistant: SecretStr
    reviewer: SecretStr


class Member(_Model):
    """One console connected to the room's event stream (``GET /members``, host only)."""

    role: Role
    since_ts: float
    client: str | None = Field(None, max_length=64)


class Members(_Model):
    count: int = Field(ge=0)
    members: list[Member] = Field(default_factory=list, max_length=1000)


class Metrics(_Model):
    online: int = 0
    uv: int = 0  # cumulative distinct viewers this session
    likes: int = 0
    comments: int = 0
    new_followers: int = 0
    orders: int = 0
    paid_orders: int = 0
    buyers: int = 0
    gmv_cents: int = 0
    paid_gmv_cents: int = 0
    refunded_cents: int = 0
    # viewers' money besides orders, in the currency of their events (counted by the console
    # from events when the platform does not count it); the order counters are in the
    # snapshot's ``currency``
    gift_value_cents: int = 0
    paid_messages: int = 0
    paid_message_cents: int = 0
    memberships: int = 0
    gifts: int = 0  # gift events this session (a gift of ×N counts once), counted by the console


class Explaining(_Model):
    product_id: str
    since_ts: float


class MutedUser(_Model):
    """A user muted now: ``until_ts`` is when the mute ends (None: with ``session_id`` set, when
    that live session ends (本场); otherwise for good). Who muted them and when, if known."""

    user_id: str
    nickname: str = ""
    until_ts: float | None = None
    session_id: str | None = None
    muted_ts: float | None = None
    actor: Actor | None = None


#: the currency of money when a platform does not say (the sandbox's, older logs)
DEFAULT_CURRENCY = "CNY"
#: an ISO 4217 code: three capital letters
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


class Snapshot(_Model):
    """The whole live state of a room, consistent with the event stream up to ``seq``."""

    room: str
    seq: int
    session: Session | None = None
    bag: Bag
    explaining: Explaining | None = None
    coupons: list[Coupon] = Field(default_factory=list)
    flash_sales: list[FlashSale] = Field(default_factory=list)
    lotteries: list[Lottery] = Field(default_factory=list)
    red_envelopes: list[RedEnvelopeRain] = Field(default_factory=list)
    reservations: list[Reservation] = Field(default_factory=list)
    pinned_comment: Comment | None = None
    muted_users: list[MutedUser] = Field(default_factory=list)
    metrics: Metrics = Field(default_factory=Metrics)
    #: the currency (ISO 4217) of the catalogue and its money: prices, orders, GMV, coupons,
    #: flash sales; amounts are in its minor units. A platform that does not say sells in CNY
    #: (the sandbox, Bilibili, Douyin). Red envelopes are the chat platform's money (CNY)
    currency: Currency = DEFAULT_CURRENCY


# --- events ----------------------------------------------------------------------------------


class EventType(StrEnum):
    COMMENT = "comment"
    LIKE = "like"
    GIFT = "gift"
    FOLLOW = "follow"
    VIEWER_ENTER = "viewer_enter"
    SHARE = "share"
    PAID_MESSAGE = "paid_message"  # e.g. Bilibili Super Chat (醒目留言)
    MEMBERSHIP = "membership"  # e.g. Bilibili guard (舰长/提督/总督)
    PAID_MESSAGE_DELETED = "paid_message_deleted"  # the platform took paid messages down
    ROOM_NOTE = "room_note"  # a platform's own notice about the room (plain text, no action)
    VIEWERS = "viewers"
    ORDER_CREATED = "order_created"
    ORDER_PAID = "order_paid"
    ORDER_REFUNDED = "order_refunded"
    PRODUCT_UPDATED = "product_updated"
    PRODUCTS_REORDERED = "products_reordered"
    PRODUCT_EXPLAINING = "product_explaining"
    COUPON_ISSUED = "coupon_issued"
    COUPON_CLAIMED = "coupon_claimed"
    COUPON_ENDED = "coupon_ended"
    FLASH_SALE_SCHEDULED = "flash_sale_scheduled"
    FLASH_SALE_STARTED = "flash_sale_started"
    FLASH_SALE_UPDATED = "flash_sale_updated"
    FLASH_SALE_ENDED = "flash_sale_ended"
    STOCK_RESERVED = "stock_reserved"
    RESERVATION_UPDATED = "reservation_updated"
    STOCK_RELEASED = "stock_released"
    RED_ENVELOPE_SCHEDULED = "red_envelope_scheduled"
    RED_ENVELOPE_STARTED = "red_envelope_started"
    RED_ENVELOPE_GRABBED = "red_envelope_grabbed"
    RED_ENVELOPE_ENDED = "red_envelope_ended"
    LOTTERY_STARTED = "lottery_started"
    LOTTERY_ENTERED = "lottery_entered"
    LOTTERY_DRAWN = "lottery_drawn"
    COMMENT_PINNED = "comment_pinned"
    COMMENT_HIDDEN = "comment_hidden"
    USER_MUTED = "user_muted"
    USER_UNMUTED = "user_unmuted"
    SESSION_STARTED = "session_started"
    SESSION_ENDED = "session_ended"
    TEAM_REVIEW_CHANGED = "team_review_changed"  # the team's replay-score settings were saved
    RESYNC_REQUIRED = "resync_required"
    # made by this console only (LiveRoom.ingest_local), never accepted from a platform
    QUIZ_STARTED = "quiz_started"
    QUIZ_UPDATED = "quiz_updated"  # the tally changed, or answering closed
    QUIZ_REVEALED = "quiz_revealed"


#: event types only a console makes (its own quiz): no platform sends them (the stream refuses
#: them as unknown), the session file keeps them in ``local_events``
CONSOLE_ONLY_EVENTS = frozenset(
    {EventType.QUIZ_STARTED, EventType.QUIZ_UPDATED, EventType.QUIZ_REVEALED}
)


class _Data(_Model):
    actor: Actor | None = None  # set on every event caused by an operator's action


class CommentData(_Data):
    comment: Comment


class LikeData(_Data):
    user_id: str | None = None
    count: int = Field(ge=0)  # likes in this aggregate
    total: int = Field(ge=0)  # room total this session


class GiftData(_Data):
    """A gift; ``value_cents`` is what the viewer paid, in ``currency`` (0: a free gift, e.g.
    Bilibili's silver ones)."""

    user_id: str
    nickname: str
    gift: str
    count: int = 1
    value_cents: int = Field(default=0, ge=0)
    currency: Currency = DEFAULT_CURRENCY


class PaidMessageData(_Data):
    """A paid message shown apart from the chat (Bilibili Super Chat / 醒目留言)."""

    user_id: str
    nickname: str
    amount_cents: int = Field(ge=0)
    currency: Currency = DEFAULT_CURRENCY
    text: str = ""
    #: the platform's id of the message ("": none), which a ``paid_message_deleted`` names. For
    #: the console in the same process only (the room marks a takedown with it): not part of the
    #: event schema, so never serialised (``livedesk events``, recordings, the sandbox's wire)
    message_id: str = Field(default="", max_length=64, exclude=True)


class PaidMessageDeletedData(_Data):
    """The platform removed these paid messages (Bilibili: a Super Chat taken down by review);
    ``ids`` are their ``message_id``s."""

    ids: list[Annotated[str, Field(max_length=64)]] = Field(max_length=1000)


class RoomNoteData(_Data):
    """A notice the platform shows in the room (Bilibili: 「xx 正在去买」, gift combos, guest
    connections masking names). ``kind`` names it (``goto_buy_flow``, ``gift_combo``,
    ``names_masked``…); ``text`` is plain text, shown as it is."""

    kind: str = Field(max_length=64)
    text: str = Field(max_length=500)


class MembershipData(_Data):
    """A paid membership bought or renewed (Bilibili guard 舰长/提督/总督): ``tier`` is the
    platform's name of the level, ``months`` how long it was bought for.

    ``gifted``: memberships the user bought for others (a Twitch gifted sub: ``gifted`` = the
    number of subs given, ``months`` the length of each); 0 (the default, and what events from
    before the field say) for one bought for oneself."""

    user_id: str
    nickname: str
    tier: str
    months: int = Field(default=1, ge=0)
    gifted: int = Field(default=0, ge=0)
    amount_cents: int = Field(default=0, ge=0)
    currency: Currency = DEFAULT_CURRENCY

    @property
    def sold(self) -> int:
        """Memberships this event sold: the subs given for a gift, else one (a gift of 5 subs
        is 5 memberships the streamer is paid for)."""
        return self.gifted or 1


class ShareData(_Data):
    user_id: str
    nickname: str


class FollowData(_Data):
    user_id: str
    nickname: str


class ViewerEnterData(_Data):
    user_id: str
    nickname: str


class ViewersData(_Data):
    online: int = Field(ge=0)
    uv: int = Field(ge=0)


class OrderData(_Data):
    order: Order


class ProductUpdatedData(_Data):
    product: Product


class ProductsReorderedData(_Data):
    version: int
    product_ids: list[str]


class ProductExplainingData(_Data):
    product_id: str
    explaining: bool  # True: started, False: stopped


class CouponData(_Data):
    coupon: Coupon


class CouponClaimedData(_Data):
    coupon_id: str
    user_id: str
    claimed: int
    remaining: int


class FlashSaleData(_Data):
    flash_sale: FlashSale


class LotteryData(_Data):
    lottery: Lottery


class QuizData(_Data):
    quiz: Quiz


class ReservationData(_Data):
    reservation: Reservation


class RedEnvelopeData(_Data):
    red_envelope: RedEnvelopeRain


class RedEnvelopeGrabbedData(_Data):
    """Grabs since the last such event (aggregated at high rates): ``count`` grabs worth
    ``amount_cents``, the latest few listed in ``grabs``; ``red_envelope`` the totals after them."""

    red_envelope: RedEnvelopeRain
    count: int = Field(ge=0)
    amount_cents: int = Field(ge=0)
    grabs: list[RedEnvelopeGrab] = Field(default_factory=list)


class LotteryEnteredData(_Data):
    lottery_id: str
    user_id: str
    entrants: int


class CommentPinnedData(_Data):
    comment: Comment | None  # None: unpinned


class CommentHiddenData(_Data):
    comment_id: str


class UserMutedData(_Data):
    """A mute (it replaces the user's earlier one): for ``seconds`` (ending at ``until_ts``), or
    with ``session_id`` until that session ends (本场), or (neither) for good."""

    user_id: str
    nickname: str = ""
    seconds: int | None = Field(default=None, gt=0)
    until_ts: float | None = None
    session_id: str | None = None


class UserUnmutedData(_Data):
    """A mute ended: ``reason`` ``operator`` (解除禁言, with actor), ``expired`` (its time was
    up) or ``session_ended`` (a 本场 mute)."""

    user_id: str
    nickname: str = ""
    reason: str = "operator"


class SessionData(_Data):
    session: Session


class TeamReview(_Model):
    """The team's shared replay-score settings (``GET``/``PUT /team/review``): ``version`` counts
    the saves (0: never saved, ``review`` then empty), ``review`` the values by their settings
    names (app/settings.py ``ReviewSettings``: weights, basis, min_history, targets). The
    console validates the values itself (a platform may not check them as it does)."""

    version: int = Field(ge=0)
    review: dict[str, Any] = Field(default_factory=dict)


class TeamReviewChangedData(_Data):
    """A teammate saved the team's replay-score settings: the new ``version`` and values."""

    version: int = Field(ge=1)
    review: dict[str, Any]


class ResyncRequiredData(_Data):
    reason: str = ""
    last_seq: int = 0


EVENT_DATA: dict[str, type[_Data]] = {
    EventType.COMMENT: CommentData,
    EventType.LIKE: LikeData,
    EventType.GIFT: GiftData,
    EventType.FOLLOW: FollowData,
    EventType.VIEWER_ENTER: ViewerEnterData,
    EventType.SHARE: ShareData,
    EventType.PAID_MESSAGE: PaidMessageData,
    EventType.MEMBERSHIP: MembershipData,
    EventType.PAID_MESSAGE_DELETED: PaidMessageDeletedData,
    EventType.ROOM_NOTE: RoomNoteData,
    EventType.VIEWERS: ViewersData,
    EventType.ORDER_CREATED: OrderData,
    EventType.ORDER_PAID: OrderData,
    EventType.ORDER_REFUNDED: OrderData,
    EventType.PRODUCT_UPDATED: ProductUpdatedData,
    EventType.PRODUCTS_REORDERED: ProductsReorderedData,
    EventType.PRODUCT_EXPLAINING: ProductExplainingData,
    EventType.COUPON_ISSUED: CouponData,
    EventType.COUPON_CLAIMED: CouponClaimedData,
    EventType.COUPON_ENDED: CouponData,
    EventType.FLASH_SALE_SCHEDULED: FlashSaleData,
    EventType.FLASH_SALE_STARTED: FlashSaleData,
    EventType.FLASH_SALE_UPDATED: FlashSaleData,
    EventType.FLASH_SALE_ENDED: FlashSaleData,
    EventType.STOCK_RESERVED: ReservationData,
    EventType.RESERVATION_UPDATED: ReservationData,
    EventType.STOCK_RELEASED: ReservationData,
    EventType.RED_ENVELOPE_SCHEDULED: RedEnvelopeData,
    EventType.RED_ENVELOPE_STARTED: RedEnvelopeData,
    EventType.RED_ENVELOPE_GRABBED: RedEnvelopeGrabbedData,
    EventType.RED_ENVELOPE_ENDED: RedEnvelopeData,
    EventType.LOTTERY_STARTED: LotteryData,
    EventType.LOTTERY_ENTERED: LotteryEnteredData,
    EventType.LOTTERY_DRAWN: LotteryData,
    EventType.COMMENT_PINNED: CommentPinnedData,
    EventType.COMMENT_HIDDEN: CommentHiddenData,
    EventType.USER_MUTED: UserMutedData,
    EventType.USER_UNMUTED: UserUnmutedData,
    EventType.SESSION_STARTED: SessionData,
    EventType.SESSION_ENDED: SessionData,
    EventType.TEAM_REVIEW_CHANGED: TeamReviewChangedData,
    EventType.RESYNC_REQUIRED: ResyncRequiredData,
}


class Event(_Model):
    """One message of the event stream. ``data`` is the typed payload for ``type``."""

    seq: int = Field(ge=0)  # 0 only for resync_required, which is not part of the log
    ts: float
    type: EventType
    data: Any

    @property
    def actor(self) -> Actor | None:
        return getattr(self.data, "actor", None)


class EventBatch(list[Event]):
    """Events handed over together, in order, with ``wire``: each event's JSON message exactly as
    the platform sent it (aligned with the events), or None where nobody kept it.

    The event stream keeps the wire form so that the session recorder stores the platform's own
    bytes instead of serialising every event again (at 20,000 events/s that was ~8 µs an event,
    under the GIL the UI needs). Anything that makes a batch by hand (tests, other adapters) may
    pass a plain list: consumers fall back to encoding.
    """

    __slots__ = ("wire",)

    def __init__(self, events: Iterable[Event] = (), wire: list[bytes] | None = None) -> None:
        super().__init__(events)
        self.wire = wire

    def part(self, start: int, stop: int | None = None) -> EventBatch:
        """``self[start:stop]`` with its wire lines."""
        wire = self.wire
        return EventBatch(self[start:stop], None if wire is None else wire[start:stop])


def wire_of(events: Sequence[Event]) -> list[bytes] | None:
    """The wire lines of ``events`` when they came as one :class:`EventBatch` that kept them."""
    wire = getattr(events, "wire", None)
    return wire if wire is not None and len(wire) == len(events) else None


class MalformedEvent(ValueError):
    """An event that does not match the contract. ``seq`` is known when it could be read."""

    def __init__(self, message: str, seq: int | None, raw: object) -> None:
        super().__init__(message)
        self.seq = seq
        self.raw = raw


def parse_event(raw: object) -> Event:
    """Validate one decoded stream message into a typed :class:`Event`.

    Raises :class:`MalformedEvent` (with the seq when readable) for anything off-contract,
    including an unknown ``type``.
    """
    if not isinstance(raw, dict):
        raise MalformedEvent(f"event is a {type(raw).__name__}, not an object", None, raw)
    seq = raw.get("seq")
    seq_ok = seq if isinstance(seq, int) and not isinstance(seq, bool) else None
    etype = raw.get("type")
    model = EVENT_DATA.get(etype) if isinstance(etype, str) else None
    if model is None:
        raise MalformedEvent(f"unknown event type {etype!r}", seq_ok, raw)
    if seq_ok is None:
        raise MalformedEvent(f"event has no integer seq: {seq!r}", None, raw)
    ts = raw.get("ts")
    if not isinstance(ts, int | float) or isinstance(ts, bool):
        raise MalformedEvent(f"event {seq_ok} has no numeric ts", seq_ok, raw)
    try:
        data = model.model_validate(raw.get("data"))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "data"
        raise MalformedEvent(
            f"event {seq_ok} ({etype}): {where}: {first['msg']}", seq_ok, raw
        ) from None
    return Event.model_construct(seq=seq_ok, ts=float(ts), type=EventType(str(etype)), data=data)
