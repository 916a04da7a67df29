"""The built-in platform adapter: Live Commerce Platform API v1 over HTTP + WebSocket.

``PlatformClient(base_url, room, token)`` implements :class:`~app.platform.adapter.PlatformAdapter`:
actions are httpx requests with short timeouts; the event stream is :class:`EventStream`.

Actions are sent once. Every mutating request carries an ``Idempotency-Key`` (uuid4) that is
reused when the same action is retried automatically after a connect error or a timeout, so a
retry never issues a coupon twice. An action that cannot reach the platform raises
:class:`~app.platform.errors.OfflineError`; it is never queued or dropped silently. Error bodies
(``{"error": {"code", "message", "field"}}``) become :class:`PlatformError`; a 409
``stale_version`` becomes :class:`StaleVersionError` carrying the platform's current bag (or,
for the team's review settings, the current :class:`~app.platform.models.TeamReview`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import re
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
import orjson
from pydantic import BaseModel, ValidationError

from app.i18n import tr
from app.platform.adapter import PlatformAdapter
from app.platform.connection import ConnectionTracker, LinkState
from app.platform.errors import OfflineError, PlatformError, StaleVersionError
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
from app.platform.stream import EventStream, StreamConfig

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)

#: seconds an action may take before it counts as unanswered
ACTION_TIMEOUT = 5.0
CONNECT_TIMEOUT = 2.0
#: waits between automatic retries of one action (same Idempotency-Key); len + 1 attempts
RETRY_DELAYS: tuple[float, ...] = (0.1, 0.4)

_STATUS_TEXT = {
    400: "请求格式错误 (bad request)",
    401: "令牌无效或已过期 (token invalid or expired)",
    403: "当前角色无权执行此操作 (not allowed for this role)",
    404: "对象不存在 (not found)",
    409: "状态冲突 (conflict)",
    422: "数值无效 (invalid value)",
    429: "操作过于频繁，请稍后再试 (too many requests)",
}


def clean_client_name(name: str | None) -> str | None:
    """A machine name fit for the stream's ``client`` parameter: one line, ≤ 64 characters."""
    if not name:
        return None
    text = re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]", "", name).strip()
    return text[:64].strip() or None


