"""The sandbox platform's ASGI app (FastAPI): every route of docs/platform-api.md.

:func:`create_app` assembles the routers of :mod:`plugins.sandbox.routes` (one per resource),
the contract's error answers and the input edge. Routes are thin: authenticate, validate, call the
:class:`RoomEngine`, and for a mutating route commit the action's events together with its
idempotency record before answering (:meth:`~plugins.sandbox.routes.context.RoomApi.act`).

Input edge: :class:`~plugins.sandbox.gate.RoomGate` checks the token and caps the body before any
route runs; request models and path/query types are the bounded types of
:mod:`plugins.sandbox.schemas`; business rules live in the engine. Every error, the framework's
404/405/400 and an unexpected 500 included, is the contract's error JSON. An ``Idempotency-Key``
is bound to its method, path and body: reusing it for another request is a 422.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from plugins.sandbox.catalog import IMAGES_DIR
from plugins.sandbox.debug_lottery import add_cheat_draw_route
from plugins.sandbox.drill import add_drill_routes
from plugins.sandbox.engine import RoomEngine
from plugins.sandbox.errors import ApiError
from plugins.sandbox.gate import MAX_JSON_BODY, RoomGate
from plugins.sandbox.routes import (
    comments,
    coupons,
    debug,
    events,
    flash_sales,
    lotteries,
    orders,
    products,
    red_envelopes,
    reservations,
    room,
    sessions,
    team,
)
from plugins.sandbox.routes.context import R, RoomApi, json_response
from plugins.sandbox.routes.events import KeepTransport
from plugins.sandbox.sessions_api import MAX_BYTES as MAX_RECORDING_BYTES
from plugins.sandbox.sessions_api import add_session_routes
from plugins.sandbox.storage_debug import add_storage_debug_route
from plugins.sandbox.team_api import Members, add_team_routes

__all__ = ["R", "body_cap", "create_app"]

log = logging.getLogger(__name__)

MAX_DEBUG_BODY = 16 * 1024 * 1024  # POST /_debug/raw-events (--debug-routes only)


def body_cap(method: str, path: str) -> tuple[int, bool]:
    """The body cap of a route, and whether the gate counts a streamed body itself (the
    recordings upload counts its own, to clean up its partial file)."""
    if method == "PUT" and "/recordings/" in path:
        return MAX_RECORDING_BYTES, False
    if path.endswith("/_debug/raw-events"):  # a load tool (tests only): many events a request
        return MAX_DEBUG_BODY, True
    return MAX_JSON_BODY, True


def add_error_handlers(app: FastAPI) -> None:
    """Every error is the contract's error JSON: ours, the framework's, and an unexpected 500."""

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> Response:
        return json_response(exc.body(), exc.status)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        first = errors[0] if errors else {"loc": (), "msg": "invalid", "type": ""}
        if first.get("type") in ("json_invalid", "model_attributes_type", "dict_type") and tuple(
            first.get("loc", ())
        ) in (("body",), ("body", 0)):
            body = ApiError(400, "malformed", "请求体不是有效的 JSON 对象").body()
            return json_response(body, 400)
        if first.get("type") == "json_invalid":
            body = ApiError(400, "malformed", f"malformed JSON: {first['msg']}").body()
            return json_response(body, 400)
        loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")]
        field = ".".join(loc) or None
        msg = str(first.get("msg", "invalid"))[:300]
        what = field or "请求体 (body)"
        return json_response(ApiError(422, "invalid_value", f"{what}: {msg}", field).body(), 422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> Response:
        code = {
            400: "malformed",
            404: "not_found",
            405: "method_not_allowed",
            413: "too_large",
        }.get(exc.status_code, "http_error")
        body = ApiError(exc.status_code, code, str(exc.detail)).body()
        resp = json_response(body, exc.status_code)
        if exc.headers:
            resp.headers.update(exc.headers)
        return resp

    @app.exception_handler(Exception)
    async def internal_error(_: Request, exc: Exception) -> Response:
        log.error("unexpected error", exc_info=exc)
        body = ApiError(500, "internal", "服务器内部错误 (internal error)").body()
        return json_response(body, 500)


def create_app(engine: RoomEngine, *, debug_routes: bool = False) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        engine.start()
        yield
        await engine.stop()

    api = RoomApi(engine)
    members = Members()
    app = FastAPI(
        title="LiveDesk sandbox platform",
        version="1",
        description="Live Commerce Platform API v1 (see docs/platform-api.md). Money in cents.",
        lifespan=lifespan,
    )
    add_error_handlers(app)
    for resource in (
        room,
        sessions,
        products,
        reservations,
        coupons,
        flash_sales,
        lotteries,
        red_envelopes,
        comments,
        orders,
        team,
    ):
        app.include_router(resource.router(api))
    app.include_router(events.router(api, members))
    add_session_routes(app, engine, api.auth)  # shared session recordings (sessions_api.py)
    add_team_routes(app, engine, api.auth, members)  # invites, connected consoles (team_api.py)
    if debug_routes:
        app.include_router(debug.router(api))
        add_storage_debug_route(app, engine, api.auth)
        add_cheat_draw_route(app, engine, api.act)  # debug_lottery.py
    add_drill_routes(app, engine, api)  # drill.py: a rehearsal room's faults (app/drill)
    app.mount("/static/products", StaticFiles(directory=IMAGES_DIR), name="product-images")
    app.add_middleware(RoomGate, authenticate=api.authenticate, body_cap=body_cap)
    app.add_middleware(KeepTransport)
    return app
