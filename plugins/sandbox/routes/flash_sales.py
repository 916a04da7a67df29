"""Flash sales (秒杀): list, create (now or scheduled), end."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.platform import models
from plugins.sandbox.engine import public
from plugins.sandbox.routes.context import OPERATE, READ, R, RoomApi, doc, json_response
from plugins.sandbox.schemas import FlashSaleBody, PathId


def router(api: RoomApi) -> APIRouter:
    engine = api.engine
    r = APIRouter(prefix=R + "/flash-sales", tags=["flash sales"])

    @r.get("", responses=doc(list[models.FlashSale]))
    async def flash_sales(request: Request, room: str) -> Response:
        api.auth(request, room, READ)
        return json_response([public(f) for f in engine.flash_sales.values()])

    @r.post("", responses=doc(models.FlashSale))
    async def create_flash_sale(request: Request, room: str, body: FlashSaleBody) -> Response:
        return await api.act(
            request, room, OPERATE, lambda a: engine.create_flash_sale(body.model_dump(), a)
        )

    @r.post("/{sale_id}/end", responses=doc(models.FlashSale))
    async def end_flash_sale(request: Request, room: str, sale_id: PathId) -> Response:
        return await api.act(request, room, OPERATE, lambda a: engine.end_flash_sale(sale_id, a))

    return r
