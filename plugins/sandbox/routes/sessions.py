"""Live sessions: start, end (host), and the host's RTMP push target."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.platform import models
from plugins.sandbox.routes.context import HOST, R, RoomApi, doc, json_response
from plugins.sandbox.schemas import PathId


def router(api: RoomApi) -> APIRouter:
    engine = api.engine
    r = APIRouter(prefix=R + "/sessions", tags=["sessions"])

    @r.post("", responses=doc(models.Session))
    async def start_session(request: Request, room: str) -> Response:
        return await api.act(request, room, HOST, engine.start_session)

    @r.get(
        "/{session_id}/stream-target",
        responses=doc(models.StreamTarget),
        summary="The live session's RTMP push URL and stream key (host only: the host's secret)",
    )
    async def stream_target(request: Request, room: str, session_id: str) -> Response:
        api.auth(request, room, HOST)
        resp = json_response(engine.stream_target(session_id))
        resp.headers["Cache-Control"] = "no-store"
        return resp

    @r.post("/{session_id}/end", responses=doc(models.Session))
    async def end_session(request: Request, room: str, session_id: PathId) -> Response:
        return await api.act(request, room, HOST, lambda a: engine.end_session(session_id, a))

    return r
