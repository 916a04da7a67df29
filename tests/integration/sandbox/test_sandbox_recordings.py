"""Shared recording uploads on the real sandbox server (issue 13, D11 and D15): a failed upload
leaves nothing behind, two uploads of one name never answer 200 for content that is not stored,
names are matched whole, and the files are the owner's only."""

from __future__ import annotations

import contextlib
import socket
import stat
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.support.polling import until_sync

NAME = "r1_s1_20261203.livedesk-session.sqlite"
MAGIC = b"SQLite format 3\x00"


def folder(srv: Any) -> Path:
    return srv.db.with_name(srv.db.name + "-recordings")


def start_raw_upload(srv: Any, name: str, total: int, first: bytes) -> socket.socket:
    """A PUT that sends its headers and the first bytes, then waits (a slow or dying client)."""
    url = urlsplit(srv.url)
    sock = socket.create_connection((url.hostname, url.port), timeout=10)
    head = (
        f"PUT /api/v1/rooms/{srv.room}/recordings/{name} HTTP/1.1\r\n"
        f"Host: {url.netloc}\r\nAuthorization: Bearer {srv.tokens['host']}\r\n"
        f"Content-Type: application/octet-stream\r\nContent-Length: {total}\r\n\r\n"
    ).encode()
    sock.sendall(head + first)
    return sock


def parts(srv: Any) -> list[Path]:
    d = folder(srv)
    return [p for p in d.iterdir() if p.name.endswith(".part")] if d.exists() else []


def test_a_name_ending_in_a_newline_is_refused(sandbox_server: Any) -> None:
    srv = sandbox_server()
    c = srv.client()
    for bad in (NAME + "%0A", NAME + "%0a", "..%2F" + NAME, "a b" + NAME):
        r = c.put(f"/recordings/{bad}", content=MAGIC + b"x")
        assert r.status_code in (404, 422), (bad, r.status_code)
        if r.status_code == 422:
            assert r.json()["error"]["field"] == "name"
    assert c.get("/recordings").json() == []


def test_recordings_of_both_names_are_stored_listed_and_downloaded(sandbox_server: Any) -> None:
    """A recording named ``….livedesk`` (since it has a final extension of its own) and one
    named as before (``….livedesk-session.sqlite``) are both shared under their own names; a
    name that is neither is refused."""
    srv = sandbox_server()
    c = srv.client()
    new = "r1_s2_20261204-200000.livedesk"
    for name, body in ((NAME, MAGIC + b"old"), (new, MAGIC + b"new")):
        r = c.put(f"/recordings/{name}", content=body)
        assert r.status_code == 200 and r.json()["name"] == name, r.text
    assert sorted(i["name"] for i in c.get("/recordings").json()) == sorted([NAME, new])
    assert c.get(f"/recordings/{NAME}").content == MAGIC + b"old"
    assert c.get(f"/recordings/{new}").content == MAGIC + b"new"
    for bad in (
        "r1.sqlite",
        "r1.livedesk.sqlite",
        "r1.livedesk-session",
        "r1.livedeskx",
        ".livedesk",
    ):
        r = c.put(f"/recordings/{bad}", content=MAGIC + b"x")
        assert r.status_code == 422 and r.json()["error"]["field"] == "name", (bad, r.text)
    assert len(c.get("/recordings").json()) == 2


def test_an_upload_cut_off_leaves_no_part_file(sandbox_server: Any) -> None:
    srv = sandbox_server()
    sock = start_raw_upload(srv, NAME, 10 * 1024 * 1024, MAGIC + b"\0" * 65536)
    until_sync(lambda: parts(srv), 10, "the upload to start")
    sock.close()  # the client goes away mid-upload
    until_sync(lambda: not parts(srv), 10, "the .part file to be removed")
    assert srv.client().get("/recordings").json() == []
    # refused bodies leave nothing either
    assert srv.client().put(f"/recordings/{NAME}", content=b"not sqlite").status_code == 422
    assert parts(srv) == []


