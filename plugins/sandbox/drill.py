"""Drill faults on the rehearsal room (host token): app/drill uses them. Every sandbox serves
them — it is a rehearsal room — and a real platform has no such routes.

- ``POST /_debug/drill/outage {"seconds": N}``: a network loss to the platform for N seconds
  (0 ends it). The event streams open now are dropped, and until the outage ends a new stream's
  handshake is answered 503 (a gateway with no way through: try again later — not a 403/404,
  which a console rightly takes as final; an aborted handshake is not reliably seen as a failure
  by the console's WebSocket client) and an API request gets no answer until the outage is over
  (then a 503):
  what a console sees when the network between it and the platform is gone. The ``/_debug/``
  routes stay reachable (the drill must be able to end the outage).
- ``POST /_debug/drill/viewer-drop {"share": 0.5}``: that share of the viewers online leave at once
  and the simulated room stays that much smaller (``share`` 0: back to its size; the viewers come
  back at the room's own pace).
- ``POST /_debug/drill/complaints {"count": 10, "texts": [...]}``: that many simulated viewers
  post a complaint each (the texts in turn).

The outage gate sits inside the room gate (authentication first); it costs one float
comparison per request when no drill runs.
"""

from __future__ import annotations

import asyncio
import time
from typing import Annotated, Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from app.aio import wait_event
from plugins.sandbox.audience_host import SimUser
from plugins.sandbox.engine import Obj, RoomEngine
from plugins.sandbox.routes.context import HOST, R, RoomApi

MAX_OUTAGE_S = 600.0


class Outage:
    """The time (monotonic) until which the platform is unreachable (0: reachable)."""

    def __init__(self) -> None:
        self.until = 0.0
        self.over = asyncio.Event()  # set when the outage ends (early or on time)
        self._timer: asyncio.TimerHandle | None = None

    def begin(self, seconds: float) -> None:
        self.end()
        self.until = time.monotonic() + seconds
        self.over.clear()
        self._timer = asyncio.get_running_loop().call_later(seconds, self.end)

    def end(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self.until = 0.0
        self.over.set()

    def left(self) -> float:
        return max(0.0, self.until - time.monotonic())


class OutageGate:
    """ASGI middleware: while an outage runs, streams are dropped and requests hang (not
    ``/_debug/``)."""

    def __init__(self, app: Any, outage: Outage) -> None:
        self.app = app
        self.outage = outage

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if (
            scope["type"] in ("http", "websocket")
            and self.outage.until
            and "/_debug/" not in str(scope.get("path", ""))
        ):
            left = self.outage.left()
            if left > 0:
                if scope["type"] == "websocket":  # the gateway's answer: try again later
                    await send({"type": "websocket.http.response.start", "status": 503,
                                "headers": [(b"content-type", b"text/plain")]})  # fmt: skip
                    await send({"type": "websocket.http.response.body", "body": b"outage"})
                    return
                await wait_event(self.outage.over, left)  # no answer while the network is gone
                if scope["type"] == "http":
                    await Response(status_code=503)(scope, receive, send)
                    return
        await self.app(scope, receive, send)


class OutageBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seconds: Annotated[float, Field(ge=0, le=MAX_OUTAGE_S, allow_inf_nan=False)]


class ComplaintsBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    count: Annotated[int, Field(ge=1, le=200)]
    texts: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=200)]],
        Field(min_length=1, max_length=50),
    ]


class ViewerDropBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    share: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


def add_drill_routes(app: FastAPI, engine: RoomEngine, api: RoomApi) -> None:
    outage = Outage()
    app.add_middleware(OutageGate, outage=outage)

    @app.post(R + "/_debug/drill/outage", tags=["debug"])
    async def drill_outage(request: Request, room: str, body: OutageBody) -> Response:
        def do(_: Obj) -> Obj:
            if not body.seconds:
                outage.end()
            else:
                outage.begin(body.seconds)
                for sub in list(engine.log.subscribers):  # drop the streams open now
                    sub.closed = True
                    sub.wake.set()
            return {"outage_s": body.seconds}

        return await api.act(request, room, HOST, do)

    @app.post(R + "/_debug/drill/complaints", tags=["debug"])
    async def drill_complaints(request: Request, room: str, body: ComplaintsBody) -> Response:
        def do(_: Obj) -> Obj:
            for i in range(body.count):
                user = SimUser(f"drill-{i + 1}", f"演练观众{i + 1}")
                engine.comment(user, body.texts[i % len(body.texts)])
            return {"posted": body.count}

        return await api.act(request, room, HOST, do)

    @app.post(R + "/_debug/drill/viewer-drop", tags=["debug"])
    async def drill_viewer_drop(request: Request, room: str, body: ViewerDropBody) -> Response:
        def do(_: Obj) -> Obj:
            audience = engine.audience
            if audience is None:
                return {"left": 0}
            if body.share == 0:
                audience.undrop()
                return {"left": 0}
            return {"left": audience.drop(body.share)}

        return await api.act(request, room, HOST, do)
