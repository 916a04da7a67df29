"""The live session's RTMP stream key is the host's secret (issue 13, D4).

Against the real sandbox server: only the host's token gets the key (its own route); a reviewer
or an assistant finds it in no snapshot, room info or event — not even from a database written
before the key became private. A host console recording a session stores the key nowhere in the
session file (raw bytes, the -wal, and every compressed event block), exports it nowhere, and
logs it nowhere. A file recorded before the fix is cleaned when it is shared or exported.
"""

from __future__ import annotations

import logging
import sqlite3
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from app.session.replay import SessionFile
from app.session.report import write_html
from app.session.report_csv import write_csv
from app.session.share import SessionShare
from tests.support.polling import until
from tests.support.recording_rig import recording_host

pytestmark = pytest.mark.slow


def start_session(srv: Any) -> tuple[str, str]:
    """POST /sessions as the host → (session id, the key), the key from wherever it is given."""
    with srv.client("host") as host:
        r = host.post("/sessions")
        r.raise_for_status()
        body = r.json()
        key = body.get("stream_key")  # the sandbox before the fix gave it here (and everywhere)
        if key is None:
            t = host.get(f"/sessions/{body['id']}/stream-target")
            t.raise_for_status()
            key = t.json()["stream_key"]
    assert isinstance(key, str) and len(key) >= 12
    return str(body["id"]), key


def what_role_sees(srv: Any, role: str) -> str:
    """Everything ``role`` can read about the room: snapshot, room info, the whole event log."""
    with srv.client(role) as c:
        parts = [c.get("/snapshot").text, c.get("").text]
    parts += [orjson.dumps(e).decode() for e in srv.read_events(0, role=role)]
    return "\n".join(parts)


def test_the_stream_key_reaches_the_host_alone(sandbox_server: Callable[..., Any]) -> None:
    srv = sandbox_server(viewers=20, seed=3, extra=["--rate", "50"])
    sid, key = start_session(srv)
    for role in ("reviewer", "assistant"):
        seen = what_role_sees(srv, role)
        assert "session_started" in seen  # the session is there…
        assert key not in seen, f"the {role} received the stream key"  # …its key is not
        assert "stream_key" not in seen
        with srv.client(role) as c:
            r = c.get(f"/sessions/{sid}/stream-target")
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    with srv.client("host") as host:
        r = host.get(f"/sessions/{sid}/stream-target")
        assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
        assert r.json() == {"session_id": sid, "rtmp_url": r.json()["rtmp_url"], "stream_key": key}
        assert host.get("/sessions/nope/stream-target").status_code == 404
        host.post(f"/sessions/{sid}/end").raise_for_status()
        r = host.get(f"/sessions/{sid}/stream-target")  # an ended session has no target
        assert r.status_code == 409 and r.json()["error"]["code"] == "session_ended"
    # the session_ended event carries no key either, for any role
    assert key not in what_role_sees(srv, "reviewer")
    assert key not in what_role_sees(srv, "host")
    assert key not in srv.log()


def test_a_database_from_before_the_fix_no_longer_shows_the_key(
    sandbox_server: Callable[..., Any],
) -> None:
    """A sandbox.db written by the older sandbox has the key in its sessions and in the logged
    session_started event; after a restart the reviewer's replay of the log has none."""
    srv = sandbox_server()
    sid, _ = start_session(srv)
    srv.stop()
    old_key = "rOLD-s1-0123456789ab"
    db = sqlite3.connect(srv.db)
    with db:  # what the older sandbox wrote
        (body,) = db.execute(
            "SELECT body FROM entities WHERE kind='session' AND id=?", (sid,)
        ).fetchone()
        session = {k: v for k, v in orjson.loads(body).items() if k != "_stream_key"}
        session["stream_key"] = old_key
        db.execute(
            "UPDATE entities SET body=? WHERE kind='session' AND id=?",
            (orjson.dumps(session), sid),
        )
        db.execute(
            "UPDATE events SET body=json_set(body, '$.data.session.stream_key', ?)"
            " WHERE type='session_started'",
            (old_key,),
        )
    db.close()
    srv.start()
    assert old_key not in what_role_sees(srv, "reviewer")
    with srv.client("host") as host:  # the host still gets its key, on its route
        assert host.get(f"/sessions/{sid}/stream-target").json()["stream_key"] == old_key


