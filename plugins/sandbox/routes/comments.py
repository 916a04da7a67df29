"""Comments and moderation: staff comments, pin/unpin, hide, mute/unmute a user."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.platform import models
from plugins.sandbox.engine import Obj
from plugins.sandbox.routes.context import OPERATE, R, RoomApi, doc
from plugins.sandbox.schemas import CommentBody, MuteBody, PathId, PathUserId


def router(api: RoomApi) -> APIRouter:
    engine = api.engine
    r = APIRouter(prefix=R, tags=["comments"])

    @r.post("/comments", responses=doc(models.Comment))
    async def post_comment(request: Request, room: str, body: CommentBody) -> Response:
        engine.check_comment(body.text)  # before the key is used: a fixed body may reuse it
        return await api.act(request, room, OPERATE, lambda a: engine.staff_comment(body.text, a))

    @r.post("/comments/{comment_id}/pin")
    async def pin(request: Request, room: str, comment_id: PathId) -> Response:
        return await api.act(
            request, room, OPERATE, lambda a: {"pinned": engine.pin(comment_id, a)}
        )

    @r.post("/comments/{comment_id}/unpin")
    async def unpin(request: Request, room: str, comment_id: PathId) -> Response:
        def do(a: Obj) -> Obj:
            engine.unpin(comment_id, a)
            return {"pinned": None}

        return await api.act(request, room, OPERATE, do)

    @r.post("/comments/{comment_id}/hide")
    async def hide(request: Request, room: str, comment_id: PathId) -> Response:
        return await api.act(
            request, room, OPERATE, lambda a: {"hidden": engine.hide(comment_id, a)}
        )

    @r.post("/users/{user_id}/mute")
    async def mute(
        request: Request, room: str, user_id: PathUserId, body: MuteBody | None = None
    ) -> Response:
        b = body or MuteBody()
        return await api.act(
            request,
            room,
            OPERATE,
            lambda a: engine.mute(
                user_id, b.seconds, b.nickname, a, until_session_end=b.until_session_end
            ),
        )

    @r.delete("/users/{user_id}/mute")
    async def unmute(request: Request, room: str, user_id: PathUserId) -> Response:
        return await api.act(request, room, OPERATE, lambda a: engine.unmute(user_id, a))

    return r
