"""Debug routes (``--debug-routes`` only, host token): load and edge-case tools for tests.

Raw events and raw stream messages, an oversized event, a viewer's comment or coupon claim, the
audience's rate. Never served by a normal sandbox.
"""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.platform import models
from plugins.sandbox.audience_host import NotAllowed, SimUser
from plugins.sandbox.engine import Obj, order_error, public
from plugins.sandbox.errors import conflict, invalid
from plugins.sandbox.routes.context import HOST, R, RoomApi, doc
from plugins.sandbox.schemas import (
    MAX_EVENT_BYTES,
    AudienceRateBody,
    RawEventsBody,
    ViewerClaimBody,
    ViewerCommentBody,
)

#: the largest event the oversized-event debug route makes
MAX_DEBUG_PAD = 64 * 2**20


def router(api: RoomApi) -> APIRouter:
    engine = api.engine
    r = APIRouter(prefix=R + "/_debug", tags=["debug"])

    @r.post("/raw-events")
    async def raw_events(request: Request, room: str, body: RawEventsBody) -> Response:
        for i, e in enumerate(body.events):  # verbatim, but no event beyond the maximum
            if len(orjson.dumps({"type": e.type, "data": e.data})) > MAX_EVENT_BYTES - 100:
                raise invalid(f"events.{i}", f"an event is at most {MAX_EVENT_BYTES} bytes")

        def do(_: Obj) -> Obj:
            seqs = [engine.append(e.type, e.data) for e in body.events]
            sent = engine.log.send_raw(list(body.raw_messages)) if body.raw_messages else 0
            return {"seqs": seqs, "raw_sent_to": sent}

        return await api.act(request, room, HOST, do)

    @r.post("/oversized-event")
    async def oversized_event(
        request: Request, room: str, pad_bytes: Annotated[int, Query(gt=0, le=MAX_DEBUG_PAD)]
    ) -> Response:
        # one comment event whose user id is pad_bytes long, whatever bounds the ordinary routes
        # put on their input: a test sees what a console does with an event larger than it takes
        def do(_: Obj) -> Obj:
            pad = "x" * pad_bytes
            comment = {"id": "oversized", "user_id": pad, "nickname": "大", "text": "大事件"}
            seq = engine.append("comment", {"comment": comment})
            return {"seq": seq}

        return await api.act(request, room, HOST, do)

    @r.post("/viewer-comment", responses=doc(models.Comment))
    async def viewer_comment(request: Request, room: str, body: ViewerCommentBody) -> Response:
        def do(_: Obj) -> Obj:
            user = SimUser(
                body.user_id, body.nickname or body.user_id, body.is_follower, body.fan_level
            )
            if engine.is_muted(user.id):
                raise conflict("muted", "该用户已被禁言 (user is muted)")
            before = engine.log.seq
            engine.comment(user, body.text)
            return {"comment": engine.find_comment(f"c{before + 1}")}

        return await api.act(request, room, HOST, do)

    @r.post("/audience-rate")
    async def audience_rate(request: Request, room: str, body: AudienceRateBody) -> Response:
        def do(_: Obj) -> Obj:
            engine.set_audience_rate(body.rate)
            return {"rate": engine.rate}

        return await api.act(request, room, HOST, do)

    @r.post("/viewer-claim")
    async def viewer_claim(request: Request, room: str, body: ViewerClaimBody) -> Response:
        def do(_: Obj) -> Obj:
            try:
                engine.claim_coupon(
                    SimUser(body.user_id, body.nickname or body.user_id), body.coupon_id
                )
            except NotAllowed as exc:
                raise order_error(exc) from None
            return public(engine.coupons[body.coupon_id])

        return await api.act(request, room, HOST, do)

    return r
