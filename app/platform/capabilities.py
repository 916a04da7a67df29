"""What a platform can do: the capabilities an adapter declares, and why the rest is off.

Real platforms each offer a part of what the sandbox does (Bilibili's open platform gives the
room's interaction events but no catalogue or orders). Every adapter declares its
:class:`Capability` set (``PlatformAdapter.capabilities``; the factory declares the same set
before anything is opened, ``AdapterFactory.capabilities``). The sandbox declares them all.

Guarantees:

- :func:`why_not` gives, for each capability a platform lacks, one sentence in the operator's
  language saying so (the adapter may name its own reason, e.g. 「B站开放平台不提供订单数据」;
  otherwise a sentence per capability with the platform's display name). The console shows it
  where the feature would be, instead of a control that does nothing.
- :func:`unsupported` is the :class:`~app.platform.errors.PlatformError` (code
  ``not_supported``) an action raises when its capability is missing: calling an action the
  platform lacks is a clear refusal, never a crash or a silent no-op. The adapter base class's
  default actions raise it (app/platform/adapter.py), so an adapter implements only what its
  platform does.
- :data:`REQUIRED_BY_ACTION` says which capability each adapter action needs (the console asks
  ``room.can(...)`` before offering it); :data:`EVENT_CAPABILITY` which capability each event
  kind belongs to (a platform without it never sends it; ``room_note`` and ``resync_required``
  belong to none: every platform may send them).
- ``team_settings``: the platform keeps the team's shared console settings (the replay score's,
  ``GET``/``PUT /team/review``); without it each console keeps its own (the sandbox has it, no
  real adapter does).
- :data:`COMMERCE` is what a commerce backend (a shop's own system) brings to a room made of two
  sources (app/platform/composite.py); everything else comes from the interaction source.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from app.i18n import tr
from app.platform.errors import PlatformError
from app.platform.models import EventType

__all__ = [
    "ALL",
    "COMMERCE",
    "EVENT_CAPABILITY",
    "INTERACTION",
    "REQUIRED_BY_ACTION",
    "Capability",
    "default_reason",
    "unsupported",
]


class Capability(StrEnum):
    """One thing a platform may offer. Values are stable (settings and docs name them)."""

    # interaction events (what the audience does)
    COMMENTS = "comments"
    GIFTS = "gifts"
    LIKES = "likes"
    FOLLOWS = "follows"
    ENTRIES = "entries"  # viewer_enter
    PAID_MESSAGES = "paid_messages"  # Super Chat / 醒目留言
    MEMBERSHIPS = "memberships"  # Bilibili guards, channel memberships
    SHARES = "shares"
    # room state
    LIVE_STATE = "live_state"  # live / offline
    VIEWERS = "viewers"  # online count and distinct viewers
    # catalogue and orders
    CATALOGUE = "catalogue"  # products, stock, prices, the bag order, explaining a product
    ORDERS = "orders"
    # marketing the platform runs itself
    COUPONS = "coupons"
    FLASH_SALES = "flash_sales"
    PLATFORM_LOTTERIES = "platform_lotteries"
    RED_ENVELOPES = "red_envelopes"  # 红包雨: a rain of envelopes the audience grabs
    STOCK_RESERVATION = "stock_reservation"  # 库存冻结: units held for a promotion
    # moderation
    PIN = "pin"
    HIDE = "hide"
    MUTE = "mute"
    REPLY = "reply"  # the operator writes in the chat
    # the broadcast
    SESSIONS = "sessions"  # 开播 / 下播 through the platform
    PUSH_URL = "push_url"  # RTMP push URL and stream key for OBS
    # the team
    TEAM_SETTINGS = "team_settings"  # the team's shared console settings (the replay score's)


ALL: frozenset[Capability] = frozenset(Capability)
INTERACTION: frozenset[Capability] = frozenset(
    {
        Capability.COMMENTS,
        Capability.GIFTS,
        Capability.LIKES,
        Capability.FOLLOWS,
        Capability.ENTRIES,
        Capability.PAID_MESSAGES,
        Capability.MEMBERSHIPS,
        Capability.SHARES,
    }
)

#: what a commerce backend (a shop system: catalogue, orders, marketing on prices and stock)
#: brings to a two-source room; the rest is the interaction source's
COMMERCE: frozenset[Capability] = frozenset(
    {
        Capability.CATALOGUE,
        Capability.ORDERS,
        Capability.COUPONS,
        Capability.FLASH_SALES,
        Capability.STOCK_RESERVATION,
    }
)

_T = EventType
#: event type → the capability without which a platform never sends it (``room_note``,
#: ``resync_required`` and the console's own events belong to none)
EVENT_CAPABILITY: dict[EventType, Capability] = {
    _T.COMMENT: Capability.COMMENTS,
    _T.LIKE: Capability.LIKES,
    _T.GIFT: Capability.GIFTS,
    _T.FOLLOW: Capability.FOLLOWS,
    _T.VIEWER_ENTER: Capability.ENTRIES,
    _T.SHARE: Capability.SHARES,
    _T.PAID_MESSAGE: Capability.PAID_MESSAGES,
    _T.MEMBERSHIP: Capability.MEMBERSHIPS,
    _T.PAID_MESSAGE_DELETED: Capability.PAID_MESSAGES,
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
    _T.STOCK_RESERVED: Capability.STOCK_RESERVATION,
    _T.RESERVATION_UPDATED: Capability.STOCK_RESERVATION,
    _T.STOCK_RELEASED: Capability.STOCK_RESERVATION,
    _T.RED_ENVELOPE_SCHEDULED: Capability.RED_ENVELOPES,
    _T.RED_ENVELOPE_STARTED: Capability.RED_ENVELOPES,
    _T.RED_ENVELOPE_GRABBED: Capability.RED_ENVELOPES,
    _T.RED_ENVELOPE_ENDED: Capability.RED_ENVELOPES,
    _T.LOTTERY_STARTED: Capability.PLATFORM_LOTTERIES,
    _T.LOTTERY_ENTERED: Capability.PLATFORM_LOTTERIES,
    _T.LOTTERY_DRAWN: Capability.PLATFORM_LOTTERIES,
    _T.COMMENT_PINNED: Capability.PIN,
    _T.COMMENT_HIDDEN: Capability.HIDE,
    _T.USER_MUTED: Capability.MUTE,
    _T.USER_UNMUTED: Capability.MUTE,
    _T.SESSION_STARTED: Capability.LIVE_STATE,
    _T.SESSION_ENDED: Capability.LIVE_STATE,
    _T.TEAM_REVIEW_CHANGED: Capability.TEAM_SETTINGS,
}

#: adapter action (method name) → the capability it needs
REQUIRED_BY_ACTION: dict[str, Capability] = {
    "orders": Capability.ORDERS,
    "products": Capability.CATALOGUE,
    "reorder": Capability.CATALOGUE,
    "update_product": Capability.CATALOGUE,
    "explain": Capability.CATALOGUE,
    "stop_explain": Capability.CATALOGUE,
    "issue_coupon": Capability.COUPONS,
    "end_coupon": Capability.COUPONS,
    "start_flash_sale": Capability.FLASH_SALES,
    "start_lottery": Capability.PLATFORM_LOTTERIES,
    "draw_lottery": Capability.PLATFORM_LOTTERIES,
    "start_red_envelope": Capability.RED_ENVELOPES,
    "end_red_envelope": Capability.RED_ENVELOPES,
    "reserve_stock": Capability.STOCK_RESERVATION,
    "release_reservation": Capability.STOCK_RESERVATION,
    "send_comment": Capability.REPLY,
    "pin_comment": Capability.PIN,
    "hide_comment": Capability.HIDE,
    "mute_user": Capability.MUTE,
    "unmute_user": Capability.MUTE,
    "start_session": Capability.SESSIONS,
    "end_session": Capability.SESSIONS,
    "stream_target": Capability.PUSH_URL,
    "team_review": Capability.TEAM_SETTINGS,
    "set_team_review": Capability.TEAM_SETTINGS,
}

# One sentence per capability, "{platform}" being the platform's display name. Functions, so
# that each is translated when it is shown (the language may change while the console runs).
_REASONS: dict[Capability, Callable[[], str]] = {
    Capability.COMMENTS: lambda: tr("{platform}不提供弹幕/评论"),
    Capability.GIFTS: lambda: tr("{platform}不提供礼物数据"),
    Capability.LIKES: lambda: tr("{platform}不提供点赞数据"),
    Capability.FOLLOWS: lambda: tr("{platform}不提供关注数据"),
    Capability.ENTRIES: lambda: tr("{platform}不提供进场数据"),
    Capability.PAID_MESSAGES: lambda: tr("{platform}不提供付费留言"),
    Capability.MEMBERSHIPS: lambda: tr("{platform}不提供会员/舰长数据"),
    Capability.SHARES: lambda: tr("{platform}不提供分享数据"),
    Capability.LIVE_STATE: lambda: tr("{platform}不提供开播状态"),
    Capability.VIEWERS: lambda: tr("{platform}不提供在线人数"),
    Capability.CATALOGUE: lambda: tr("{platform}不提供商品数据（商品、库存、价格）"),
    Capability.ORDERS: lambda: tr("{platform}不提供订单数据"),
    Capability.COUPONS: lambda: tr("{platform}不支持发放优惠券"),
    Capability.FLASH_SALES: lambda: tr("{platform}不支持秒杀"),
    Capability.PLATFORM_LOTTERIES: lambda: tr("{platform}不支持平台抽奖（可用中控台自己的抽奖）"),
    Capability.RED_ENVELOPES: lambda: tr("{platform}不支持红包雨"),
    Capability.STOCK_RESERVATION: lambda: tr("{platform}不支持冻结库存"),
    Capability.PIN: lambda: tr("{platform}不支持置顶评论"),
    Capability.HIDE: lambda: tr("{platform}不支持隐藏评论"),
    Capability.MUTE: lambda: tr("{platform}不支持禁言"),
    Capability.REPLY: lambda: tr("{platform}不支持从中控台发言"),
    Capability.SESSIONS: lambda: tr("{platform}不支持从中控台开播/下播，请在平台上操作"),
    Capability.PUSH_URL: lambda: tr("{platform}不提供推流地址，请在 OBS 中手动填写"),
    Capability.TEAM_SETTINGS: lambda: tr("{platform}不提供团队共享设置：评分设置只保存在本机"),
}


def default_reason(capability: Capability, platform: str = "") -> str:
    """Why ``platform`` (its display name; "该平台" when empty) lacks ``capability``, in the
    operator's language."""
    return _REASONS[capability]().format(platform=platform or tr("该平台"))


def unsupported(capability: Capability, reason: str) -> PlatformError:
    """The refusal of an action whose capability the platform lacks (``reason``: see
    :func:`default_reason`)."""
    return PlatformError("not_supported", reason, field=capability.value)
