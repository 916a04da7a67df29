"""Sharing recorded sessions through the platform (real sandbox server): an assistant uploads a
session recorded from the room; the reviewer lists it, downloads it and replays the same totals;
the reviewer cannot upload. A download never replaces a local recording (issue 13, D5), and a
failed or refused download leaves nothing behind."""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.live.room import LiveRoom
from app.platform.client import PlatformClient
from app.platform.errors import PlatformError
from app.session.recorder import SessionRecorder
from app.session.replay import SessionFile, scan_sessions
from app.session.safe_open import SessionFileError
from app.session.share import SessionShare, shared_by
from tests.support.polling import until
from tests.support.session_files import T0, name, valid

pytestmark = pytest.mark.slow


async def test_reviewer_lists_and_downloads_a_shared_session(
    sandbox_server: Callable[..., Any], tmp_path: Path
) -> None:
    srv = sandbox_server(viewers=200, seed=4, live=True, extra=["--rate", "200"])
    client = PlatformClient(srv.url, srv.room, srv.tokens["assistant"], role="assistant")
    room = LiveRoom(client)
    rec = SessionRecorder(room, tmp_path / "mine")
    room.start()
    await room.wait_loaded()
    rec.start()
    try:
        await until(lambda: rec.recording and room.metrics.orders > 0, 30, "orders recorded")
        await asyncio.sleep(2)
        path = rec.path
        assert path is not None
        # shared while still recording: a consistent snapshot is uploaded
        info = await SessionShare(srv.url, srv.room, srv.tokens["assistant"]).upload(path)
    finally:
        await rec.stop()
        await room.stop()
        await client.close()
    assert info["name"] == path.name and info["uploaded_by"] == "assistant"

    reviewer = SessionShare(srv.url, srv.room, srv.tokens["reviewer"])
    listed = await reviewer.list()
    assert [i["name"] for i in listed] == [path.name]
    got = await reviewer.download(path.name, tmp_path / "reviewer", "assistant")
    assert got.name.endswith(".shared-assistant.livedesk")
    with SessionFile(got) as f:
        shared = f.summary()
    assert shared.orders > 0 and shared.session_id == SessionFile(path).session_id
    assert shared.last_seq <= SessionFile(path).summary().last_seq

    with pytest.raises(PlatformError) as err:
        await reviewer.upload(got)
    assert err.value.status == 403


# A console recording the session, killed (SIGKILL) after its writer committed every batch:
# the file's last commits are only in its -wal (not checkpointed), as a killed console leaves it.
KILLED_WRITER = """
import os, signal, sqlite3, sys, time
from pathlib import Path
from tests.support.synth import products, session_events
from app.session.writer import SessionWriter

w = SessionWriter(Path(sys.argv[1]), {"room": "r1", "session_id": "s1", "started_ts": sys.argv[2]})
w.put_products(products(), float(sys.argv[2]))
n = 0
for batch in session_events(total=6000, hours=0.05, t0=float(sys.argv[2])):
    w.put_events(batch)
    n += len(batch)
# committed: what another connection reads (the writer counts a batch before its COMMIT)
reader = sqlite3.connect(sys.argv[1])
deadline = time.monotonic() + 120
held = 0
while held < n and time.monotonic() < deadline:
    time.sleep(0.01)
    held = reader.execute("SELECT coalesce(sum(n), 0) FROM event_blocks").fetchone()[0]
print(held, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def killed_recording(local: Path) -> int:
    """Record into ``local`` in a child process killed with SIGKILL; the events it committed."""
    run = subprocess.run(
        [sys.executable, "-c", KILLED_WRITER, str(local), repr(T0)],
        cwd=Path(__file__).resolve().parents[2],  # the repository: tests.support imports
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == -signal.SIGKILL, run.stderr
    written = int(run.stdout.split()[0])
    wal = Path(f"{local}-wal")
    assert written >= 5_000 and wal.stat().st_size > 0  # committed, not checkpointed
    return written


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_a_download_never_replaces_a_local_recording_nor_its_wal(
    sandbox_server: Callable[..., Any], tmp_path: Path
) -> None:
    """The reviewer's own recording of a session (a -wal left by a killed console), then a
    download of the same session: the local file keeps every row, untouched with its -wal;
    the download is stored beside it under its own name, and the list shows both."""
    srv = sandbox_server()
    mine = tmp_path / "reviewer"
    mine.mkdir()
    local = mine / name("s1")
    written = await asyncio.to_thread(killed_recording, local)
    wal = Path(f"{local}-wal")
    before = await asyncio.to_thread(lambda: {p.name: digest(p) for p in (local, wal)})

    # the host shares its own recording of the same session (same file name, other content)
    host_dir = tmp_path / "host"
    host_dir.mkdir()
    theirs = valid(host_dir / local.name, total=1_500)
    await SessionShare(srv.url, srv.room, srv.tokens["host"]).upload(theirs)

    reviewer = SessionShare(srv.url, srv.room, srv.tokens["reviewer"])
    [item] = await reviewer.list()
    got = await reviewer.download(item["name"], mine, item["uploaded_by"])
    assert got != local and got.parent == mine and shared_by(got) == "host"
    after = await asyncio.to_thread(lambda: {p.name: digest(p) for p in (local, wal)})
    assert after == before  # not a byte changed
    with SessionFile(local) as f:
        assert len(f.event_seqs()) == written
        assert f.summary().events == written
    with SessionFile(got) as f, SessionFile(theirs) as t:
        assert f.summary().events == t.summary().events < written
    # downloaded again: the same file, no second copy
    assert await reviewer.download(item["name"], mine, item["uploaded_by"]) == got
    summaries, bad = scan_sessions(mine)
    assert sorted(s.path.name for s in summaries) == sorted([local.name, got.name]) and not bad
    assert not [n for n in os.listdir(mine) if n.startswith(".download-")]  # no temp left


async def _serve_once(body: bytes, length: int) -> tuple[asyncio.Server, int]:
    """A real HTTP peer on a socket that announces ``length`` bytes and sends ``body``."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
            + f"Content-Length: {length}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


@pytest.mark.parametrize("cut", [True, False], ids=["cut-short", "not-a-session-file"])
async def test_a_failed_download_leaves_nothing(tmp_path: Path, cut: bool) -> None:
    good = valid(tmp_path / "src.livedesk-session.sqlite").read_bytes()
    body = good[: len(good) // 2] if cut else b"SQLite format 3\x00" + bytes(4096)
    server, port = await _serve_once(body, len(good) if cut else len(body))
    folder = tmp_path / "sessions"
    try:
        share = SessionShare(f"http://127.0.0.1:{port}", "r1", "token")
        with pytest.raises(httpx.HTTPError if cut else SessionFileError):
            await share.download(name("s1"), folder, "host")
    finally:
        server.close()
        await server.wait_closed()
    assert os.listdir(folder) == []


def test_the_temporary_file_of_a_download_cut_by_a_kill_is_swept_later(tmp_path: Path) -> None:
    from app.session.share import sweep_stale_parts

    old = tmp_path / ".download-abc.part"
    fresh = tmp_path / ".download-def.part"  # a download running right now: left alone
    for p in (old, fresh):
        p.write_bytes(b"SQLite format 3\x00")
    os.utime(old, (1, 1))
    assert sweep_stale_parts(tmp_path) == [old]
    assert sorted(os.listdir(tmp_path)) == [fresh.name]
