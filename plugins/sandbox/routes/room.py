"""``GET /rooms/{room}`` and ``GET /rooms/{room}/snapshot`` (every role)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.platform import models
from plugins.sandbox.routes.context import READ, R, RoomApi, doc, json_response


def router(api: RoomApi) -> APIRouter:
    engine = api.engine
    r = APIRouter(prefix=R, tags=["room"])

    @r.get("", summary="Room info: id, title, last seq, current session")
    async def room_info(request: Request, room: str) -> Response:
        api.auth(request, room, READ)
        return json_response(engine.room_info())

    @r.get("/snapshot", responses=doc(models.Snapshot))
    async def snapshot(request: Request, room: str) -> Response:
        api.auth(request, room, READ)
        return json_response(engine.snapshot())

    return r
