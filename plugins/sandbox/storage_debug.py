"""``POST /_debug/storage-limit`` (``--debug-routes`` only): make the room's database "full".

Sets SQLite's ``max_page_count`` on the server's connection, so the next commit that needs a new
page fails with a real ``SQLITE_FULL``, exactly as on a full disk; ``null`` lifts the limit (the
space "returns"). Tests use it to show that a full disk changes nothing and is recovered from.
"""

from __future__ import annotations

from collections.abc import Callable

import orjson
from fastapi import FastAPI, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from plugins.sandbox.engine import Obj, RoomEngine
from plugins.sandbox.routes.context import R


class StorageLimitBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    max_pages: int | None = Field(default=None, ge=1, le=2**31)


def add_storage_debug_route(
    app: FastAPI, engine: RoomEngine, auth: Callable[[Request, str, tuple[str, ...]], Obj]
) -> None:
    db = engine.store.db
    unlimited = int(db.execute("PRAGMA max_page_count").fetchone()[0])

    @app.post(R + "/_debug/storage-limit", tags=["debug"])
    async def storage_limit(request: Request, room: str, body: StorageLimitBody) -> Response:
        auth(request, room, ("host",))
        want = unlimited if body.max_pages is None else body.max_pages
        # never below the current size (SQLite keeps the larger of the two)
        got = int(db.execute(f"PRAGMA max_page_count = {int(want)}").fetchone()[0])
        pages = int(db.execute("PRAGMA page_count").fetchone()[0])
        out = {"max_pages": got, "page_count": pages}
        return Response(orjson.dumps(out), 200, media_type="application/json")