def test_two_uploads_of_one_name_never_answer_200_for_other_content(sandbox_server: Any) -> None:
    srv = sandbox_server()
    c = srv.client()
    first = MAGIC + b"A" * 200_000
    second = MAGIC + b"B" * 1000
    sock = start_raw_upload(srv, NAME, len(first), first[:100_000])
    try:
        until_sync(lambda: parts(srv), 10, "the first upload to start")
        r = c.put(f"/recordings/{NAME}", content=second)
        assert r.status_code == 409, r.text
        assert r.json()["error"]["code"] == "upload_in_progress"
        sock.sendall(first[100_000:])
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(65536)
            assert chunk, "connection closed without an answer"
            answer += chunk
        assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
    finally:
        sock.close()
    assert c.get(f"/recordings/{NAME}").content == first
    r = c.put(f"/recordings/{NAME}", content=second)  # once the first is done: replaced
    assert r.status_code == 200 and r.json()["size"] == len(second)
    assert c.get(f"/recordings/{NAME}").content == second
    assert parts(srv) == []


def test_recordings_and_the_database_are_the_owners_only(sandbox_server: Any) -> None:
    srv = sandbox_server()
    assert srv.client().put(f"/recordings/{NAME}", content=MAGIC + b"x").status_code == 200
    d = folder(srv)
    assert stat.S_IMODE(d.stat().st_mode) == 0o700
    for p in d.iterdir():
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p.name
    for suffix in ("", "-wal", "-shm"):
        p = srv.db.with_name(srv.db.name + suffix)
        if p.exists():
            assert stat.S_IMODE(p.stat().st_mode) == 0o600, p.name


def test_the_token_is_not_on_the_command_line(sandbox_server: Any) -> None:
    srv = sandbox_server()
    cmdline = Path(f"/proc/{srv.proc.pid}/cmdline").read_bytes()
    for token in srv.tokens.values():
        assert token.encode() not in cmdline
    assert httpx.get(srv.api(), headers=srv.headers("reviewer"), timeout=10).status_code == 200


def test_a_real_full_disk_is_reported_and_recovered_from(
    sandbox_server: Any, tmp_path: Path
) -> None:
    """The sandbox on a 4 MiB tmpfs (root only; skipped elsewhere): an upload larger than the
    disk is refused 507 and gives its space back; an order on the full disk is refused 507 and
    changes nothing; once space returns both work, with no restart and no seq hole."""
    import subprocess

    mnt = tmp_path / "small"
    mnt.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mnt)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        srv = sandbox_server(db=mnt / "sandbox.db")
        c = srv.client()
        r = c.put(f"/recordings/{NAME}", content=MAGIC + b"\0" * (6 * 1024 * 1024))
        assert r.status_code == 507, r.text
        assert r.json()["error"]["code"] == "storage_full"
        assert parts(srv) == []
        stock = c.get("/products/p06").json()["stock"]
        filler = mnt / "filler"
        with filler.open("wb", buffering=0) as fh:  # fill the disk to the last byte
            with contextlib.suppress(OSError):
                while True:
                    fh.write(b"\0" * 65536)
            with contextlib.suppress(OSError):
                while True:
                    fh.write(b"\0" * 512)
        refused = 0
        for i in range(200):
            r = c.post("/orders", json={"user_id": f"u{i}", "product_id": "p06"})
            if r.status_code == 507:
                refused += 1
                break
            assert r.status_code == 200, r.text
            stock -= 1
        assert refused, "orders kept being stored on a full disk"
        assert r.json()["error"]["code"] == "storage_full"
        assert c.get("/products/p06").json()["stock"] == stock
        filler.unlink()  # space returns
        assert c.post("/orders", json={"user_id": "late", "product_id": "p06"}).status_code == 200
        assert c.get("/products/p06").json()["stock"] == stock - 1
        assert c.put(f"/recordings/{NAME}", content=MAGIC + b"x").status_code == 200
        last = srv.last_seq()
        assert [e["seq"] for e in srv.read_events(0, until_seq=last)] == list(range(1, last + 1))
        srv.close()
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)
