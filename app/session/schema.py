"""The layout of one session file: a SQLite database (WAL) per live session.

Why these tables:

- ``event_blocks``: EVERY platform event, losslessly, in the wire format (one JSON object per line,
  ``{"seq", "ts", "type", "data"}``), zlib-compressed per writer batch. A 4-hour session of
  2,000,000 events is ~500 MB as plain JSON rows; compressed blocks keep the file far below that.
  Read back with :func:`app.session.replay.iter_events` (it yields typed events).
- ``comments`` and ``orders``: narrow tables for what replay queries ask often (around a moment,
  per product); ``orders`` holds the latest state of each order (keyed by id).
- ``per_sec``: counters pre-aggregated at write time (comments, orders, GMV, online …) so the
  timeline charts of a 4-hour session load from ~14,400 rows instead of millions.
- ``markers``: events caused by an operator (``data.actor``) and OBS scene switches — the
  timeline's "who did what".
- ``actions``: this console's own attempts (ok or refused, with latency), from ``ActionRecord``.
- ``entities``: the latest state of each coupon, flash sale, lottery and product.
- ``metrics``: the 1 Hz snapshot of the room's live metrics.
- ``obs``: OBS state changes (scene, stream/record state, dropped frames).
- ``meta``: room, session id, start/end, recording file, schema version, ``currency`` (of the
  orders and GMV: the room's catalogue) and ``gift_currency`` (of the viewers' money) — both
  ISO 4217, absent (CNY) in files written before them …
- ``changes`` (added within version 1, :data:`ADDED_DDL`): every operator's change as the room
  described it at ingest, with before → after (:mod:`app.session.actions`).
- ``per_sec_money`` (added within version 1): viewers' money besides orders and the new
  interaction kinds per second — gift value, paid messages (醒目留言) and their amount,
  memberships, shares — in the meta's ``gift_currency``; a row only for seconds that had any. A table of
  its own, not new ``per_sec`` columns, so files written before it still open (readers check
  ``per_sec``'s columns exactly); a file without it simply had none of these.
- ``local_events`` (added within version 1): events this console made itself — its own lottery
  among commenters (app/live/console_lottery.py: ``lottery_started`` / ``_entered`` / ``_drawn``,
  a blind box's pool and prizes included) and its quizzes (app/live/quiz.py: ``quiz_started`` /
  ``_updated`` / ``_revealed``; the last state also in ``entities`` kind ``quiz``), in the wire
  format's ``type`` and ``data``. Never in ``event_blocks``, which hold the platform's
  log keyed by its seq: a local event has no seq of its own. ``n`` numbers them in the order made;
  ``after_seq`` is the platform seq each one followed (its place among the platform's events).
  The lottery's state goes to ``entities`` like a platform lottery's (kind ``lottery``, ``seq``
  = ``after_seq``), so the replay verifies it the same way.

Tables added later (:data:`ADDED_TABLES`) may be missing from an older file; a console that does
not know them ignores them, so such an addition keeps :data:`SCHEMA_VERSION`.

File names (the one place that knows them): a new recording ends in :data:`SUFFIX` (``.livedesk``:
a final extension of its own, which Windows Explorer and macOS Launch Services — both look only
after the last dot — can associate with LiveDesk). Files named before it end in one of
:data:`OLD_SUFFIXES` (``.livedesk-session.sqlite``) and stay session files everywhere: listed,
opened, scored, shared and downloaded under their own names (:func:`is_session_file`,
:func:`session_files`, :func:`split_name`). Files being written (``CREATING_PREFIX`` … ``.part``,
a download's ``.download-`` … ``.part``) and SQLite's ``-wal``/``-shm``/``-journal`` end in neither,
so they are never listed.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

SCHEMA_VERSION = 1
#: the final extension of a new session file
SUFFIX = ".livedesk"
#: what session files were named before :data:`SUFFIX` (still read, listed and shared)
OLD_SUFFIXES = (".livedesk-session.sqlite",)
SUFFIXES = (SUFFIX, *OLD_SUFFIXES)

DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS event_blocks (
    first_seq INTEGER PRIMARY KEY,
    last_seq INTEGER NOT NULL,
    first_ts REAL NOT NULL,
    last_ts REAL NOT NULL,
    n INTEGER NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS event_blocks_ts ON event_blocks(first_ts);
CREATE TABLE IF NOT EXISTS comments (
    seq INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    user_id TEXT NOT NULL,
    nickname TEXT NOT NULL,
    text TEXT NOT NULL,
    kind INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS comments_ts ON comments(ts);
CREATE TABLE IF NOT EXISTS orders (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    created_ts REAL NOT NULL,
    updated_ts REAL NOT NULL,
    product_id TEXT NOT NULL,
    product_title TEXT NOT NULL,
    user_id TEXT NOT NULL,
    nickname TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    unit_price_cents INTEGER NOT NULL,
    amount_cents INTEGER NOT NULL,
    status TEXT NOT NULL,
    coupon_id TEXT,
    flash_sale_id TEXT
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS orders_created ON orders(created_ts);
CREATE INDEX IF NOT EXISTS orders_product ON orders(product_id, created_ts);
CREATE TABLE IF NOT EXISTS per_sec (
    sec INTEGER PRIMARY KEY,
    comments INTEGER NOT NULL DEFAULT 0,
    orders INTEGER NOT NULL DEFAULT 0,
    gmv_cents INTEGER NOT NULL DEFAULT 0,
    paid_orders INTEGER NOT NULL DEFAULT 0,
    paid_gmv_cents INTEGER NOT NULL DEFAULT 0,
    refunded_cents INTEGER NOT NULL DEFAULT 0,
    likes INTEGER NOT NULL DEFAULT 0,
    gifts INTEGER NOT NULL DEFAULT 0,
    follows INTEGER NOT NULL DEFAULT 0,
    events INTEGER NOT NULL DEFAULT 0,
    online INTEGER
);
CREATE TABLE IF NOT EXISTS markers (
    id INTEGER PRIMARY KEY,
    seq INTEGER,
    ts REAL NOT NULL,
    kind TEXT NOT NULL,
    role TEXT,
    token_id TEXT,
    product_id TEXT,
    label TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS actions (
    id INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    ok INTEGER NOT NULL,
    error TEXT,
    duration_ms REAL NOT NULL,
    args TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS entities (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    ts REAL NOT NULL,
    first_ts REAL NOT NULL,
    first_json TEXT NOT NULL,
    json TEXT NOT NULL,
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS metrics (
    sec INTEGER PRIMARY KEY,
    online INTEGER NOT NULL,
    uv INTEGER NOT NULL,
    likes INTEGER NOT NULL,
    comments INTEGER NOT NULL,
    orders INTEGER NOT NULL,
    gmv_cents INTEGER NOT NULL,
    paid_gmv_cents INTEGER NOT NULL,
    json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS obs (
    id INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL
);
"""


