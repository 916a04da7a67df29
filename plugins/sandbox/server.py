"""The sandbox platform's ASGI app (FastAPI): every route of docs/platform-api.md.

Routes are thin: authenticate, validate, call the :class:`RoomEngine`, and for a mutating route
commit the action's events together with its idempotency record before answering.

Input edge: :class:`~plugins.sandbox.gate.RoomGate` checks the token and caps the body before any
route runs; request models and path/query types are the bounded types of
:mod:`plugins.sandbox.schemas`; business rules live in the engine. Every error, the framework's
404/405/400 and an unexpected 500 included, is the contract's error JSON. An ``Idempotency-Key``
is bound to its method, path and body: reusing it for another request is a 422.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any

import orjson
from fastapi import FastAPI, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.platform import models
from plugins.sandbox.audience_host import NotAllowed, SimUser, SoldOut
from plugins.sandbox.catalog import IMAGES_DIR
from plugins.sandbox.debug_lottery import add_cheat_draw_route
from plugins.sandbox.engine import Obj, RoomEngine, order_error, public
from plugins.sandbox.errors import ApiError, conflict, invalid, not_found
from plugins.sandbox.eventlog import PAGE, LogWriteError, Subscriber, Unserialisable
from plugins.sandbox.gate import MAX_JSON_BODY, RoomGate
from plugins.sandbox.schemas import (
    MAX_EVENT_BYTES,
    MAX_SEQ,
    AfterSeq,
    AudienceRateBody,
    CommentBody,
    CouponBody,
    FlashSaleBody,
    Limit,
    LotteryBody,
    MuteBody,
    OrderBody,
    PathId,
    PathUserId,
    ProductPatch,
    RawEventsBody,
    RefundBody,
    ReorderBody,
    ViewerClaimBody,
    ViewerCommentBody,
)
from plugins.sandbox.sessions_api import MAX_BYTES as MAX_RECORDING_BYTES
from plugins.sandbox.sessions_api import add_session_routes
from plugins.sandbox.storage_debug import add_storage_debug_route
from plugins.sandbox.team_api import Members, add_team_routes, parse_client

log = logging.getLogger(__name__)

READ = ("host", "assistant", "reviewer")
OPERATE = ("host", "assistant")
HOST = ("host",)
R = "/api/v1/rooms/{room}"
YIELD_EVERY = 200  # stream messages sent between yields to the loop


def _json(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status, media_type="application/json")


def _doc(model: type[Any]) -> dict[int | str, dict[str, Any]]:
    return {200: {"model": model}}


MAX_DEBUG_BODY = 16 * 1024 * 1024  # POST /_debug/raw-events (--debug-routes only)


def body_cap(method: str, path: str) -> tuple[int, bool]:
    """The body cap of a route, and whether the gate counts a streamed body itself (the
    recordings upload counts its own, to clean up its partial file)."""
    if method == "PUT" and "/recordings/" in path:
        return MAX_RECORDING_BYTES, False
    if path.endswith("/_debug/raw-events"):  # a load tool (tests only): many events a request
        return MAX_DEBUG_BODY, True
    return MAX_JSON_BODY, True


def parse_after_seq(raw: str | None) -> int | None:
    """The stream's ``after_seq``: absent, or a decimal integer in 0…MAX_SEQ."""
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 19 or int(raw) > MAX_SEQ:
        raise ApiError(
            422, "invalid_value", f"after_seq must be an integer 0…{MAX_SEQ}", "after_seq"
        )
    return int(raw)


def fingerprint(method: str, path: str, body: bytes) -> str:
    """What an Idempotency-Key is bound to: the method, the path and the body (canonical JSON
    when it is JSON, so key order and spacing do not matter)."""
    try:
        canon = orjson.dumps(orjson.loads(body), option=orjson.OPT_SORT_KEYS) if body else b""
    except (orjson.JSONDecodeError, TypeError):
        canon = body
    h = hashlib.sha256(f"{method} {path}\n".encode())
    h.update(canon)
    return h.hexdigest()


TRANSPORT_KEY = "livedesk.transport"