def secret_places(path: Path) -> bytes:
    """Every byte of a session file a reader could get: the file, its -wal and -shm, and every
    event block decompressed (zlib would hide a key from a plain grep of the file)."""
    out = [p.read_bytes() for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        out += [zlib.decompress(b) for (b,) in conn.execute("SELECT data FROM event_blocks")]
        for table in ("meta", "entities", "actions", "obs", "markers", "metrics"):
            out += [orjson.dumps(r) for r in conn.execute(f"SELECT * FROM {table}")]
    finally:
        conn.close()
    return b"\n".join(out)


async def test_a_recorded_host_session_holds_exports_and_logs_no_stream_key(
    sandbox_server: Callable[..., Any], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    srv = sandbox_server(viewers=30, seed=5, extra=["--rate", "100"])
    async with recording_host(srv, tmp_path / "sessions") as (room, rec):
        session = await room.start_session()
        await until(lambda: rec.recording, 20, "recording")
        key = getattr(session, "stream_key", None)  # before the fix: in the session itself
        if key is None:
            target = await room.adapter.stream_target(session.id)
            key = target.stream_key.get_secret_value()
            assert key not in repr(target)  # a SecretStr: never in a repr or a log line
        await room.explain(room.product_ids[0])
        await until(lambda: room.metrics.comments > 5, 30, "some audience")
        path = rec.path
        assert path is not None
        assert key.encode() not in secret_places(path)  # while it is written (the -wal too)
        await room.end_session()
        await until(lambda: not rec.recording, 20, "the file to close")
    assert key.encode() not in secret_places(path)
    with SessionFile(path) as f:
        assert f.summary().session_id == session.id
        exported = write_csv(f, tmp_path / "csv")
        exported.append(write_html(f, tmp_path / "report.html", with_keywords=False))
    for out in exported:
        assert key not in out.read_text(encoding="utf-8-sig"), out.name
    assert caplog.records and key not in caplog.text
    assert key not in srv.log()
    for token in srv.tokens.values():  # nor a token, in the console's logs or the platform's
        assert token not in caplog.text and token not in srv.log()


def recorded_before_the_fix(path: Path, key: str) -> None:
    """Put the key back where the recorder before the fix left it: in the session_started line
    of the compressed event log."""
    conn = sqlite3.connect(path)
    with conn:
        first_seq, blob = conn.execute(
            "SELECT first_seq, data FROM event_blocks ORDER BY first_seq LIMIT 1"
        ).fetchone()
        lines = zlib.decompress(blob).split(b"\n")
        for i, line in enumerate(lines):
            ev = orjson.loads(line)
            if ev["type"] == "session_started":
                ev["data"]["session"]["stream_key"] = key
                lines[i] = orjson.dumps(ev)
        conn.execute(
            "UPDATE event_blocks SET data=? WHERE first_seq=?",
            (zlib.compress(b"\n".join(lines)), first_seq),
        )
    conn.close()


async def test_a_file_recorded_before_the_fix_is_shared_and_exported_without_the_key(
    sandbox_server: Callable[..., Any], tmp_path: Path
) -> None:
    srv = sandbox_server()
    async with recording_host(srv, tmp_path / "sessions") as (room, rec):
        await room.start_session()
        await until(lambda: rec.recording, 20, "recording")
        await room.explain(room.product_ids[0])
        await room.end_session()
        await until(lambda: not rec.recording, 20, "the file to close")
    [path] = rec.files
    key = "rOLD-s1-feedfacecafe"
    recorded_before_the_fix(path, key)
    assert key.encode() in secret_places(path)  # the old file does hold it

    with SessionFile(path) as f:  # exported: events.csv leaves it out
        events_csv = write_csv(f, tmp_path / "csv")[0]
    text = events_csv.read_text(encoding="utf-8-sig")
    assert "session_started" in text and key not in text

    # shared: the uploaded copy is cleaned; the reviewer downloads no key
    await SessionShare(srv.url, srv.room, srv.tokens["host"]).upload(path)
    async with httpx.AsyncClient(headers=srv.headers("reviewer"), timeout=30) as http:
        r = await http.get(srv.api(f"/recordings/{path.name}"))
    assert r.status_code == 200 and r.content.startswith(b"SQLite format 3")
    got = tmp_path / "reviewer" / path.name
    got.parent.mkdir()
    got.write_bytes(r.content)
    assert key.encode() not in secret_places(got)
    with SessionFile(got) as f:  # and the copy is still the whole session
        types = [e["type"] for e in f.iter_raw_events()]
        assert types[0] == "session_started" and types[-1] == "session_ended"
        assert f.summary().session_id == SessionFile(path).session_id
