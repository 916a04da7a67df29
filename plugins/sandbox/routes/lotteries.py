"""Lotteries (抽奖): list, read, start, draw (the draw is verifiable: see lottery.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.platform import models
from plugins.sandbox.engine import public
from plugins.sandbox.errors import not_found
from plugins.sandbox.routes.context import OPERATE, READ, R, RoomApi, doc, json_response
from plugins.sandbox.schemas import LotteryBody, PathId


def router(api: RoomApi) -> APIRouter:
    engine = api.engine
    r = APIRouter(prefix=R + "/lotteries", tags=["lotteries"])

    @r.get("", responses=doc(list[models.Lottery]))
    async def lotteries(request: Request, room: str) -> Response:
        api.auth(request, room, READ)
        return json_response([public(lo) for lo in engine.lotteries.values()])

    @r.get("/{lottery_id}", responses=doc(models.Lottery))
    async def lottery(request: Request, room: str, lottery_id: PathId) -> Response:
        api.auth(request, room, READ)
        lo = engine.lotteries.get(lottery_id)
        if lo is None:
            raise not_found("lottery", lottery_id)
        return json_response(public(lo))

    @r.post("", responses=doc(models.Lottery))
    async def start_lottery(request: Request, room: str, body: LotteryBody) -> Response:
        spec = body.model_dump()
        engine.check_lottery(spec)  # before the key is used: a fixed body may reuse it
        return await api.act(request, room, OPERATE, lambda a: engine.start_lottery(spec, a))

    @r.post("/{lottery_id}/draw", responses=doc(models.Lottery))
    async def draw_lottery(request: Request, room: str, lottery_id: PathId) -> Response:
        return await api.act(request, room, OPERATE, lambda a: engine.draw_lottery(lottery_id, a))

    return r