class KeepTransport:
    """Outermost ASGI middleware: remembers the server's transport of a WebSocket connection in
    the scope (Starlette wraps ``send``), so the stream can cork its socket."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "websocket":
            transport = getattr(getattr(send, "__self__", None), "transport", None)
            if transport is not None:
                scope[TRANSPORT_KEY] = transport
        await self.app(scope, receive, send)


def corker(ws: WebSocket) -> Callable[[bool], None]:
    """TCP_CORK around a burst of stream messages: many events per TCP segment (the socket
    has TCP_NODELAY for quick HTTP answers), flushed at once when the burst ends. Linux only;
    elsewhere a no-op."""
    transport = ws.scope.get(TRANSPORT_KEY)
    opt = getattr(socket, "TCP_CORK", None)
    sock = transport.get_extra_info("socket") if transport is not None else None
    if sock is None or opt is None:
        return lambda on: None

    def cork(on: bool) -> None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, opt, 1 if on else 0)

    return cork


def create_app(engine: RoomEngine, *, debug_routes: bool = False) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        engine.start()
        yield
        await engine.stop()

    members = Members()
    app = FastAPI(
        title="LiveDesk sandbox platform",
        version="1",
        description="Live Commerce Platform API v1 (see docs/platform-api.md). Money in cents.",
        lifespan=lifespan,
    )

    # --- errors ----------------------------------------------------------------------------------
    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> Response:
        return _json(exc.body(), exc.status)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        first = errors[0] if errors else {"loc": (), "msg": "invalid", "type": ""}
        if first.get("type") in ("json_invalid", "model_attributes_type", "dict_type") and tuple(
            first.get("loc", ())
        ) in (("body",), ("body", 0)):
            return _json(ApiError(400, "malformed", "请求体不是有效的 JSON 对象").body(), 400)
        if first.get("type") == "json_invalid":
            return _json(ApiError(400, "malformed", f"malformed JSON: {first['msg']}").body(), 400)
        loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")]
        field = ".".join(loc) or None
        msg = str(first.get("msg", "invalid"))[:300]
        what = field or "请求体 (body)"
        return _json(ApiError(422, "invalid_value", f"{what}: {msg}", field).body(), 422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> Response:
        code = {
            400: "malformed",
            404: "not_found",
            405: "method_not_allowed",
            413: "too_large",
        }.get(exc.status_code, "http_error")
        resp = _json(ApiError(exc.status_code, code, str(exc.detail)).body(), exc.status_code)
        if exc.headers:
            resp.headers.update(exc.headers)
        return resp

    @app.exception_handler(Exception)
    async def internal_error(_: Request, exc: Exception) -> Response:
        log.error("unexpected error", exc_info=exc)
        body = ApiError(500, "internal", "服务器内部错误 (internal error)").body()
        return _json(body, 500)

    # --- auth and idempotency -------------------------------------------------------------------
    def authenticate(token: str | None, room: str, roles: tuple[str, ...]) -> Obj:
        if not token:
            raise ApiError(401, "unauthorized", "缺少令牌 (missing token)")
        found = engine.tokens.get(token)
        if found is None:
            raise ApiError(401, "unauthorized", "令牌无效 (invalid token)")
        role, tid = found
        if room != engine.room:
            raise ApiError(403, "wrong_room", "令牌不属于该直播间 (token is for another room)")
        if role not in roles:
            raise ApiError(403, "forbidden", f"角色 {role} 无权执行此操作 (role {role} may not)")
        return {"role": role, "token_id": tid}

    def bearer(request: Request) -> str | None:
        h = request.headers.get("authorization", "")
        if h[:7].lower() == "bearer ":
            return h[7:].strip()
        return None

    def auth(request: Request, room: str, roles: tuple[str, ...]) -> Obj:
        return authenticate(bearer(request), room, roles)

    async def act(
        request: Request, room: str, roles: tuple[str, ...], fn: Callable[[Obj], Any]
    ) -> Response:
        """Run a mutating action once per Idempotency-Key, committing before answering. A key
        names one request (method, path, body): reused for another one it is a 422."""
        actor = auth(request, room, roles)
        key = request.headers.get("idempotency-key") or None
        fp = ""
        if key:
            if len(key) > 200:
                raise invalid("Idempotency-Key", "Idempotency-Key is at most 200 characters")
            fp = fingerprint(request.method, request.url.path, await request.body())
            rec = engine.store.idempotent(actor["token_id"], key)
            if rec is not None:
                status, payload, first_fp = rec
                if first_fp is not None and first_fp != fp:
                    raise invalid(
                        "Idempotency-Key",
                        "该幂等键已用于另一个请求 (this Idempotency-Key was used for another "
                        "request: another route or body; use a new key)",
                    )
                resp = Response(payload, status, media_type="application/json")
                resp.headers["Idempotent-Replayed"] = "true"
                return resp
        engine.begin_action()  # the batch then holds this action only
        status = 200
        try:
            payload = orjson.dumps(fn(actor))
        except LogWriteError:
            engine.abandon_action()  # could not be stored: changes nothing, replays nothing
            raise
        except ApiError as exc:
            engine.abandon_action()  # a refused action changes nothing
            status, payload = exc.status, orjson.dumps(exc.body())
        except orjson.JSONEncodeError as exc:
            engine.abandon_action()
            raise Unserialisable(str(exc)) from None
        except BaseException:
            engine.abandon_action()
            raise
        engine.commit_action(
            actor["token_id"], key and f"{key}\n{fp}", status, payload
        )  # LogWriteError: rolled back
        return Response(payload, status, media_type="application/json")

    # --- room, snapshot ---------------------------------------------------------------------------
    @app.get(R, tags=["room"], summary="Room info: id, title, last seq, current session")
    async def room_info(request: Request, room: str) -> Response:
        auth(request, room, READ)
        return _json(engine.room_info())

    @app.get(R + "/snapshot", tags=["room"], responses=_doc(models.Snapshot))
    async def snapshot(request: Request, room: str) -> Response:
        auth(request, room, READ)
        return _json(engine.snapshot())

    # --- sessions ----------------------------------------------------------------------------------
    @app.post(R + "/sessions", tags=["sessions"], responses=_doc(models.Session))
    async def start_session(request: Request, room: str) -> Response:
        return await act(request, room, HOST, engine.start_session)

    @app.get(
        R + "/sessions/{session_id}/stream-target",
        tags=["sessions"],
        responses=_doc(models.StreamTarget),
        summary="The live session's RTMP push URL and stream key (host only: the host's secret)",
    )
    async def stream_target(request: Request, room: str, session_id: str) -> Response:
        auth(request, room, HOST)
        resp = _json(engine.stream_target(session_id))
        resp.headers["Cache-Control"] = "no-store"
        return resp

    @app.post(R + "/sessions/{session_id}/end", tags=["sessions"], responses=_doc(models.Session))
    async def end_session(request: Request, room: str, session_id: PathId) -> Response:
        return await act(request, room, HOST, lambda a: engine.end_session(session_id, a))

    # --- products --------------------------------------------------------------------------------
    @app.get(R + "/products", tags=["products"], responses=_doc(models.Bag))
    async def products(request: Request, room: str) -> Response:
        auth(request, room, READ)
        return _json(engine.bag())

    @app.get(R + "/products/{product_id}", tags=["products"], responses=_doc(models.Product))
    async def product(request: Request, room: str, product_id: PathId) -> Response:
        auth(request, room, READ)
        return _json(public(engine.product(product_id)))

    @app.put(R + "/products/order", tags=["products"], responses=_doc(models.Bag))
    async def reorder(request: Request, room: str, body: ReorderBody) -> Response:
        return await act(
            request, room, OPERATE, lambda a: engine.reorder(body.version, body.product_ids, a)
        )

    @app.patch(R + "/products/{product_id}", tags=["products"], responses=_doc(models.Product))
    async def patch_product(
        request: Request, room: str, product_id: PathId, body: ProductPatch
    ) -> Response:
        changes = body.model_dump(exclude_unset=True)
        for k, v in changes.items():
            if v is None:
                raise invalid(k, f"{k} may not be null")
        if "stock" in changes and "stock_delta" in changes:
            raise invalid("stock_delta", "give stock or stock_delta, not both")
        if not changes:
            raise invalid("body", "nothing to change")
        return await act(
            request, room, OPERATE, lambda a: engine.update_product(product_id, changes, a)
        )

    @app.post(R + "/products/{product_id}/explain", tags=["products"])
    async def explain_start(request: Request, room: str, product_id: PathId) -> Response:
        return await act(
            request, room, OPERATE, lambda a: {"explaining": engine.explain(product_id, True, a)}
        )

    @app.delete(R + "/products/{product_id}/explain", tags=["products"])
    async def explain_stop(request: Request, room: str, product_id: PathId) -> Response:
        return await act(
            request, room, OPERATE, lambda a: {"explaining": engine.explain(product_id, False, a)}
        )

    # --- coupons ---------------------------------------------------------------------------------
    @app.get(R + "/coupons", tags=["coupons"], responses=_doc(list[models.Coupon]))
    async def coupons(request: Request, room: str) -> Response:
        auth(request, room, READ)
        return _json([public(c) for c in engine.coupons.values()])

    @app.post(R + "/coupons", tags=["coupons"], responses=_doc(models.Coupon))
    async def issue_coupon(request: Request, room: str, body: CouponBody) -> Response:
        spec = body.model_dump()
        kind = body.kind
        if kind == "discount":
            if body.percent_off is None:
                raise invalid("percent_off", "a discount coupon needs percent_off (1–99)")
            if body.amount_cents is not None:
                raise invalid(
                    "amount_cents", "a discount coupon takes percent_off, not amount_cents"
                )
        else:
            if body.amount_cents is None:
                raise invalid("amount_cents", f"a {kind} coupon needs amount_cents")
            if body.percent_off is not None:
                raise invalid("percent_off", f"a {kind} coupon takes amount_cents, not percent_off")
        if kind == "threshold":
            if body.threshold_cents <= 0:
                raise invalid("threshold_cents", "a threshold coupon needs threshold_cents > 0")
            if body.amount_cents is not None and body.amount_cents >= body.threshold_cents:
                raise invalid("amount_cents", "amount_cents must be below threshold_cents")
        elif body.threshold_cents:
            raise invalid("threshold_cents", f"a {kind} coupon has no threshold")
        if body.product_ids is not None and not body.product_ids:
            raise invalid("product_ids", "product_ids, when given, lists at least one product")
        return await act(request, room, OPERATE, lambda a: engine.issue_coupon(spec, a))

    @app.post(R + "/coupons/{coupon_id}/end", tags=["coupons"], responses=_doc(models.Coupon))
    async def end_coupon(request: Request, room: str, coupon_id: PathId) -> Response:
        return await act(request, room, OPERATE, lambda a: engine.end_coupon(coupon_id, a))

    # --- flash sales -------------------------------------------------------------------------------
    @app.get(R + "/flash-sales", tags=["flash sales"], responses=_doc(list[models.FlashSale]))
    async def flash_sales(request: Request, room: str) -> Response:
        auth(request, room, READ)
        return _json([public(f) for f in engine.flash_sales.values()])

    @app.post(R + "/flash-sales", tags=["flash sales"], responses=_doc(models.FlashSale))
    async def create_flash_sale(request: Request, room: str, body: FlashSaleBody) -> Response:
        return await act(
            request, room, OPERATE, lambda a: engine.create_flash_sale(body.model_dump(), a)
        )

    @app.post(
        R + "/flash-sales/{sale_id}/end", tags=["flash sales"], responses=_doc(models.FlashSale)
    )
    async def end_flash_sale(request: Request, room: str, sale_id: PathId) -> Response:
        return await act(request, room, OPERATE, lambda a: engine.end_flash_sale(sale_id, a))

    # --- lotteries ---------------------------------------------------------------------------------
    @app.get(R + "/lotteries", tags=["lotteries"], responses=_doc(list[models.Lottery]))
    async def lotteries(request: Request, room: str) -> Response:
        auth(request, room, READ)
        return _json([public(lo) for lo in engine.lotteries.values()])

    @app.get(R + "/lotteries/{lottery_id}", tags=["lotteries"], responses=_doc(models.Lottery))
    async def lottery(request: Request, room: str, lottery_id: PathId) -> Response:
        auth(request, room, READ)
        lo = engine.lotteries.get(lottery_id)
        if lo is None:
            raise not_found("lottery", lottery_id)
        return _json(public(lo))

    @app.post(R + "/lotteries", tags=["lotteries"], responses=_doc(models.Lottery))
    async def start_lottery(request: Request, room: str, body: LotteryBody) -> Response:
        if not body.keyword.strip():
            raise invalid("keyword", "keyword must not be blank")
        return await act(
            request, room, OPERATE, lambda a: engine.start_lottery(body.model_dump(), a)
        )

    @app.post(
        R + "/lotteries/{lottery_id}/draw", tags=["lotteries"], responses=_doc(models.Lottery)
    )
    async def draw_lottery(request: Request, room: str, lottery_id: PathId) -> Response:
        return await act(request, room, OPERATE, lambda a: engine.draw_lottery(lottery_id, a))

    # --- comments and moderation -----------------------------------------------------------------
    @app.post(R + "/comments", tags=["comments"], responses=_doc(models.Comment))
    async def post_comment(request: Request, room: str, body: CommentBody) -> Response:
        if not body.text.strip():
            raise invalid("text", "text must not be blank")
        return await act(request, room, OPERATE, lambda a: engine.staff_comment(body.text, a))

    @app.post(R + "/comments/{comment_id}/pin", tags=["comments"])
    async def pin(request: Request, room: str, comment_id: PathId) -> Response:
        return await act(request, room, OPERATE, lambda a: {"pinned": engine.pin(comment_id, a)})

    @app.post(R + "/comments/{comment_id}/unpin", tags=["comments"])
    async def unpin(request: Request, room: str, comment_id: PathId) -> Response:
        def do(a: Obj) -> Obj:
            pinned = engine.state["pinned"]
            if pinned is None or pinned["id"] != comment_id:
                raise conflict("not_pinned", "该评论未置顶 (this comment is not pinned)")
            return {"pinned": engine.pin(None, a)}

        return await act(request, room, OPERATE, do)

    @app.post(R + "/comments/{comment_id}/hide", tags=["comments"])
    async def hide(request: Request, room: str, comment_id: PathId) -> Response:
        def do(a: Obj) -> Obj:
            engine.hide(comment_id, a)
            return {"hidden": comment_id}

        return await act(request, room, OPERATE, do)

    @app.post(R + "/users/{user_id}/mute", tags=["comments"])
    async def mute(
        request: Request, room: str, user_id: PathUserId, body: MuteBody | None = None
    ) -> Response:
        b = body or MuteBody()
        return await act(
            request,
            room,
            OPERATE,
            lambda a: engine.mute(
                user_id, b.seconds, b.nickname, a, until_session_end=b.until_session_end
            ),
        )

    @app.delete(R + "/users/{user_id}/mute", tags=["comments"])
    async def unmute(request: Request, room: str, user_id: PathUserId) -> Response:
        return await act(request, room, OPERATE, lambda a: engine.unmute(user_id, a))

    # --- orders ------------------------------------------------------------------------------------
    @app.get(R + "/orders", tags=["orders"], responses=_doc(list[models.Order]))
    async def orders(
        request: Request,
        room: str,
        after_seq: AfterSeq = 0,
        limit: Limit = 1000,
    ) -> Response:
        auth(request, room, READ)
        return _json(engine.orders_after(after_seq, limit))

    @app.post(R + "/orders", tags=["orders"], responses=_doc(models.Order))
    async def place_order(request: Request, room: str, body: OrderBody) -> Response:
        if body.product_id not in engine.products:
            raise invalid("product_id", f"unknown product {body.product_id!r}")

        def do(a: Obj) -> Obj:
            user = SimUser(body.user_id, body.nickname or body.user_id)
            try:
                order = engine.create_order(
                    user, body.product_id, body.sku_id, body.quantity, body.coupon_id, a
                )
                if body.pay:
                    order = engine.set_order_paid(order["id"], a)
            except (SoldOut, NotAllowed) as exc:
                raise order_error(exc) from None
            return order

        return await act(request, room, OPERATE, do)

    @app.post(R + "/orders/{order_id}/pay", tags=["orders"], responses=_doc(models.Order))
    async def pay(request: Request, room: str, order_id: PathId) -> Response:
        def do(a: Obj) -> Obj:
            if engine.order(order_id) is None:
                raise not_found("order", order_id)
            try:
                return engine.set_order_paid(order_id, a)
            except NotAllowed as exc:
                raise order_error(exc) from None

        return await act(request, room, OPERATE, do)

    @app.post(R + "/orders/{order_id}/refund", tags=["orders"], responses=_doc(models.Order))
    async def refund(
        request: Request, room: str, order_id: PathId, body: RefundBody | None = None
    ) -> Response:
        def do(a: Obj) -> Obj:
            if engine.order(order_id) is None:
                raise not_found("order", order_id)
            try:
                return engine.set_order_refunded(order_id, (body or RefundBody()).reason, a)
            except NotAllowed as exc:
                raise order_error(exc) from None

        return await act(request, room, OPERATE, do)

    # --- event stream ------------------------------------------------------------------------------
    @app.websocket(R + "/events")
    async def events(
        ws: WebSocket,
        room: str,
        after_seq: str | None = None,
        token: str | None = None,
        client: str | None = None,
    ) -> None:
        h = ws.headers.get("authorization", "")
        tok = h[7:].strip() if h[:7].lower() == "bearer " else token
        try:
            who = authenticate(tok, room, READ)
            start = parse_after_seq(after_seq)
            name = parse_client(client)
        except ApiError as exc:
            try:
                await ws.send_denial_response(_json(exc.body(), exc.status))
            except RuntimeError:
                await ws.close(code=4000 + exc.status, reason=exc.code)
            return
        await ws.accept()
        member = members.join(who["role"], name)  # GET /members (team_api.py)
        try:
            await stream(ws, start)
        finally:
            members.leave(member)

    async def stream(ws: WebSocket, after_seq: int | None) -> None:
        elog = engine.log
        sub = Subscriber()
        elog.subscribers.add(sub)

        async def watch_close() -> None:
            with contextlib.suppress(Exception):
                while True:
                    msg = await ws.receive()
                    if msg["type"] == "websocket.disconnect":
                        break
            sub.closed = True
            sub.wake.set()

        watcher = asyncio.get_running_loop().create_task(watch_close(), name="ws-close-watch")
        send = ws.send_text
        cork = corker(ws)
        try:
            cursor, reason = elog.start_cursor(after_seq)
            if reason:
                await ws.send_text(elog.resync_text(reason, engine.now()))
            while not sub.closed:
                if sub.oob:
                    oob, sub.oob = sub.oob, []
                    for text in oob:
                        await ws.send_text(text)
                # every pass either sends something or waits for a wake-up: it never spins
                batch = elog.read_after(cursor, PAGE)
                if batch is None:  # fell behind the retained log (or, never expected, a gap)
                    log.info("stream after seq %d: events gone, resync", cursor)
                    cursor = elog.committed
                    await ws.send_text(
                        elog.resync_text("the log no longer has these events", engine.now())
                    )
                    continue
                if not batch:  # read_after gives [] only when nothing is left: wait
                    sub.wake.clear()
                    if not sub.oob:
                        await sub.wake.wait()
                    continue
                cork(True)
                try:
                    for i, text in enumerate(batch, 1):
                        await send(text)
                        if i % YIELD_EVERY == 0:
                            await asyncio.sleep(0)  # sends rarely block: let others run
                finally:
                    cork(False)
                cursor += len(batch)
        except (WebSocketDisconnect, RuntimeError, OSError):
            pass
        finally:
            elog.subscribers.discard(sub)
            watcher.cancel()

    add_session_routes(app, engine, auth)  # shared session recordings (sessions_api.py)
    add_team_routes(app, engine, auth, members)  # invites and connected consoles (team_api.py)

    # --- debug routes ------------------------------------------------------------------------------
    if debug_routes:
        add_debug_routes(app, engine, act)
        add_storage_debug_route(app, engine, auth)
        add_cheat_draw_route(app, engine, act)  # debug_lottery.py

    app.mount("/static/products", StaticFiles(directory=IMAGES_DIR), name="product-images")
    app.add_middleware(RoomGate, authenticate=authenticate, body_cap=body_cap)
    app.add_middleware(KeepTransport)
    return app


def add_debug_routes(
    app: FastAPI,
    engine: RoomEngine,
    act: Callable[[Request, str, tuple[str, ...], Callable[[Obj], Any]], Awaitable[Response]],
) -> None:
    @app.post(R + "/_debug/raw-events", tags=["debug"])
    async def raw_events(request: Request, room: str, body: RawEventsBody) -> Response:
        for i, e in enumerate(body.events):  # verbatim, but no event beyond the maximum
            if len(orjson.dumps({"type": e.type, "data": e.data})) > MAX_EVENT_BYTES - 100:
                raise invalid(f"events.{i}", f"an event is at most {MAX_EVENT_BYTES} bytes")

        def do(_: Obj) -> Obj:
            seqs = [engine.append(e.type, e.data) for e in body.events]
            sent = engine.log.send_raw(list(body.raw_messages)) if body.raw_messages else 0
            return {"seqs": seqs, "raw_sent_to": sent}

        return await act(request, room, HOST, do)

    add_oversized_event_route(app, engine, act)

    @app.post(R + "/_debug/viewer-comment", tags=["debug"], responses=_doc(models.Comment))
    async def viewer_comment(request: Request, room: str, body: ViewerCommentBody) -> Response:
        def do(_: Obj) -> Obj:
            user = SimUser(
                body.user_id, body.nickname or body.user_id, body.is_follower, body.fan_level
            )
            if engine.is_muted(user.id):
                raise conflict("muted", "该用户已被禁言 (user is muted)")
            before = engine.log.seq
            engine.comment(user, body.text)
            return {"comment": engine.find_comment(f"c{before + 1}")}

        return await act(request, room, HOST, do)

    @app.post(R + "/_debug/audience-rate", tags=["debug"])
    async def audience_rate(request: Request, room: str, body: AudienceRateBody) -> Response:
        def do(_: Obj) -> Obj:
            engine.set_audience_rate(body.rate)
            return {"rate": engine.rate}

        return await act(request, room, HOST, do)

    @app.post(R + "/_debug/viewer-claim", tags=["debug"])
    async def viewer_claim(request: Request, room: str, body: ViewerClaimBody) -> Response:
        def do(_: Obj) -> Obj:
            try:
                engine.claim_coupon(
                    SimUser(body.user_id, body.nickname or body.user_id), body.coupon_id
                )
            except NotAllowed as exc:
                raise order_error(exc) from None
            return public(engine.coupons[body.coupon_id])

        return await act(request, room, HOST, do)


#: the largest event the oversized-event debug route makes
MAX_DEBUG_PAD = 64 * 2**20


def add_oversized_event_route(
    app: FastAPI,
    engine: RoomEngine,
    act: Callable[[Request, str, tuple[str, ...], Callable[[Obj], Any]], Awaitable[Response]],
) -> None:
    """``POST /_debug/oversized-event?pad_bytes=N`` (host, debug routes only): logs one comment
    event whose user id is N bytes long, whatever bounds the ordinary routes put on their input,
    so a test can see what a console does with an event larger than it accepts."""

    @app.post(R + "/_debug/oversized-event", tags=["debug"])
    async def oversized_event(
        request: Request, room: str, pad_bytes: Annotated[int, Query(gt=0, le=MAX_DEBUG_PAD)]
    ) -> Response:
        def do(_: Obj) -> Obj:
            pad = "x" * pad_bytes
            comment = {"id": "oversized", "user_id": pad, "nickname": "大", "text": "大事件"}
            seq = engine.append("comment", {"comment": comment})
            return {"seq": seq}

        return await act(request, room, HOST, do)
