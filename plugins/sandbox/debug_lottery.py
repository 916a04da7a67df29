"""A debug route that makes the platform cheat at a lottery (``--debug-routes`` only, host token).

``POST /_debug/lotteries/{id}/cheat-draw`` draws with a NEW seed, picked after the entrants are
known, and sends a commitment matching that seed with the draw — so the draw is consistent with
itself, and only a client that kept the commitment published at start can tell. Tests use it to
show that the console's verification catches exactly that.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response

from plugins.sandbox import lottery as lottery_fn
from plugins.sandbox.engine import Obj, RoomEngine
from plugins.sandbox.errors import not_found
from plugins.sandbox.routes.context import HOST, R


def add_cheat_draw_route(
    app: FastAPI,
    engine: RoomEngine,
    act: Callable[[Request, str, tuple[str, ...], Callable[[Obj], Any]], Awaitable[Response]],
) -> None:
    @app.post(R + "/_debug/lotteries/{lottery_id}/cheat-draw", tags=["debug"])
    async def cheat_draw(request: Request, room: str, lottery_id: str) -> Response:
        def do(actor: Obj) -> Obj:
            lo = engine.lotteries.get(lottery_id)
            if lo is None:
                raise not_found("lottery", lottery_id)
            honest = {k: lo[k] for k in ("_seed", "commitment")}
            seed = os.urandom(32)
            lo.update(_seed=seed.hex(), commitment=lottery_fn.commitment(seed))
            try:
                return engine.draw_lottery(lottery_id, actor)  # the usual checks and events
            except BaseException:
                lo.update(honest)  # refused (still open, already drawn): nothing changed
                raise

        return await act(request, room, HOST, do)
