"""Orders: the list after a seq, and the operator's place (and pay), pay and refund."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.platform import models
from plugins.sandbox.audience_host import NotAllowed, SimUser, SoldOut
from plugins.sandbox.engine import Obj, order_error
from plugins.sandbox.errors import not_found
from plugins.sandbox.routes.context import OPERATE, READ, R, RoomApi, doc, json_response
from plugins.sandbox.schemas import AfterSeq, Limit, OrderBody, PathId, RefundBody


def router(api: RoomApi) -> APIRouter:
    engine = api.engine
    r = APIRouter(prefix=R + "/orders", tags=["orders"])

    def existing(order_id: str) -> Obj:
        order = engine.order(order_id)
        if order is None:
            raise not_found("order", order_id)
        return order

    @r.get("", responses=doc(list[models.Order]))
    async def orders(
        request: Request,
        room: str,
        after_seq: AfterSeq = 0,
        limit: Limit = 1000,
    ) -> Response:
        api.auth(request, room, READ)
        return json_response(engine.orders_after(after_seq, limit))

    @r.post("", responses=doc(models.Order))
    async def place_order(request: Request, room: str, body: OrderBody) -> Response:
        engine.check_order(body.product_id)  # before the key is used: a fixed body may reuse it

        def do(a: Obj) -> Obj:
            user = SimUser(body.user_id, body.nickname or body.user_id)
            try:
                order_id = engine.place_order(
                    user, body.product_id, body.sku_id, body.quantity, body.coupon_id, a
                )
                if body.pay:
                    engine.pay_order(order_id, a)
            except (SoldOut, NotAllowed) as exc:
                raise order_error(exc) from None
            return existing(order_id)

        return await api.act(request, room, OPERATE, do)

    @r.post("/{order_id}/pay", responses=doc(models.Order))
    async def pay(request: Request, room: str, order_id: PathId) -> Response:
        def do(a: Obj) -> Obj:
            existing(order_id)
            try:
                engine.pay_order(order_id, a)
            except NotAllowed as exc:
                raise order_error(exc) from None
            return existing(order_id)

        return await api.act(request, room, OPERATE, do)

    @r.post("/{order_id}/refund", responses=doc(models.Order))
    async def refund(
        request: Request, room: str, order_id: PathId, body: RefundBody | None = None
    ) -> Response:
        def do(a: Obj) -> Obj:
            existing(order_id)
            try:
                engine.refund_order(order_id, (body or RefundBody()).reason, a)
            except NotAllowed as exc:
                raise order_error(exc) from None
            return existing(order_id)

        return await api.act(request, room, OPERATE, do)

    return r