class PlatformClient(PlatformAdapter):
    """One room on an API v1 platform, as the holder of ``token`` (host/assistant/reviewer)."""

    base_url: str

    def __init__(
        self,
        base_url: str,
        room: str,
        token: str,
        *,
        role: Role | str = Role.HOST,
        stream_config: StreamConfig | None = None,
        action_timeout: float = ACTION_TIMEOUT,
        retry_delays: Sequence[float] = RETRY_DELAYS,
        transport: httpx.AsyncBaseTransport | None = None,
        event_hooks: Mapping[str, list[Any]] | None = None,
        client_name: str | None = None,
    ) -> None:
        """``client_name``: how this console is named in the host's 在线成员 list (the machine
        name; cleaned to one line of at most 64 characters)."""
        self.base_url = base_url.rstrip("/")
        self.token_id = "t" + hashlib.sha256(token.encode()).hexdigest()[:8]
        self.room = room
        self.role = Role(role)
        self.connection = ConnectionTracker()
        self._prefix = f"/api/v1/rooms/{quote(room, safe='')}"
        self._retry_delays = tuple(retry_delays)
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=httpx.Timeout(action_timeout, connect=min(CONNECT_TIMEOUT, action_timeout)),
            transport=transport,
            event_hooks=dict(event_hooks) if event_hooks else None,
            trust_env=False,  # a console on 127.0.0.1 must not go through a system proxy
        )
        self.client_name = clean_client_name(client_name)
        self.stream = EventStream(
            self.base_url, room, token, self.connection, stream_config, self.client_name
        )
        self._token = token
        self._log_streams: set[EventStream] = set()  # event_log readers (own link trackers)
        self._closed = False

    # --- lifecycle ---------------------------------------------------------------------------
    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for reader in list(self._log_streams):
            await reader.close()
        await self.stream.close()
        await self._http.aclose()

    def reconnect_now(self) -> bool:
        return self.stream.reconnect_now()

    async def __aenter__(self) -> PlatformClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # --- state -------------------------------------------------------------------------------
    async def snapshot(self) -> Snapshot:
        return _parse(Snapshot, await self._call("GET", "/snapshot"), "snapshot")

    def event_batches(self, after_seq: int) -> AsyncIterator[list[Event]]:
        return self.stream.batches(after_seq)

    async def event_log(self, after_seq: int) -> AsyncIterator[list[Event]]:
        # a stream of its own with a tracker of its own: reading the log never moves
        # self.connection (the operator's link indicator follows the live stream only)
        reader = EventStream(
            self.base_url, self.room, self._token, ConnectionTracker(), self.stream.config
        )
        self._log_streams.add(reader)
        batches = reader.batches(after_seq)
        try:
            async for batch in batches:
                yield batch
        finally:
            self._log_streams.discard(reader)
            aclose = getattr(batches, "aclose", None)
            if aclose is not None:
                with contextlib.suppress(Exception):
                    await aclose()
            await reader.close()

    async def orders(self, after_seq: int = 0) -> list[Order]:
        body = await self._call("GET", "/orders", params={"after_seq": int(after_seq)})
        items = body.get("orders", body) if isinstance(body, dict) else body
        if not isinstance(items, list):
            raise _bad_response("orders", body)
        return [_parse(Order, item, "orders") for item in items]

    # --- actions -----------------------------------------------------------------------------
    async def drill(self, fault: str, body: dict[str, Any]) -> Any:
        """A rehearsal room's drill route (the sandbox's ``/_debug/drill/<fault>``, app/drill):
        a real platform answers 404 and is never offered a drill."""
        return await self._call("POST", f"/_debug/drill/{_seg(fault)}", json=body)

    async def start_session(self) -> Session:
        return _parse(Session, await self._call("POST", "/sessions", json={}), "session")

    async def end_session(self, session_id: str) -> Session:
        body = await self._call("POST", f"/sessions/{_seg(session_id)}/end", json={})
        return _parse(Session, body, "session")

    async def stream_target(self, session_id: str) -> StreamTarget:
        body = await self._call("GET", f"/sessions/{_seg(session_id)}/stream-target")
        try:
            return StreamTarget.model_validate(body)
        except ValidationError:  # not _parse: its log line would quote the body (the key)
            log.error("platform sent an unexpected stream target (body not logged: a secret)")
            raise PlatformError(
                "bad_response", "平台返回了无法识别的推流地址 (unexpected stream target)"
            ) from None

    async def room_info(self) -> RoomInfo:
        return _parse(RoomInfo, await self._call("GET", ""), "room")

    async def team_invites(self) -> TeamInvites:
        body = await self._call("GET", "/invites")
        try:  # not _parse: its log line would quote the body (the tokens)
            tokens = body.get("tokens") if isinstance(body, dict) else None
            return TeamInvites.model_validate({"room": body.get("room"), **(tokens or {})})
        except (ValidationError, AttributeError, TypeError):
            log.error("platform sent unexpected invites (body not logged: tokens)")
            raise PlatformError(
                "bad_response", "平台返回了无法识别的邀请信息 (unexpected invites)"
            ) from None

    async def members(self) -> Members:
        return _parse(Members, await self._call("GET", "/members"), "members")

    async def team_review(self) -> TeamReview:
        return _parse(TeamReview, await self._call("GET", "/team/review"), "team_review")

    async def set_team_review(self, version: int, review: dict[str, Any]) -> TeamReview:
        body = await self._call(
            "PUT", "/team/review", json={"version": int(version), "review": dict(review)}
        )
        return _parse(TeamReview, body, "team_review")

    async def products(self) -> Bag:
        return _parse(Bag, await self._call("GET", "/products"), "bag")

    async def reorder(self, version: int, product_ids: Sequence[str]) -> Bag:
        body = await self._call(
            "PUT", "/products/order", json={"version": version, "product_ids": list(product_ids)}
        )
        return _parse(Bag, body, "bag")

    async def update_product(
        self,
        product_id: str,
        *,
        price_cents: int | None = None,
        stock: int | None = None,
        listed: bool | None = None,
    ) -> Product:
        patch: dict[str, Any] = {}
        if price_cents is not None:
            patch["price_cents"] = price_cents
        if stock is not None:
            patch["stock"] = stock
        if listed is not None:
            patch["listed"] = listed
        body = await self._call("PATCH", f"/products/{_seg(product_id)}", json=patch)
        return _parse(Product, body, "product")

    async def explain(self, product_id: str) -> None:
        await self._call("POST", f"/products/{_seg(product_id)}/explain", json={})

    async def stop_explain(self, product_id: str) -> None:
        await self._call("DELETE", f"/products/{_seg(product_id)}/explain")

    async def issue_coupon(self, spec: CouponSpec) -> Coupon:
        body = await self._call(
            "POST", "/coupons", json=spec.model_dump(mode="json", exclude_none=True)
        )
        return _parse(Coupon, body, "coupon")

    async def end_coupon(self, coupon_id: str) -> Coupon:
        body = await self._call("POST", f"/coupons/{_seg(coupon_id)}/end", json={})
        return _parse(Coupon, body, "coupon")

    async def start_flash_sale(self, spec: FlashSaleSpec) -> FlashSale:
        body = await self._call(
            "POST", "/flash-sales", json=spec.model_dump(mode="json", exclude_none=True)
        )
        return _parse(FlashSale, body, "flash_sale")

    async def start_red_envelope(self, spec: RedEnvelopeSpec) -> RedEnvelopeRain:
        body = await self._call(
            "POST", "/red-envelopes", json=spec.model_dump(mode="json", exclude_none=True)
        )
        return _parse(RedEnvelopeRain, body, "red_envelope")

    async def end_red_envelope(self, rain_id: str) -> RedEnvelopeRain:
        body = await self._call("POST", f"/red-envelopes/{_seg(rain_id)}/end", json={})
        return _parse(RedEnvelopeRain, body, "red_envelope")

    async def reserve_stock(self, spec: ReservationSpec) -> Reservation:
        body = await self._call(
            "POST", "/reservations", json=spec.model_dump(mode="json", exclude_none=True)
        )
        return _parse(Reservation, body, "reservation")

    async def release_reservation(self, reservation_id: str) -> Reservation:
        body = await self._call("POST", f"/reservations/{_seg(reservation_id)}/release", json={})
        return _parse(Reservation, body, "reservation")

    async def start_lottery(self, spec: LotterySpec) -> Lottery:
        body = await self._call(
            "POST", "/lotteries", json=spec.model_dump(mode="json", exclude_none=True)
        )
        return _parse(Lottery, body, "lottery")

    async def draw_lottery(self, lottery_id: str) -> Lottery:
        body = await self._call("POST", f"/lotteries/{_seg(lottery_id)}/draw", json={})
        return _parse(Lottery, body, "lottery")

    async def send_comment(self, text: str) -> Comment:
        return _parse(
            Comment, await self._call("POST", "/comments", json={"text": text}), "comment"
        )

    async def pin_comment(self, comment_id: str) -> None:
        await self._call("POST", f"/comments/{_seg(comment_id)}/pin", json={})

    async def hide_comment(self, comment_id: str) -> None:
        await self._call("POST", f"/comments/{_seg(comment_id)}/hide", json={})

    async def mute_user(
        self,
        user_id: str,
        seconds: int | None = None,
        *,
        until_session_end: bool = False,
        nickname: str = "",
    ) -> None:
        body: dict[str, Any] = {"seconds": seconds, "nickname": nickname[:64]}
        if until_session_end:
            body["until_session_end"] = True
        await self._call("POST", f"/users/{_seg(user_id)}/mute", json=body)

    async def unmute_user(self, user_id: str) -> None:
        await self._call("DELETE", f"/users/{_seg(user_id)}/mute")

    # --- transport ---------------------------------------------------------------------------
    async def _call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        """Send one request (retrying transport failures with the same key); return its JSON."""
        if self._closed:
            raise OfflineError(tr("连接已关闭，操作未执行"))
        headers: dict[str, str] = {}
        if method != "GET":
            headers["Idempotency-Key"] = idempotency_key or str(uuid.uuid4())
        content = orjson.dumps(json) if json is not None else None
        if content is not None:
            headers["Content-Type"] = "application/json"
        url = self._prefix + path
        failure: httpx.TransportError | None = None
        for attempt, delay in enumerate((*self._retry_delays, None)):
            try:
                response = await self._http.request(
                    method, url, content=content, params=params, headers=headers
                )
            except httpx.TransportError as exc:  # connect/read/write errors and timeouts
                failure = exc
                log.warning(
                    "%s %s failed (attempt %d): %s", method, path, attempt + 1, _describe(exc)
                )
                if delay is None or self._known_down(exc):
                    break
                await asyncio.sleep(delay)
                continue
            return self._result(response)
        raise self._offline(failure)

    def _known_down(self, exc: httpx.TransportError) -> bool:
        """The stream already lost the platform and it refuses connections: do not keep the
        operator waiting for retries that cannot succeed."""
        return isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout) and (
            self.connection.status.state is LinkState.RECONNECTING
        )

    def _offline(self, exc: httpx.TransportError | None) -> OfflineError:
        state = self.connection.status.state
        if isinstance(exc, httpx.TimeoutException) and not isinstance(exc, httpx.ConnectTimeout):
            # the request may have reached the platform: the key makes a manual retry safe
            message = tr("平台无响应，操作结果未知，可重试（不会重复执行）")
        elif state in (LinkState.RECONNECTING, LinkState.OFFLINE):
            message = tr("平台未连接，操作未执行")
        else:
            message = tr("无法连接平台，操作未执行")
        err = OfflineError(message)
        err.__cause__ = exc
        return err

    def _result(self, response: httpx.Response) -> Any:
        status = response.status_code
        body: Any = None
        if response.content:
            try:
                body = orjson.loads(response.content)
            except orjson.JSONDecodeError:
                body = None
        if status < 400:
            return body if body is not None else {}
        raise _error(status, body, response.text)


