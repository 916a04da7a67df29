"""No secret in a session file even when the platform sends one (an older platform put the RTMP
stream key into every ``session_started`` / ``session_ended``): the writer stores the platform's
own lines without it, and cleaning an old file leaves no copy of it in the file's free pages."""

from __future__ import annotations

import sqlite3
import zlib
from pathlib import Path

import orjson

from app.platform import models as m
from app.session.replay import SessionFile
from app.session.writer import SessionWriter, encode_event
from tests.support.synth import products, session_events

T0 = 1_760_000_000.0
KEY = "r1-s1-0123456789abcdef"


def every_byte(path: Path) -> bytes:
    """The file, its -wal, and every event block decompressed."""
    out = [p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists()]
    conn = sqlite3.connect(path)
    out += [zlib.decompress(b) for (b,) in conn.execute("SELECT data FROM event_blocks")]
    conn.close()
    return b"\n".join(out)


def wire_with_key(events: list[m.Event]) -> list[bytes]:
    """The lines an older platform sent: the session events carry the stream key."""
    wire = []
    for e in events:
        obj = orjson.loads(encode_event(e))
        if "session" in obj["data"]:
            obj["data"]["session"]["stream_key"] = KEY
        wire.append(orjson.dumps(obj))
    return wire


def test_the_writer_stores_the_platforms_lines_without_the_stream_key(tmp_path: Path) -> None:
    events = [e for b in session_events(total=2_000, hours=0.02, t0=T0) for e in b]
    wire = wire_with_key(events)
    assert sum(KEY.encode() in w for w in wire) == 2  # started and ended
    path = tmp_path / "old-platform.livedesk-session.sqlite"
    w = SessionWriter(path, {"room": "r1", "session_id": "s1", "started_ts": repr(T0)})
    w.put_products(products(), T0)
    w.put_events(m.EventBatch(events, wire))
    assert KEY.encode() not in every_byte(path)  # while open: the -wal holds the batches
    w.close()
    assert KEY.encode() not in every_byte(path)
    with SessionFile(path) as f:
        raw = list(f.iter_raw_events())
        assert len(raw) == len(events)
        started = raw[0]
        assert started["type"] == "session_started"
        assert started["data"]["session"]["rtmp_url"] is None  # the rest of the line is kept
        assert "stream_key" not in started["data"]["session"]
        assert raw[5] == orjson.loads(wire[5])  # other lines: the platform's own


def test_cleaning_a_file_recorded_before_the_fix_leaves_no_trace(tmp_path: Path) -> None:
    from app.session.redact import redact_session_file

    events = [e for b in session_events(total=2_000, hours=0.02, t0=T0) for e in b]
    path = tmp_path / "old.livedesk-session.sqlite"
    w = SessionWriter(path, {"room": "r1", "session_id": "s1", "started_ts": repr(T0)})
    w.put_events(events)
    w.close()
    conn = sqlite3.connect(path)  # what the recorder before the fix left: the key in the log
    with conn:
        for first, blob in conn.execute("SELECT first_seq, data FROM event_blocks").fetchall():
            lines = zlib.decompress(blob).split(b"\n")
            fixed = [
                orjson.dumps(
                    {
                        **ev,
                        "data": {
                            **ev["data"],
                            "session": {**ev["data"]["session"], "stream_key": KEY},
                        },
                    }
                )
                if "session" in (ev := orjson.loads(line))["data"]
                else line
                for line in lines
            ]
            conn.execute(
                "UPDATE event_blocks SET data=? WHERE first_seq=?",
                (zlib.compress(b"\n".join(fixed), 0), first),  # stored: a key in plain bytes
            )
    conn.close()
    assert KEY.encode() in path.read_bytes()
    assert redact_session_file(path) >= 1  # the rows it changed
    assert redact_session_file(path) == 0  # nothing left to clean
    assert KEY.encode() not in every_byte(path)  # freed pages too (VACUUM)
    with SessionFile(path) as f:
        assert [e.seq for e in f.iter_events()] == [e.seq for e in events]
