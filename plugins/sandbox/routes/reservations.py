"""Stock reservations (库存冻结): list, reserve units of a product for a promotion, release.

A flash sale or coupon names the reservation it draws from (``reservation_id``); the rules
(free stock, drawing, returning the leftovers) are the engine's.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.platform import models
from plugins.sandbox.engine import public
from plugins.sandbox.routes.context import OPERATE, READ, R, RoomApi, doc, json_response
from plugins.sandbox.schemas import PathId, ReservationBody


def router(api: RoomApi) -> APIRouter:
    engine = api.engine
    r = APIRouter(prefix=R + "/reservations", tags=["stock reservations"])

    @r.get("", responses=doc(list[models.Reservation]))
    async def reservations(request: Request, room: str) -> Response:
        api.auth(request, room, READ)
        return json_response([public(x) for x in engine.reservations.values()])

    @r.post("", responses=doc(models.Reservation))
    async def reserve(request: Request, room: str, body: ReservationBody) -> Response:
        spec = body.model_dump()
        return await api.act(request, room, OPERATE, lambda a: engine.reserve_stock(spec, a))

    @r.post("/{reservation_id}/release", responses=doc(models.Reservation))
    async def release(request: Request, room: str, reservation_id: PathId) -> Response:
        return await api.act(
            request, room, OPERATE, lambda a: engine.release_reservation(reservation_id, a)
        )

    return r