#: tables added after the first files of this version were written: created in every new (or
#: reopened) file, optional for readers (checked like the others when present)
ADDED_DDL = """
CREATE TABLE IF NOT EXISTS changes (
    id INTEGER PRIMARY KEY,
    seq INTEGER NOT NULL,
    ts REAL NOT NULL,
    role TEXT NOT NULL,
    token_id TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    before TEXT,
    after TEXT,
    text TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS local_events (
    n INTEGER PRIMARY KEY,
    after_seq INTEGER NOT NULL,
    ts REAL NOT NULL,
    type TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS per_sec_money (
    sec INTEGER PRIMARY KEY,
    gift_value_cents INTEGER NOT NULL DEFAULT 0,
    paid_messages INTEGER NOT NULL DEFAULT 0,
    paid_message_cents INTEGER NOT NULL DEFAULT 0,
    memberships INTEGER NOT NULL DEFAULT 0,
    shares INTEGER NOT NULL DEFAULT 0
);
"""
ADDED_TABLES = frozenset({"changes", "per_sec_money", "local_events"})

#: page cache of a reading connection (a replay jumps around a file of up to GBs)
READ_CACHE_KIB = 32_000


def connect(
    path: Path,
    *,
    create: bool = False,
    cache_kib: int = READ_CACHE_KIB,
    meta: dict[str, str] | None = None,
) -> sqlite3.Connection:
    """Open a session file for writing (WAL, synchronous=NORMAL); ``create`` makes the tables
    (a new file appears whole, with ``meta`` in it: see :func:`_create_whole`).

    For the recorder's own file only: every reader opens a file through
    :func:`app.session.safe_open.open_session` (read-only, checked), never through this.

    Opening read-write lets SQLite roll the WAL forward after a crash, so a file left by a
    killed console opens cleanly with every committed batch in it. ``cache_kib``: SQLite's page
    cache, which fills up to that size as a connection touches pages and stays full.
    """
    if not create and not path.exists():
        raise FileNotFoundError(path)
    if create and not path.exists():
        _create_whole(path, meta or {})
    conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA temp_store=MEMORY")
    conn.execute(f"PRAGMA cache_size={-int(cache_kib)}")
    if create:
        make_tables(conn)  # (an existing file: tables added since it was written)
    return conn


