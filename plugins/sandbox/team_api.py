"""Who is on the team: the room's invite tokens and its connected consoles (host-only routes).

- ``GET /invites`` (host): the assistant's and the reviewer's tokens, for the host's console to
  make invites — never the host's own token (``Cache-Control: no-store``).
- ``GET /members`` (host): the consoles connected to the event stream now — role, since when,
  and the client name each sent at connect (``?client=`` on the stream, validated by
  :func:`parse_client`), at most ``MAX_LISTED`` of them, oldest first, with the total count.

:class:`Members` is the registry the stream route fills; it is bounded by the number of open
streams (each entry is removed when its stream ends).
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.responses import Response

from plugins.sandbox.engine import RoomEngine
from plugins.sandbox.errors import ApiError
from plugins.sandbox.routes.context import HOST, R

MAX_CLIENT = 64
MAX_LISTED = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def parse_client(raw: str | None) -> str | None:
    """The stream's ``client`` name: absent, or 1…64 characters of one-line plain text."""
    if raw is None:
        return None
    name = raw.strip()
    if not name or len(name) > MAX_CLIENT or _CONTROL.search(name):
        raise ApiError(
            422,
            "invalid_value",
            f"client must be 1…{MAX_CLIENT} characters of one-line text",
            "client",
        )
    return name


class Members:
    """The consoles connected to the room's event stream."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self._now: dict[int, dict[str, Any]] = {}

    def join(self, role: str, client: str | None) -> int:
        key = next(self._ids)
        self._now[key] = {"role": role, "since_ts": time.time(), "client": client}
        return key

    def leave(self, key: int) -> None:
        self._now.pop(key, None)

    def listing(self) -> dict[str, Any]:
        members = list(self._now.values())  # insertion order: oldest first
        return {"count": len(members), "members": members[:MAX_LISTED]}


Auth = Callable[[Request, str, tuple[str, ...]], Any]


def add_team_routes(app: FastAPI, engine: RoomEngine, auth: Auth, members: Members) -> None:
    def _private(body: Any) -> Response:
        resp = Response(orjson.dumps(body), 200, media_type="application/json")
        resp.headers["Cache-Control"] = "no-store"
        return resp

    @app.get(R + "/invites", tags=["team"], summary="Tokens to invite an assistant or a reviewer")
    async def invites(request: Request, room: str) -> Response:
        auth(request, room, HOST)
        tokens = engine.token_by_role
        return _private(
            {"room": engine.room, "tokens": {r: tokens[r] for r in ("assistant", "reviewer")}}
        )

    @app.get(R + "/members", tags=["team"], summary="Consoles connected to the event stream")
    async def members_route(request: Request, room: str) -> Response:
        auth(request, room, HOST)
        return _private(members.listing())
