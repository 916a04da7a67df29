"""Shared session recordings (复盘共享): operators upload a recorded session file; every role of
the room, including ``reviewer``, can list and download them.

Routes (under ``/api/v1/rooms/{room}``):
- ``PUT /recordings/{name}`` (host, assistant): the body is the session file (SQLite); replaces a
  file of the same name. Name: ``[A-Za-z0-9_.-]+.livedesk-session.sqlite``.
- ``GET /recordings``: ``[{"name", "size", "uploaded_ts", "uploaded_by"}]``, newest first.
- ``GET /recordings/{name}``: the file.
Files are kept next to the sandbox database, in ``<db>-recordings/``.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, Response

from plugins.sandbox.engine import Obj, RoomEngine
from plugins.sandbox.errors import ApiError

READ = ("host", "assistant", "reviewer")
OPERATE = ("host", "assistant")
R = "/api/v1/rooms/{room}"
NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,200}\.livedesk-session\.sqlite$")
MAX_BYTES = 2 * 1024**3
SQLITE_MAGIC = b"SQLite format 3\x00"


def recordings_dir(engine: RoomEngine) -> Path:
    db = Path(engine.store.path)
    return db.with_name(db.name + "-recordings")


def add_session_routes(
    app: FastAPI, engine: RoomEngine, auth: Callable[[Request, str, tuple[str, ...]], Obj]
) -> None:
    folder = recordings_dir(engine)

    def checked(name: str) -> Path:
        if not NAME.match(name):
            raise ApiError(422, "invalid_value", "文件名不合法 (bad recording name)", "name")
        return folder / name

    @app.put(R + "/recordings/{name}", tags=["recordings"])
    async def upload(request: Request, room: str, name: str) -> Response:
        actor = auth(request, room, OPERATE)
        path = checked(name)
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        size = 0
        head = b""
        with tmp.open("wb") as fh:
            async for chunk in request.stream():
                size += len(chunk)
                if size > MAX_BYTES:
                    fh.close()
                    tmp.unlink(missing_ok=True)
                    raise ApiError(413, "too_large", "文件过大 (recording too large)")
                if len(head) < 16:
                    head += chunk[: 16 - len(head)]
                fh.write(chunk)
        if head != SQLITE_MAGIC:
            tmp.unlink(missing_ok=True)
            raise ApiError(422, "invalid_value", "不是场次文件 (not a session file)", "body")
        os.replace(tmp, path)
        info = {
            "name": name,
            "size": size,
            "uploaded_ts": time.time(),
            "uploaded_by": actor["role"],
        }
        path.with_name(name + ".json").write_bytes(orjson.dumps(info))
        return Response(orjson.dumps(info), 200, media_type="application/json")

    @app.get(R + "/recordings", tags=["recordings"])
    async def listing(request: Request, room: str) -> Response:
        auth(request, room, READ)
        out: list[dict[str, Any]] = []
        if folder.exists():
            for meta in folder.glob("*.livedesk-session.sqlite.json"):
                try:
                    out.append(orjson.loads(meta.read_bytes()))
                except (OSError, orjson.JSONDecodeError):
                    continue
        out.sort(key=lambda i: -float(i.get("uploaded_ts", 0)))
        return Response(orjson.dumps(out), 200, media_type="application/json")

    @app.get(R + "/recordings/{name}", tags=["recordings"])
    async def download(request: Request, room: str, name: str) -> Response:
        auth(request, room, READ)
        path = checked(name)
        if not path.exists():
            raise ApiError(404, "not_found", f"recording {name!r} not found")
        return FileResponse(path, media_type="application/vnd.sqlite3", filename=name)