def _error(status: int, body: Any, text: str) -> PlatformError:
    err = body.get("error") if isinstance(body, dict) else None
    if not isinstance(err, dict):
        err = {}
    code = str(err.get("code") or f"http_{status}")
    message = str(err.get("message") or _STATUS_TEXT.get(status) or f"HTTP {status}: {text[:200]}")
    field = err.get("field")
    current = _current_of(err, body)
    if code == "stale_version" or (status == 409 and current is not None):
        parsed: Bag | TeamReview | None = None
        if isinstance(current, dict):
            kind: type[Bag] | type[TeamReview] = TeamReview if "review" in current else Bag
            try:
                parsed = kind.model_validate(current.get("bag", current))
            except ValidationError:
                log.warning("409 %s carried a current state that is not a %s", code, kind.__name__)
        return StaleVersionError(
            code,
            message or "列表已被他人修改 (changed by someone else)",
            status=status,
            field=field if isinstance(field, str) else None,
            current=parsed if parsed is not None else current,
        )
    return PlatformError(
        code,
        message,
        status=status,
        field=field if isinstance(field, str) else None,
        current=current,
    )


def _current_of(err: dict[str, Any], body: Any) -> Any:
    for holder in (err, body if isinstance(body, dict) else {}):
        for key in ("current", "bag", "state"):
            if key in holder and holder[key] is not None:
                return holder[key]
    return None


def _parse(model: type[M], body: Any, key: str) -> M:
    """Validate a response that is the resource itself or wraps it as ``{key: {...}}``."""
    if isinstance(body, dict) and isinstance(body.get(key), dict):
        body = body[key]
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise _bad_response(key, body, exc) from None


def _bad_response(what: str, body: Any, exc: ValidationError | None = None) -> PlatformError:
    detail = ""
    if exc is not None:
        first = exc.errors()[0]
        detail = ": " + ".".join(str(p) for p in first["loc"]) + " " + first["msg"]
    log.error("platform sent an unexpected %s: %.300r%s", what, body, detail)
    return PlatformError(
        "bad_response", f"平台返回了无法识别的数据 (unexpected {what} from the platform{detail})"
    )


def _seg(value: str) -> str:
    return quote(str(value), safe="")


def _describe(exc: httpx.TransportError) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
