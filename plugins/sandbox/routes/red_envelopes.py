"""Red-envelope rain (红包雨): list, start (now or scheduled), end early, and a viewer's grab.

The grab route acts as a simulated viewer (like placing an order for one: tests and demos); the
money rules are the engine's (plugins/sandbox/red_envelope.py, RoomEngine.grab_red_envelope).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.platform import models
from plugins.sandbox.audience_host import GrabRefused, SimUser
from plugins.sandbox.engine import Obj, public
from plugins.sandbox.errors import conflict, not_found
from plugins.sandbox.routes.context import OPERATE, READ, R, RoomApi, doc, json_response
from plugins.sandbox.schemas import GrabBody, PathId, RedEnvelopeBody


def router(api: RoomApi) -> APIRouter:
    engine = api.engine
    r = APIRouter(prefix=R + "/red-envelopes", tags=["red-envelope rain"])

    @r.get("", responses=doc(list[models.RedEnvelopeRain]))
    async def rains(request: Request, room: str) -> Response:
        api.auth(request, room, READ)
        return json_response([public(x) for x in engine.red_envelopes.values()])

    @r.post("", responses=doc(models.RedEnvelopeRain))
    async def start(request: Request, room: str, body: RedEnvelopeBody) -> Response:
        spec = body.model_dump()
        engine.check_red_envelope(spec)  # before the key is used: a fixed body may reuse it
        return await api.act(request, room, OPERATE, lambda a: engine.start_red_envelope(spec, a))

    @r.post("/{rain_id}/end", responses=doc(models.RedEnvelopeRain))
    async def end(request: Request, room: str, rain_id: PathId) -> Response:
        return await api.act(request, room, OPERATE, lambda a: engine.end_red_envelope(rain_id, a))

    @r.post("/{rain_id}/grabs", responses=doc(models.RedEnvelopeGrab))
    async def grab(request: Request, room: str, rain_id: PathId, body: GrabBody) -> Response:
        def do(_: Obj) -> Obj:
            if rain_id not in engine.red_envelopes:
                raise not_found("red envelope rain", rain_id)
            user = SimUser(
                body.user_id, body.nickname or body.user_id, body.is_follower, body.fan_level
            )
            try:
                amount = engine.grab_red_envelope(user, rain_id)
            except GrabRefused as exc:
                raise conflict(exc.code, str(exc)) from None
            return {"red_envelope_id": rain_id, "user_id": user.id, "amount_cents": amount}

        return await api.act(request, room, OPERATE, do)

    return r
