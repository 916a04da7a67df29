"""The bag: products, their order, edits (price, stock, listing) and which one is explained."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.platform import models
from plugins.sandbox.engine import public
from plugins.sandbox.routes.context import OPERATE, READ, R, RoomApi, doc, json_response
from plugins.sandbox.schemas import PathId, ProductPatch, ReorderBody


def router(api: RoomApi) -> APIRouter:
    engine = api.engine
    r = APIRouter(prefix=R + "/products", tags=["products"])

    @r.get("", responses=doc(models.Bag))
    async def products(request: Request, room: str) -> Response:
        api.auth(request, room, READ)
        return json_response(engine.bag())

    @r.get("/{product_id}", responses=doc(models.Product))
    async def product(request: Request, room: str, product_id: PathId) -> Response:
        api.auth(request, room, READ)
        return json_response(public(engine.product(product_id)))

    @r.put("/order", responses=doc(models.Bag))
    async def reorder(request: Request, room: str, body: ReorderBody) -> Response:
        return await api.act(
            request, room, OPERATE, lambda a: engine.reorder(body.version, body.product_ids, a)
        )

    @r.patch("/{product_id}", responses=doc(models.Product))
    async def patch_product(
        request: Request, room: str, product_id: PathId, body: ProductPatch
    ) -> Response:
        changes = body.model_dump(exclude_unset=True)
        engine.check_product_changes(changes)  # before the key is used: a fixed body may reuse it
        return await api.act(
            request, room, OPERATE, lambda a: engine.update_product(product_id, changes, a)
        )

    @r.post("/{product_id}/explain")
    async def explain_start(request: Request, room: str, product_id: PathId) -> Response:
        return await api.act(
            request, room, OPERATE, lambda a: {"explaining": engine.explain(product_id, True, a)}
        )

    @r.delete("/{product_id}/explain")
    async def explain_stop(request: Request, room: str, product_id: PathId) -> Response:
        return await api.act(
            request, room, OPERATE, lambda a: {"explaining": engine.explain(product_id, False, a)}
        )

    return r
