"""The interface every platform adapter implements (plugins register a factory).

An adapter gives the console three things: a snapshot of the room, an endless async stream of
typed events (resuming by itself after drops: no event missed or duplicated, order kept), and
actions. Actions raise :class:`~app.platform.errors.PlatformError` with an operator-readable
message, and :class:`~app.platform.errors.OfflineError` when the platform cannot be reached.

Adapters are found through the ``livedesk.platforms`` entry-point group; each entry point names
an :class:`AdapterFactory`.

Capabilities (app/platform/capabilities.py): an adapter declares what its platform offers in
``capabilities`` (the whole API v1 contract by default) and implements only those actions; every
action it does not implement raises the ``not_supported`` :class:`PlatformError` whose message
(:meth:`PlatformAdapter.why_not`) tells the operator why, in the UI language.
:meth:`PlatformAdapter.event_key` is what a consumer dedupes events on across reconnects.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Hashable, Sequence
from typing import Any, NoReturn, Protocol

from app.i18n import tr
from app.platform.capabilities import ALL, Capability, default_reason, unsupported
from app.platform.connection import ConnectionTracker
from app.platform.errors import PlatformError
from app.platform.models import (
    Bag,
    Comment,
    Coupon,
    CouponSpec,
    Event,
    FlashSale,
    FlashSaleSpec,
    Lottery,
    LotterySpec,
    Members,
    Order,
    Product,
    RedEnvelopeRain,
    RedEnvelopeSpec,
    Reservation,
    ReservationSpec,
    Role,
    RoomInfo,
    Session,
    Snapshot,
    StreamTarget,
    TeamInvites,
    TeamReview,
)


def _not_supported(message: str) -> PlatformError:
    return PlatformError("not_supported", message)


class PlatformAdapter(ABC):
    """One connected room on one platform, as one operator (role) sees it."""

    #: observable link state (connected / reconnecting since … / offline, last event age)
    connection: ConnectionTracker
    room: str
    role: Role
    #: the platform's public id of this console's token (``Actor.token_id``), when known: tells
    #: this console's own actions from a teammate's with the same role
    token_id: str | None = None
    #: where this console reaches the platform (an invite carries it), when it is a URL
    base_url: str | None = None
    #: what the platform offers (the same set as its factory's); the full contract by default
    capabilities: frozenset[Capability] = ALL
    #: the platform's short display name in messages (「B站开放平台不提供订单数据」); "" → 该平台
    platform_name: str = ""
    #: the language the platform's chat speaks (an app.i18n language: "en" for Twitch), for what
    #: the console posts there (app/live/chat_announce.py); "" → the UI's
    chat_language: str = ""

    # --- capabilities --------------------------------------------------------------------------
    def can(self, capability: Capability) -> bool:
        return capability in self.capabilities

    def why_not(self, capability: Capability) -> str | None:
        """None when the platform offers ``capability``; else why not, in the UI language."""
        if capability in self.capabilities:
            return None
        return self.unsupported_reason(capability)

    def unsupported_reason(self, capability: Capability) -> str:
        """The sentence shown for a capability this platform lacks. Override it to say more
        (call ``tr`` here, not at import: the language may change while the console runs)."""
        return default_reason(capability, self.platform_name)

    def _refuse(self, capability: Capability) -> NoReturn:
        raise unsupported(capability, self.unsupported_reason(capability))

    def event_key(self, event: Event) -> Hashable:
        """What identifies ``event`` on this platform, for consumers that must never handle one
        twice across reconnects (``livedesk events``). Default: the seq of the platform's log;
        a platform without a log returns its message id (Bilibili's ``msg_id``)."""
        return event.seq

    # --- lifecycle ---------------------------------------------------------------------------
    @abstractmethod
    async def close(self) -> None: ...

    def reconnect_now(self) -> bool:
        """The operator's 重连: try to reach the platform again now instead of after the backoff
        wait (an adapter that runs its platform itself may also start it again). Returns True when
        something was done. Default: nothing to do."""
        return False

    # --- state ---------------------------------------------------------------------------------
    @abstractmethod
    async def snapshot(self) -> Snapshot: ...

    @abstractmethod
    def event_batches(self, after_seq: int) -> AsyncIterator[Sequence[Event]]:
        """Events with seq > after_seq, in order, in batches, forever (reconnecting as needed).

        A ``resync_required`` event means the caller must reload :meth:`snapshot` and call
        again from its seq.
        """

    def event_log(self, after_seq: int) -> AsyncIterator[Sequence[Event]]:
        """The room's stored events with seq > after_seq, like :meth:`event_batches`, but read on
        a connection of its own that does not report to :attr:`connection`: for back-filling a
        recording while the live stream goes on (the operator's link indicator must not move).
        The caller stops reading once it has what it needs. Ends after a ``resync_required``
        batch when the platform no longer has those events.

        Default: :meth:`event_batches` (override it when that would move :attr:`connection`).
        """
        return self.event_batches(after_seq)

    async def orders(self, after_seq: int = 0) -> list[Order]:
        self._refuse(Capability.ORDERS)

    # --- actions (each sent once: adapters make retries idempotent) ------------------------------
    async def start_session(self) -> Session:
        self._refuse(Capability.SESSIONS)

    async def end_session(self, session_id: str) -> Session:
        self._refuse(Capability.SESSIONS)

    async def stream_target(self, session_id: str) -> StreamTarget:
        """The live session's RTMP push URL and stream key, for the host's OBS. The key is the
        host's secret: platforms serve it to the host alone, never in events or snapshots.
        Default: not offered (the streamer enters the target in OBS by hand)."""
        self._refuse(Capability.PUSH_URL)

    # --- the team (default: not offered) ------------------------------------------------------
    async def room_info(self) -> RoomInfo:
        return RoomInfo(id=self.room)

    async def team_invites(self) -> TeamInvites:
        """The assistant's and the reviewer's tokens, for invites (host only)."""
        raise _not_supported(tr("该平台不支持邀请"))

    async def members(self) -> Members:
        """The consoles connected to the room now (host only)."""
        raise _not_supported(tr("该平台不支持在线成员列表"))

    async def team_review(self) -> TeamReview:
        """The team's shared replay-score settings (every role may read them)."""
        self._refuse(Capability.TEAM_SETTINGS)

    async def set_team_review(self, version: int, review: dict[str, Any]) -> TeamReview:
        """Save the team's replay-score settings over ``version`` (the one this console holds):
        a teammate's save in between is a :class:`~app.platform.errors.StaleVersionError`
        (409), a reviewer's a 403; the platform's ``team_review_changed`` tells every console."""
        self._refuse(Capability.TEAM_SETTINGS)

    async def products(self) -> Bag:
        self._refuse(Capability.CATALOGUE)

    async def reorder(self, version: int, product_ids: Sequence[str]) -> Bag:
        self._refuse(Capability.CATALOGUE)

    async def update_product(
        self,
        product_id: str,
        *,
        price_cents: int | None = None,
        stock: int | None = None,
        listed: bool | None = None,
    ) -> Product:
        self._refuse(Capability.CATALOGUE)

    async def explain(self, product_id: str) -> None:
        self._refuse(Capability.CATALOGUE)

    async def stop_explain(self, product_id: str) -> None:
        self._refuse(Capability.CATALOGUE)

    async def issue_coupon(self, spec: CouponSpec) -> Coupon:
        self._refuse(Capability.COUPONS)

    async def end_coupon(self, coupon_id: str) -> Coupon:
        self._refuse(Capability.COUPONS)

    async def start_flash_sale(self, spec: FlashSaleSpec) -> FlashSale:
        self._refuse(Capability.FLASH_SALES)

    async def start_lottery(self, spec: LotterySpec) -> Lottery:
        self._refuse(Capability.PLATFORM_LOTTERIES)

    async def start_red_envelope(self, spec: RedEnvelopeSpec) -> RedEnvelopeRain:
        self._refuse(Capability.RED_ENVELOPES)

    async def end_red_envelope(self, rain_id: str) -> RedEnvelopeRain:
        self._refuse(Capability.RED_ENVELOPES)

    async def reserve_stock(self, spec: ReservationSpec) -> Reservation:
        self._refuse(Capability.STOCK_RESERVATION)

    async def release_reservation(self, reservation_id: str) -> Reservation:
        self._refuse(Capability.STOCK_RESERVATION)

    async def draw_lottery(self, lottery_id: str) -> Lottery:
        self._refuse(Capability.PLATFORM_LOTTERIES)

    async def send_comment(self, text: str) -> Comment:
        self._refuse(Capability.REPLY)

    async def pin_comment(self, comment_id: str) -> None:
        self._refuse(Capability.PIN)

    async def hide_comment(self, comment_id: str) -> None:
        self._refuse(Capability.HIDE)

    async def mute_user(
        self,
        user_id: str,
        seconds: int | None = None,
        *,
        until_session_end: bool = False,
        nickname: str = "",
    ) -> None:
        """Mute for ``seconds``, or until the live session ends, or (neither) for good."""
        self._refuse(Capability.MUTE)

    async def unmute_user(self, user_id: str) -> None:
        """Lift a mute (idempotent: a user who is not muted is no error)."""
        self._refuse(Capability.MUTE)


class AdapterFactory(Protocol):
    """What a ``livedesk.platforms`` entry point names."""

    name: str
    title: str  # shown to the operator, e.g. "沙盒平台 (Sandbox)"
    #: what the platform offers, known before anything is opened (its adapters declare the same)
    capabilities: frozenset[Capability]

    async def open(self, settings: dict[str, Any]) -> PlatformAdapter: ...
