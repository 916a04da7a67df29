"""Sharing session files through the platform (``/recordings`` routes, see
plugins/sandbox/sessions_api.py): upload a consistent copy, list, download.

The upload sends a snapshot made with SQLite's backup API, so a session still being recorded
(WAL not yet checkpointed) is shared as one consistent file. The copy carries no secret: a file
recorded before the stream key was kept out of recordings has it removed from the copy
(:func:`app.session.redact.redact_session_file`) before it leaves the machine.

A download never replaces anything: it is stored beside the local recordings under its own
name (:func:`download_name`: ``<name>.shared-<uploader>.livedesk`` — a file shared under its old
name, ``….livedesk-session.sqlite``, keeps that suffix), and a name is
taken only if neither the file nor a ``-wal``/``-shm``/``-journal`` of it exists (an orphan WAL
would be applied to the new file). It is streamed to a hidden temporary file (at most
:data:`MAX_DOWNLOAD_BYTES`), checked with :func:`app.session.safe_open.open_session` and only
then linked to its name (atomic, no overwrite): a failed or partial download leaves nothing
(and the temporary file of a console killed mid-download is swept a day later).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import sqlite3
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any

import httpx

from app.platform.errors import PlatformError
from app.session.redact import redact_session_file
from app.session.safe_open import SessionFileError, open_session
from app.session.schema import is_session_file, safe_name, split_name

MAX_DOWNLOAD_BYTES = 2 * 1024**3  # the platform's own limit on an upload
SHARED_MARK = ".shared-"
PART_PREFIX, PART_SUFFIX = ".download-", ".part"  # a download being written (hidden, not listed)
_SIDE_FILES = ("", "-wal", "-shm", "-journal")


def download_name(name: str, uploader: str | None) -> str:
    """The local name of a shared file: never the name of a local recording (its suffix kept)."""
    stem, suffix = split_name(name) or (name, "")
    return f"{stem}{SHARED_MARK}{safe_name(uploader or 'platform')[:20]}{suffix}"


def shared_by(path: Path) -> str | None:
    """The uploader's role of a downloaded file (from its name); None for a local recording."""
    stem = (split_name(path.name) or (path.name, ""))[0]
    i = stem.rfind(SHARED_MARK)
    return stem[i + len(SHARED_MARK) :] or None if i >= 0 else None


def _free(path: Path) -> bool:
    return not any(os.path.lexists(f"{path}{side}") for side in _SIDE_FILES)


def _same_bytes(a: Path, b: Path) -> bool:
    if a.stat().st_size != b.stat().st_size:
        return False
    digests = []
    for p in (a, b):
        h = hashlib.sha256()
        with p.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
        digests.append(h.digest())
    return digests[0] == digests[1]


def publish(tmp: Path, directory: Path, name: str) -> Path:
    """Give the checked temporary file ``tmp`` its name in ``directory`` without replacing
    anything: ``name``, or — when that (or a WAL of it) exists with other content —
    ``name`` with ``-2``, ``-3`` … before the suffix. The same bytes already there: that file."""
    stem, suffix = split_name(name) or (name, "")
    for i in range(1, 1000):
        dest = directory / (name if i == 1 else f"{stem}-{i}{suffix}")
        if dest.exists() and _same_bytes(dest, tmp):
            tmp.unlink()
            return dest
        if not _free(dest):
            continue
        try:
            os.link(tmp, dest)  # atomic, and fails if ``dest`` appeared meanwhile
        except FileExistsError:
            continue
        except OSError:  # a file system without hard links
            if not _free(dest):
                continue
            os.replace(tmp, dest)
            return dest
        tmp.unlink()
        return dest
    raise OSError(f"no free name for {name}")


def snapshot_copy(path: Path, dest: Path) -> Path:
    """A consistent single-file copy of a session file (works while it is being written; the
    source is opened read-only)."""
    src = sqlite3.connect(f"file:{urllib.parse.quote(str(path.resolve()))}?mode=ro", uri=True)
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

    async def download(self, name: str, directory: Path, uploader: str | None = None) -> Path:
        """Fetch the shared file ``name`` into ``directory`` beside the local recordings (module
        docstring): the path it was stored at. :class:`SessionFileError` if the file is not a
        session file this console reads (nothing is kept)."""
        if Path(name).name != name or not is_session_file(name):  # never outside ``directory``
            raise PlatformError("invalid_value", f"not a session file name: {name!r}")
        await asyncio.to_thread(directory.mkdir, parents=True, exist_ok=True)
        await asyncio.to_thread(sweep_stale_parts, directory)
        fd, tmp_name = tempfile.mkstemp(prefix=PART_PREFIX, suffix=PART_SUFFIX, dir=directory)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as fh:
                size = 0
                async with httpx.AsyncClient(timeout=self.timeout) as c:
                    async with c.stream("GET", f"{self.base}/{name}", headers=self.headers) as r:
                        if r.status_code >= 400:
                            await r.aread()
                            self._check(r)
                        async for chunk in r.aiter_bytes():
                            size += len(chunk)
                            if size > MAX_DOWNLOAD_BYTES:
                                raise SessionFileError("too_large", f"> {MAX_DOWNLOAD_BYTES} B")
                            fh.write(chunk)
            await asyncio.to_thread(_check_download, tmp)
            return await asyncio.to_thread(publish, tmp, directory, download_name(name, uploader))
        finally:
            await asyncio.to_thread(_discard, tmp)


STALE_PART_S = 24 * 3600.0


def sweep_stale_parts(directory: Path, older_than_s: float = STALE_PART_S) -> list[Path]:
    """Remove the temporary files of downloads cut short by a killed console (older than a
    day: a download still running elsewhere is never touched); the files removed."""
    gone = []
    now = time.time()
    for p in directory.glob(f"{PART_PREFIX}*{PART_SUFFIX}"):
        with contextlib.suppress(OSError):
            if now - p.stat().st_mtime > older_than_s:
                p.unlink()
                gone.append(p)
    return gone


def _discard(tmp: Path) -> None:
    """The temporary file of a download, gone (it already is once published)."""
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()


def _check_download(tmp: Path) -> None:
    conn, _meta = open_session(tmp, immutable=True)  # nothing writes it: no WAL, no -shm
    conn.close()