def make_tables(conn: sqlite3.Connection) -> None:
    """Every table this version knows (those missing only), and the schema version."""
    conn.executescript(DDL + ADDED_DDL)
    conn.execute(
        "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)",
        (str(SCHEMA_VERSION),),
    )


def write_meta(conn: sqlite3.Connection, meta: dict[str, str]) -> None:
    """``meta``'s keys set (replacing values the file had)."""
    conn.executemany(
        "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
        [(k, str(v)) for k, v in meta.items()],
    )


#: a session file being made (hidden: never listed, never read as a damaged session)
CREATING_PREFIX = ".creating-"


def _create_whole(path: Path, meta: dict[str, str]) -> None:
    """Make ``path`` with its tables and ``meta`` under a hidden name, then move it into place:
    a sessions list scanning the folder never sees a half-made file (0 bytes, no header, no
    start time) and calls the session that is starting damaged. A crash's leftover is replaced."""
    tmp = path.with_name(CREATING_PREFIX + path.name + ".part")  # (not a session file's name)
    for leftover in (tmp, tmp.with_name(tmp.name + "-wal"), tmp.with_name(tmp.name + "-shm")):
        leftover.unlink(missing_ok=True)
    conn = sqlite3.connect(str(tmp), isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        make_tables(conn)
        write_meta(conn, meta)
    finally:
        conn.close()  # the last connection: the WAL is checkpointed into the file and removed
    os.replace(tmp, path)


def split_name(name: str) -> tuple[str, str] | None:
    """``name`` as (stem, session suffix), or None if it is not a session file's name (a file
    being written, a WAL, anything else). The suffix is the file's own: old names keep theirs,
    and its case (Windows matches extensions whatever their case: ``X.LIVEDESK`` is one too)."""
    folded = name.lower()
    for suffix in SUFFIXES:
        if folded.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)], name[-len(suffix) :]
    return None


def stem(path: Path) -> str:
    """The name of ``path`` without its session suffix (the whole name if it has none)."""
    return (split_name(path.name) or (path.name, ""))[0]


def session_path(directory: Path, stem: str) -> Path:
    """The session file named ``stem`` in ``directory``: one that exists already (an old-named
    one included: a session continued after a restart keeps writing to its own file), else the
    new name (``stem`` + :data:`SUFFIX`)."""
    for suffix in SUFFIXES:
        p = directory / (stem + suffix)
        if p.exists():
            return p
    return directory / (stem + SUFFIX)


def is_session_file(path: Path | str) -> bool:
    """Whether ``path``'s name is a session file's, new (:data:`SUFFIX`) or old."""
    return split_name(Path(path).name) is not None


def session_files(directory: Path, stem_glob: str = "*") -> list[Path]:
    """The session files of ``directory`` of both kinds (sorted by name); ``stem_glob`` narrows
    them by the part before the suffix. Never a file being written or a WAL."""
    found = {p for suffix in SUFFIXES for p in directory.glob(stem_glob + suffix)}
    return sorted(p for p in found if is_session_file(p))


def safe_name(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in text)[:60] or "x"
