"""Sharing session files through the platform (``/recordings`` routes, see
plugins/sandbox/sessions_api.py): upload a consistent copy, list, download.

The upload sends a snapshot made with SQLite's backup API, so a session still being recorded
(WAL not yet checkpointed) is shared as one consistent file. The copy carries no secret: a file
recorded before the stream key was kept out of recordings has it removed from the copy
(:func:`app.session.redact.redact_session_file`) before it leaves the machine.
"""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

import httpx

from app.platform.errors import PlatformError
from app.session.redact import redact_session_file
from app.session.schema import SUFFIX


def snapshot_copy(path: Path, dest: Path) -> Path:
    """A consistent single-file copy of a session file (works while it is being written)."""
    src = sqlite3.connect(str(path))
    try:
        out = sqlite3.connect(str(dest))
        try:
            src.backup(out)
        finally:
            out.close()
    finally:
        src.close()
    return dest


UPLOADERS = ("host", "assistant")  # the roles the platform lets upload (PUT /recordings)


class SessionShare:
    def __init__(
        self, base_url: str, room: str, token: str, *, role: str = "host", timeout: float = 300.0
    ) -> None:
        self.base = f"{base_url.rstrip('/')}/api/v1/rooms/{room}/recordings"
        self.headers = {"Authorization": f"Bearer {token}"}
        self.role = role
        self.timeout = timeout

    @property
    def can_upload(self) -> bool:
        """Every role can list and download; only operators can upload."""
        return self.role in UPLOADERS

    @classmethod
    def for_adapter(cls, adapter: object) -> SessionShare | None:
        """For a platform client speaking API v1 (the sandbox adapter); None for others."""
        base = getattr(adapter, "base_url", None)
        room = getattr(adapter, "room", None)
        http = getattr(adapter, "_http", None)
        auth = http.headers.get("Authorization", "") if http is not None else ""
        if not (isinstance(base, str) and isinstance(room, str) and auth.startswith("Bearer ")):
            return None
        role = getattr(adapter, "role", "host")
        return cls(base, room, auth[7:], role=str(getattr(role, "value", role)))

    def _check(self, r: httpx.Response) -> None:
        if r.status_code >= 400:
            try:
                err = r.json()["error"]
                code, message = str(err["code"]), str(err["message"])
            except (ValueError, KeyError, TypeError):
                code, message = "http_error", f"HTTP {r.status_code}"
            raise PlatformError(code, message, status=r.status_code)

    @staticmethod
    def _snapshot_bytes(path: Path) -> bytes:
        with tempfile.TemporaryDirectory() as d:
            copy = snapshot_copy(path, Path(d) / path.name)
            redact_session_file(copy)  # a file recorded before the fix may hold the stream key
            return copy.read_bytes()

    async def upload(self, path: Path) -> dict[str, Any]:
        data = await asyncio.to_thread(self._snapshot_bytes, path)
        async with httpx.AsyncClient(timeout=self.timeout) as c:
            r = await c.put(f"{self.base}/{path.name}", content=data, headers=self.headers)
        self._check(r)
        return dict(r.json())

    async def list(self) -> list[dict[str, Any]]:
        async with httpx.AsyncClient(timeout=self.timeout) as c:
            r = await c.get(self.base, headers=self.headers)
        self._check(r)
        return list(r.json())

    async def download(self, name: str, directory: Path) -> Path:
        if Path(name).name != name or not name.endswith(SUFFIX):  # never outside ``directory``
            raise PlatformError("invalid_value", f"not a session file name: {name!r}")
        await asyncio.to_thread(directory.mkdir, parents=True, exist_ok=True)
        dest = directory / name
        tmp = dest.with_suffix(".part")
        async with httpx.AsyncClient(timeout=self.timeout) as c:
            async with c.stream("GET", f"{self.base}/{name}", headers=self.headers) as r:
                if r.status_code >= 400:
                    await r.aread()
                    self._check(r)
                with tmp.open("wb") as fh:
                    async for chunk in r.aiter_bytes():
                        fh.write(chunk)
        tmp.replace(dest)
        return dest
