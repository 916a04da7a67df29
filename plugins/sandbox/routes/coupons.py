"""Coupons: list, issue, end (the coupon rules are the engine's)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.platform import models
from plugins.sandbox.engine import public
from plugins.sandbox.routes.context import OPERATE, READ, R, RoomApi, doc, json_response
from plugins.sandbox.schemas import CouponBody, PathId


def router(api: RoomApi) -> APIRouter:
    engine = api.engine
    r = APIRouter(prefix=R + "/coupons", tags=["coupons"])

    @r.get("", responses=doc(list[models.Coupon]))
    async def coupons(request: Request, room: str) -> Response:
        api.auth(request, room, READ)
        return json_response([public(c) for c in engine.coupons.values()])

    @r.post("", responses=doc(models.Coupon))
    async def issue_coupon(request: Request, room: str, body: CouponBody) -> Response:
        spec = body.model_dump()
        engine.check_coupon(spec)  # before the key is used: a fixed body may reuse it
        return await api.act(request, room, OPERATE, lambda a: engine.issue_coupon(spec, a))

    @r.post("/{coupon_id}/end", responses=doc(models.Coupon))
    async def end_coupon(request: Request, room: str, coupon_id: PathId) -> Response:
        return await api.act(request, room, OPERATE, lambda a: engine.end_coupon(coupon_id, a))

    return r
