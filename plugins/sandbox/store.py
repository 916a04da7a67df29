"""SQLite persistence of one sandbox room: event log, entity state, orders, idempotency records.

The engine calls :meth:`Store.commit` once per tick (and once per operator action) with everything
that changed since the last commit, so each batch is one transaction. WAL + synchronous=NORMAL
survives a SIGKILL of the process: a committed event is never lost, so a seq is never reused.
A commit is all or nothing: a failure (SQLITE_FULL, unserialisable values) writes nothing.
The database and its -wal/-shm are owner-only (0600): they hold the room's tokens, which must
survive a restart (the start line prints them again), so they are stored as they are.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY, ts REAL NOT NULL, type TEXT NOT NULL, body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS entities (
    kind TEXT NOT NULL, id TEXT NOT NULL, body BLOB NOT NULL, PRIMARY KEY (kind, id)
);
CREATE TABLE IF NOT EXISTS orders (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, body BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS orders_seq ON orders (seq);
CREATE TABLE IF NOT EXISTS idempotency (
    token_id TEXT NOT NULL, key TEXT NOT NULL, ts REAL NOT NULL,
    status INTEGER NOT NULL, body BLOB NOT NULL, PRIMARY KEY (token_id, key)
);
"""

IDEMPOTENCY_KEEP_S = 48 * 3600.0
BUSY_TIMEOUT_S = 0.2  # the contract promises at least 24 h


@dataclass(slots=True)
class Batch:
    """Everything to write in one transaction."""

    events: list[tuple[int, float, str, str]] = field(default_factory=list)
    entities: dict[tuple[str, str], Any] = field(default_factory=dict)
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    idempotency: list[tuple[str, str, float, int, bytes]] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)

    def empty(self) -> bool:
        return not (self.events or self.entities or self.orders or self.idempotency or self.meta)


def make_private(path: Path) -> None:
    """The database holds the room's tokens: owner-only (0600), its -wal and -shm too (SQLite
    gives those the database file's mode; an older, looser file is tightened)."""
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with contextlib.suppress(FileNotFoundError):
            if stat.S_IMODE(p.stat().st_mode) & 0o077:
                os.chmod(p, 0o600)


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        make_private(path)
        # a lock held by another process (a database tool) fails a commit quickly (503, rolled
        # back) instead of blocking the server's one event loop for seconds per attempt
        self.db = sqlite3.connect(
            path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_S
        )
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        make_private(path)  # the -wal and -shm just made

    def close(self) -> None:
        self.db.close()

    # --- writes ------------------------------------------------------------------------------
    def commit(self, batch: Batch) -> None:
        """Write the batch in one transaction. Every value is serialised first (an
        ``orjson.JSONEncodeError`` leaves the database untouched); a failed write (``sqlite3.Error``,
        e.g. SQLITE_FULL) is rolled back whole."""
        entities = [(k, i, orjson.dumps(v)) for (k, i), v in batch.entities.items()]
        orders = [(o["id"], o["seq"], orjson.dumps(o)) for o in batch.orders.values()]
        db = self.db
        db.execute("BEGIN")
        try:
            if batch.events:
                db.executemany("INSERT INTO events VALUES (?, ?, ?, ?)", batch.events)
            if entities:
                db.executemany("INSERT OR REPLACE INTO entities VALUES (?, ?, ?)", entities)
            if orders:
                db.executemany("INSERT OR REPLACE INTO orders VALUES (?, ?, ?)", orders)
            if batch.idempotency:
                db.executemany(
                    "INSERT OR REPLACE INTO idempotency VALUES (?, ?, ?, ?, ?)", batch.idempotency
                )
            if batch.meta:
                db.executemany(
                    "INSERT OR REPLACE INTO meta VALUES (?, ?)", list(batch.meta.items())
                )
            db.execute("COMMIT")
        except BaseException:
            # SQLite may already have rolled back by itself (SQLITE_FULL can): never let the
            # ROLLBACK's own error hide the real one
            if db.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    db.execute("ROLLBACK")
            raise

    def redact_stream_keys(self) -> int:
        """Take the stream key out of session events logged before it became private (a
        database from an older sandbox): the log is replayed to every role. Returns the number
        of events changed."""
        cur = self.db.execute(
            "UPDATE events SET body = json_remove(body, '$.data.session.stream_key')"
            " WHERE type IN ('session_started', 'session_ended')"
            " AND json_type(body, '$.data.session.stream_key') IS NOT NULL"
        )
        return cur.rowcount

    def prune_events(self, keep_after_seq: int) -> None:
        """Drop events with seq <= keep_after_seq (log retention)."""
        self.db.execute("DELETE FROM events WHERE seq <= ?", (keep_after_seq,))

    def prune_idempotency(self, now: float) -> None:
        self.db.execute("DELETE FROM idempotency WHERE ts < ?", (now - IDEMPOTENCY_KEEP_S,))

    # --- reads -------------------------------------------------------------------------------
    def meta(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT key, value FROM meta").fetchall())

    def entities(self, kind: str) -> list[Any]:
        rows = self.db.execute("SELECT body FROM entities WHERE kind = ?", (kind,)).fetchall()
        return [orjson.loads(r[0]) for r in rows]

    def last_seq(self) -> int:
        row = self.db.execute("SELECT MAX(seq) FROM events").fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def first_seq(self) -> int:
        row = self.db.execute("SELECT MIN(seq) FROM events").fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def events_after(self, after_seq: int, limit: int) -> list[tuple[int, str]]:
        rows = self.db.execute(
            "SELECT seq, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?", (after_seq, limit)
        ).fetchall()
        return [(int(s), str(b)) for s, b in rows]

    def event(self, seq: int) -> tuple[str, str] | None:
        row = self.db.execute("SELECT type, body FROM events WHERE seq = ?", (seq,)).fetchone()
        return (str(row[0]), str(row[1])) if row else None

    def order(self, order_id: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT body FROM orders WHERE id = ?", (order_id,)).fetchone()
        return orjson.loads(row[0]) if row else None

    def orders_after(self, after_seq: int, limit: int) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT body FROM orders WHERE seq > ? ORDER BY seq, id LIMIT ?", (after_seq, limit)
        ).fetchall()
        return [orjson.loads(r[0]) for r in rows]

    def idempotent(self, token_id: str, key: str) -> tuple[int, bytes, str | None] | None:
        """The record of ``key``: ``(status, body, fingerprint)``. A record's key column is
        ``key + "\\n" + fingerprint`` (of the request it answered; a header value holds no
        newline); records written before fingerprints existed have none (``None``)."""
        row = self.db.execute(
            "SELECT status, body, key FROM idempotency WHERE token_id = ? AND"
            " (key = ? OR (key >= ? AND key < ?)) LIMIT 1",
            (token_id, key, key + "\n", key + "\x0b"),
        ).fetchone()
        if not row:
            return None
        stored = str(row[2])
        return int(row[0]), bytes(row[1]), stored[len(key) + 1 :] if stored != key else None
