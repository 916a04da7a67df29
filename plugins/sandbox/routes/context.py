"""What every room route shares: the token check and the runner of mutating actions.

:meth:`RoomApi.act` runs an operator action once per ``Idempotency-Key``, committing its events
together with the idempotency record before answering; a key names one request (method, path,
body): reused for another one it is a 422. A refused action (an :class:`ApiError` from the
engine) changes nothing and its answer is what the key replays. A body the engine's input rules
refuse (``engine.check_*``, called by the route before :meth:`RoomApi.act`) is refused before the
key is looked at: the client may fix the body and retry with the same key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import orjson
from fastapi import Request
from fastapi.responses import Response

from plugins.sandbox.engine import Obj, RoomEngine
from plugins.sandbox.errors import ApiError, invalid
from plugins.sandbox.eventlog import LogWriteError, Unserialisable

READ = ("host", "assistant", "reviewer")
OPERATE = ("host", "assistant")
HOST = ("host",)
R = "/api/v1/rooms/{room}"


def json_response(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status, media_type="application/json")


def doc(model: type[Any]) -> dict[int | str, dict[str, Any]]:
    """The ``responses`` of a route whose 200 body is ``model`` (for the OpenAPI document)."""
    return {200: {"model": model}}


def fingerprint(method: str, path: str, body: bytes) -> str:
    """What an Idempotency-Key is bound to: the method, the path and the body (canonical JSON
    when it is JSON, so key order and spacing do not matter)."""
    try:
        canon = orjson.dumps(orjson.loads(body), option=orjson.OPT_SORT_KEYS) if body else b""
    except (orjson.JSONDecodeError, TypeError):
        canon = body
    h = hashlib.sha256(f"{method} {path}\n".encode())
    h.update(canon)
    return h.hexdigest()


def bearer(request: Request) -> str | None:
    h = request.headers.get("authorization", "")
    if h[:7].lower() == "bearer ":
        return h[7:].strip()
    return None


class RoomApi:
    """The engine a route calls, and the checks every route makes before calling it."""

    def __init__(self, engine: RoomEngine) -> None:
        self.engine = engine

    def authenticate(self, token: str | None, room: str, roles: tuple[str, ...]) -> Obj:
        """The actor of ``token`` in ``room`` (``role``, ``token_id``), or the contract's 401/403."""
        engine = self.engine
        if not token:
            raise ApiError(401, "unauthorized", "缺少令牌 (missing token)")
        found = engine.tokens.get(token)
        if found is None:
            raise ApiError(401, "unauthorized", "令牌无效 (invalid token)")
        role, tid = found
        if room != engine.room:
            raise ApiError(403, "wrong_room", "令牌不属于该直播间 (token is for another room)")
        if role not in roles:
            raise ApiError(403, "forbidden", f"角色 {role} 无权执行此操作 (role {role} may not)")
        return {"role": role, "token_id": tid}

    def auth(self, request: Request, room: str, roles: tuple[str, ...]) -> Obj:
        return self.authenticate(bearer(request), room, roles)

    async def act(
        self, request: Request, room: str, roles: tuple[str, ...], fn: Callable[[Obj], Any]
    ) -> Response:
        """Run a mutating action once per Idempotency-Key, committing before answering. A key
        names one request (method, path, body): reused for another one it is a 422."""
        engine = self.engine
        actor = self.auth(request, room, roles)
        key = request.headers.get("idempotency-key") or None
        fp = ""
        if key:
            if len(key) > 200:
                raise invalid("Idempotency-Key", "Idempotency-Key is at most 200 characters")
            fp = fingerprint(request.method, request.url.path, await request.body())
            rec = engine.store.idempotent(actor["token_id"], key)
            if rec is not None:
                status, payload, first_fp = rec
                if first_fp is not None and first_fp != fp:
                    raise invalid(
                        "Idempotency-Key",
                        "该幂等键已用于另一个请求 (this Idempotency-Key was used for another "
                        "request: another route or body; use a new key)",
                    )
                resp = Response(payload, status, media_type="application/json")
                resp.headers["Idempotent-Replayed"] = "true"
                return resp
        engine.commit_quietly()  # the batch then holds this action only
        status = 200
        try:
            payload = orjson.dumps(fn(actor))
        except LogWriteError:
            engine.abandon_action()  # could not be stored: changes nothing, replays nothing
            raise
        except ApiError as exc:
            engine.abandon_action()  # a refused action changes nothing
            status, payload = exc.status, orjson.dumps(exc.body())
        except orjson.JSONEncodeError as exc:
            engine.abandon_action()
            raise Unserialisable(str(exc)) from None
        except BaseException:
            engine.abandon_action()
            raise
        engine.commit_action(
            actor["token_id"], key and f"{key}\n{fp}", status, payload
        )  # LogWriteError: rolled back
        return Response(payload, status, media_type="application/json")
