"""The interface every platform adapter implements (plugins register a factory).

An adapter gives the console three things: a snapshot of the room, an endless async stream of
typed events (resuming by itself after drops: no event missed or duplicated, order kept), and
actions. Actions raise :class:`~app.platform.errors.PlatformError` with an operator-readable
message, and :class:`~app.platform.errors.OfflineError` when the platform cannot be reached.

Adapters are found through the ``livedesk.platforms`` entry-point group; each entry point names
an :class:`AdapterFactory`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Sequence
from typing import Any, Protocol

from app.i18n import tr
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
    Role,
    RoomInfo,
    Session,
    Snapshot,
    StreamTarget,
    TeamInvites,
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

    @abstractmethod
    async def orders(self, after_seq: int = 0) -> list[Order]: ...

    # --- actions (each sent once: adapters make retries idempotent) ------------------------------
    @abstractmethod
    async def start_session(self) -> Session: ...

    @abstractmethod
    async def end_session(self, session_id: str) -> Session: ...

    async def stream_target(self, session_id: str) -> StreamTarget:
        """The live session's RTMP push URL and stream key, for the host's OBS. The key is the
        host's secret: platforms serve it to the host alone, never in events or snapshots.
        Default: not offered (the streamer enters the target in OBS by hand)."""
        raise PlatformError("not_supported", tr("该平台不提供推流地址"))

    # --- the team (default: not offered) ------------------------------------------------------
    async def room_info(self) -> RoomInfo:
        return RoomInfo(id=self.room)

    async def team_invites(self) -> TeamInvites:
        """The assistant's and the reviewer's tokens, for invites (host only)."""
        raise _not_supported(tr("该平台不支持邀请"))

    async def members(self) -> Members:
        """The consoles connected to the room now (host only)."""
        raise _not_supported(tr("该平台不支持在线成员列表"))

    @abstractmethod
    async def products(self) -> Bag: ...

    @abstractmethod
    async def reorder(self, version: int, product_ids: Sequence[str]) -> Bag: ...

    @abstractmethod
    async def update_product(
        self,
        product_id: str,
        *,
        price_cents: int | None = None,
        stock: int | None = None,
        listed: bool | None = None,
    ) -> Product: ...

    @abstractmethod
    async def explain(self, product_id: str) -> None: ...

    @abstractmethod
    async def stop_explain(self, product_id: str) -> None: ...

    @abstractmethod
    async def issue_coupon(self, spec: CouponSpec) -> Coupon: ...

    @abstractmethod
    async def end_coupon(self, coupon_id: str) -> Coupon: ...

    @abstractmethod
    async def start_flash_sale(self, spec: FlashSaleSpec) -> FlashSale: ...

    @abstractmethod
    async def start_lottery(self, spec: LotterySpec) -> Lottery: ...

    @abstractmethod
    async def draw_lottery(self, lottery_id: str) -> Lottery: ...

    @abstractmethod
    async def send_comment(self, text: str) -> Comment: ...

    @abstractmethod
    async def pin_comment(self, comment_id: str) -> None: ...

    @abstractmethod
    async def hide_comment(self, comment_id: str) -> None: ...

    @abstractmethod
    async def mute_user(
        self,
        user_id: str,
        seconds: int | None = None,
        *,
        until_session_end: bool = False,
        nickname: str = "",
    ) -> None:
        """Mute for ``seconds``, or until the live session ends, or (neither) for good."""

    @abstractmethod
    async def unmute_user(self, user_id: str) -> None:
        """Lift a mute (idempotent: a user who is not muted is no error)."""


class AdapterFactory(Protocol):
    """What a ``livedesk.platforms`` entry point names."""

    name: str
    title: str  # shown to the operator, e.g. "沙盒平台 (Sandbox)"

    async def open(self, settings: dict[str, Any]) -> PlatformAdapter: ...
