"""Shared session recordings (复盘共享): operators upload a recorded session file; every role of
the room, including ``reviewer``, can list and download them.

Routes (under ``/api/v1/rooms/{room}``):
- ``PUT /recordings/{name}`` (host, assistant): the body is the session file (SQLite); replaces a
  file of the same name. Name: ``[A-Za-z0-9_.-]+.livedesk`` (a console's recordings since they
  have a final extension of their own), or ``[A-Za-z0-9_.-]+.livedesk-session.sqlite`` (the name
  before that: old recordings are still shared and downloaded under it).
- ``GET /recordings``: ``[{"name", "size", "uploaded_ts", "uploaded_by"}]``, newest first.
- ``GET /recordings/{name}``: the file.
Files are kept next to the sandbox database, in ``<db>-recordings/`` (mode 0700, files 0600).

Guarantees: a name is matched whole (no newline, no path part); an upload is written to a temporary
file of its own, removed on every failure (a bad body, too large, the client gone, a full disk:
507 ``storage_full``), and only a complete upload replaces the stored file, its metadata first;
while one upload of a name is in progress a second of the same name is refused (409
``upload_in_progress``), so a 200 always answers for the content that is stored.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, Response

from plugins.sandbox.engine import Obj, RoomEngine
from plugins.sandbox.errors import ApiError
from plugins.sandbox.routes.context import OPERATE, READ, R

NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,200}\.(?:livedesk|livedesk-session\.sqlite)$")
MAX_BYTES = 2 * 1024**3
SQLITE_MAGIC = b"SQLite format 3\x00"


def recordings_dir(engine: RoomEngine) -> Path:
    db = Path(engine.store.path)
    return db.with_name(db.name + "-recordings")


def ensure_private_dir(folder: Path) -> None:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)


def write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


async def receive(request: Request, tmp: Path, name: str, role: str) -> dict[str, Any]:
    """Stream the body into ``tmp`` (owner-only); checked for size and the SQLite header."""
    size = 0
    head = b""
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BYTES:
                raise ApiError(413, "too_large", "文件过大 (recording too large)")
            if len(head) < 16:
                head += chunk[: 16 - len(head)]
            fh.write(chunk)
    if head != SQLITE_MAGIC:
        raise ApiError(422, "invalid_value", "不是场次文件 (not a session file)", "body")
    return {"name": name, "size": size, "uploaded_ts": time.time(), "uploaded_by": role}


def add_session_routes(
    app: FastAPI, engine: RoomEngine, auth: Callable[[Request, str, tuple[str, ...]], Obj]
) -> None:
    folder = recordings_dir(engine)

    def checked(name: str) -> Path:
        if not NAME.fullmatch(name):
            raise ApiError(422, "invalid_value", "文件名不合法 (bad recording name)", "name")
        return folder / name

    uploading: set[str] = set()

    @app.put(R + "/recordings/{name}", tags=["recordings"])
    async def upload(request: Request, room: str, name: str) -> Response:
        actor = auth(request, room, OPERATE)
        path = checked(name)
        if name in uploading:
            raise ApiError(
                409,
                "upload_in_progress",
                "同名文件正在上传，请稍后重试 (an upload of this name is in progress)",
                "name",
            )
        uploading.add(name)
        tmp = folder / f".{name}.{secrets.token_hex(6)}.part"
        meta_tmp = tmp.with_suffix(".json.part")
        try:
            ensure_private_dir(folder)
            info = await receive(request, tmp, name, actor["role"])
            write_private(meta_tmp, orjson.dumps(info))
            os.replace(tmp, path)
            os.replace(meta_tmp, path.with_name(name + ".json"))
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise ApiError(
                    507, "storage_full", "存储空间已满，文件未保存 (storage full: not stored)"
                ) from None
            raise ApiError(
                503, "storage_unavailable", f"文件未保存 (could not store the file: {exc})"
            ) from None
        finally:
            uploading.discard(name)
            for leftover in (tmp, meta_tmp):
                with contextlib.suppress(OSError):
                    leftover.unlink(missing_ok=True)
        return Response(orjson.dumps(info), 200, media_type="application/json")

    @app.get(R + "/recordings", tags=["recordings"])
    async def listing(request: Request, room: str) -> Response:
        auth(request, room, READ)
        out: list[dict[str, Any]] = []
        if folder.exists():
            for meta in folder.glob("*.json"):
                if not NAME.fullmatch(meta.name[: -len(".json")]):
                    continue
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
