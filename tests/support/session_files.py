"""Session files for tests, real ones: a valid recording, and crafted ones as a hostile peer
would share them (issue 13, D6). Importable from any test directory."""

from __future__ import annotations

import shutil
import sqlite3
import zlib
from collections.abc import Callable
from pathlib import Path

from app.session.schema import SUFFIX
from app.session.writer import SessionWriter
from tests.support.synth import products, session_events

T0 = 1_760_000_000.0


def valid(path: Path, *, total: int = 2_000, session_id: str = "s1") -> Path:
    """A real recording of a short synthetic session (closed cleanly)."""
    w = SessionWriter(path, {"room": "r1", "session_id": session_id, "started_ts": repr(T0)})
    w.put_products(products(), T0)
    for batch in session_events(total=total, hours=0.05, t0=T0):
        w.put_events(batch)
    w.close()
    return path


def _edit(path: Path, *sql: str, params: tuple[object, ...] = ()) -> Path:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for stmt in sql:
            conn.execute(stmt, params if "?" in stmt else ())
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return path


def recursive_view_orders(path: Path) -> Path:
    """``orders`` is a view over an endless recursive CTE: any query on it never returns."""
    valid(path)
    return _edit(
        path,
        "DROP TABLE orders",
        "CREATE VIEW orders AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)"
        " SELECT 'o' || x AS id, x AS seq, 1.0 AS created_ts, 1.0 AS updated_ts,"
        " 'p1' AS product_id, 't' AS product_title, 'u' AS user_id, 'n' AS nickname,"
        " 1 AS quantity, 1 AS unit_price_cents, 1 AS amount_cents, 'paid' AS status,"
        " NULL AS coupon_id, NULL AS flash_sale_id FROM c",
    )


def started_ts_one(path: Path) -> Path:
    """``started_ts='1'``: a timeline from 1970 to now is ~1.8 billion seconds of arrays."""
    valid(path)
    return _edit(path, "UPDATE meta SET value = '1' WHERE key = 'started_ts'")


def bomb_bytes(mib: int = 2048) -> bytes:
    """A valid zlib stream of ``mib`` MiB of zeros in ~1/1000 of that (deflate's best ratio),
    assembled from one fully flushed 1 MiB block repeated (seconds instead of compressing GiBs)."""
    c = zlib.compressobj(9)
    zeros = bytes(1 << 20)
    first = c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH)
    header = first[: len(first) - len(block)]
    n = mib << 20
    adler = ((n % 65521) << 16) | 1  # adler32 of n zero bytes
    return header + block * mib + b"\x03\x00" + adler.to_bytes(4, "big")


def zip_bomb_block(path: Path, mib: int = 2048) -> Path:
    """An event block of ~2 MB that inflates to ``mib`` MiB (2 GiB by default)."""
    valid(path)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        last = conn.execute("SELECT max(last_seq), max(last_ts) FROM event_blocks").fetchone()
        conn.execute(
            "INSERT INTO event_blocks VALUES (?, ?, ?, ?, 1, ?)",
            (last[0] + 1, last[0] + 1, last[1], last[1], bomb_bytes(mib)),
        )
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return path


def truncated(path: Path) -> Path:
    """A recording cut in half (a download or copy interrupted)."""
    valid(path, total=5_000)
    size = path.stat().st_size
    with path.open("r+b") as fh:
        fh.truncate(size // 2)
    return path


def not_sqlite(path: Path) -> Path:
    path.write_bytes(b"<html><body>not a session</body></html>\n" * 100)
    return path


def future_version(path: Path) -> Path:
    valid(path)
    return _edit(path, "UPDATE meta SET value = '2' WHERE key = 'schema_version'")


def trigger_and_view(path: Path) -> Path:
    """A view under a name no query reads, and a trigger: neither belongs in a session file."""
    valid(path)
    return _edit(
        path,
        "CREATE VIEW extra AS SELECT 1",
        "CREATE TRIGGER t AFTER INSERT ON meta BEGIN SELECT 1; END",
    )


#: crafted file → the SessionFileError code it must raise
CRAFTED: dict[str, tuple[Callable[[Path], Path], str]] = {
    "recursive_view": (recursive_view_orders, "bad_schema"),
    "started_ts_1": (started_ts_one, "out_of_bounds"),
    "truncated": (truncated, "truncated"),
    "not_sqlite": (not_sqlite, "not_sqlite"),
    "future_version": (future_version, "unsupported_version"),
    "trigger_and_view": (trigger_and_view, "bad_schema"),
}


def name(stem: str) -> str:
    return f"r1_{stem}_20251009-120000{SUFFIX}"


def copy(src: Path, dest: Path) -> Path:
    shutil.copyfile(src, dest)
    return dest
