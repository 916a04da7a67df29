"""Secrets never written into a session file, an export or a shared copy.

The one secret a platform's data can carry is the live session's RTMP **stream key** (the host's:
whoever holds it can broadcast in the room). Platforms that follow docs/platform-api.md never put
it into events or snapshots; older ones (the sandbox before it was fixed) did, in
``session_started`` / ``session_ended``. So, whatever the platform sends:

- :func:`redact_line` takes it out of a wire line before the writer stores it
  (:mod:`app.session.writer`);
- :func:`redact_value` takes it out of an event's data before an export writes it
  (:mod:`app.session.report_csv`);
- :func:`redact_session_file` takes it out of a whole session file — one recorded before the fix —
  and leaves no copy of the old bytes in free pages; the share uploads only such a cleaned copy
  (:mod:`app.session.share`).

A secret field is removed (not replaced), so the result parses as the same event without it.
"""

from __future__ import annotations

import logging
import sqlite3
import zlib
from pathlib import Path
from typing import Any

import orjson

log = logging.getLogger(__name__)

#: what a line must contain to hold one (a cheap test before any parsing: the writer runs it
#: on every event it stores)
SECRET_MARK = b"stream_key"
#: fields of platform data that hold a secret, removed wherever they are nested
SECRET_FIELDS = frozenset({SECRET_MARK.decode()})


def has_secret(data: bytes) -> bool:
    return SECRET_MARK in data


def redact_value(value: Any) -> Any:
    """``value`` with every secret field removed, at any depth (a new object where changed)."""
    if isinstance(value, dict):
        return {k: redact_value(v) for k, v in value.items() if k not in SECRET_FIELDS}
    if isinstance(value, list):
        return [redact_value(v) for v in value]
    return value


def redact_line(line: bytes) -> bytes:
    """A JSON line without its secret fields (the same bytes when it has none)."""
    if not has_secret(line):
        return line
    try:
        return orjson.dumps(redact_value(orjson.loads(line)))
    except orjson.JSONDecodeError:
        return b"null"  # not JSON, yet names a secret: keep nothing of it


def _redact_text(text: str) -> str:
    return redact_line(text.encode()).decode()


def _redact_blocks(conn: sqlite3.Connection) -> int:
    changed = 0
    rows = conn.execute("SELECT first_seq, data FROM event_blocks").fetchall()
    for first_seq, blob in rows:
        raw = zlib.decompress(blob)
        if not has_secret(raw):
            continue
        clean = b"\n".join(redact_line(line) for line in raw.split(b"\n"))
        conn.execute(
            "UPDATE event_blocks SET data = ? WHERE first_seq = ?",
            (zlib.compress(clean, 1), first_seq),
        )
        changed += 1
    return changed


#: JSON text columns of a session file that hold platform data (see app/session/schema.py)
_JSON_COLUMNS = (
    ("entities", ("first_json", "json"), ("kind", "id")),
    ("actions", ("args",), ("id",)),
    ("obs", ("data",), ("id",)),
    ("metrics", ("json",), ("sec",)),
)


def redact_session_file(path: Path) -> int:
    """Remove every secret from the session file at ``path`` in place (meant for a copy: the
    share's snapshot, an export's source), then VACUUM so the old bytes are not left in free
    pages or the WAL. Returns how many rows were changed."""
    conn = sqlite3.connect(str(path), isolation_level=None)
    try:
        conn.execute("PRAGMA secure_delete=ON")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        changed = 0
        conn.execute("BEGIN")
        if "event_blocks" in tables:
            changed += _redact_blocks(conn)
        for table, cols, keys in _JSON_COLUMNS:
            if table not in tables:
                continue
            for col in cols:
                where = " AND ".join(f"{k} = ?" for k in keys)
                sel = f"SELECT {', '.join(keys)}, {col} FROM {table} WHERE instr({col}, ?)"
                for mark in SECRET_FIELDS:
                    for *ident, text in conn.execute(sel, (mark,)).fetchall():
                        conn.execute(
                            f"UPDATE {table} SET {col} = ? WHERE {where}",
                            (_redact_text(str(text)), *ident),
                        )
                        changed += 1
        if "meta" in tables:
            for mark in SECRET_FIELDS:
                conn.execute(
                    "DELETE FROM meta WHERE instr(key, ?) OR instr(value, ?)", (mark, mark)
                )
        conn.execute("COMMIT")
        if changed:
            log.info("removed %d secret(s) from %s", changed, path.name)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return changed
    finally:
        conn.close()
