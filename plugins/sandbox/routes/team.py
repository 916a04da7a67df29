"""The team's shared console settings: ``GET``/``PUT /team/review`` (the replay score's).

Every role reads them; the host and the assistant save them (a reviewer's save is a 403). The
body is checked before anything changes (plugins/sandbox/schemas.py ``TeamReviewBody``: the
console's ``ReviewSettings`` fields and ranges, every one given, nothing else); the engine keeps
the values in the room's state (stored with it: they survive a restart), refuses a save over a
version that is no longer current (409 ``stale_version``) and emits ``team_review_changed``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.platform import models
from plugins.sandbox.routes.context import OPERATE, READ, R, RoomApi, doc, json_response
from plugins.sandbox.schemas import TeamReviewBody


def router(api: RoomApi) -> APIRouter:
    engine = api.engine
    r = APIRouter(prefix=R + "/team", tags=["team"])

    @r.get("/review", responses=doc(models.TeamReview))
    async def review(request: Request, room: str) -> Response:
        api.auth(request, room, READ)
        return json_response(engine.team_review())

    @r.put("/review", responses=doc(models.TeamReview))
    async def save_review(request: Request, room: str, body: TeamReviewBody) -> Response:
        values = body.review.model_dump()
        return await api.act(
            request, room, OPERATE, lambda a: engine.set_team_review(body.version, values, a)
        )

    return r
