"""The one way to open a session file for reading: a file may come from anywhere (a shared
recording, a copy on a USB stick), so it is untrusted input until it passes these checks.

:func:`open_session` guarantees, before it returns a connection:

- the file is SQLite (header magic, a valid page size, not shorter than its header says);
- it is opened read-only (``mode=ro`` URI; ``query_only``), with ``trusted_schema=OFF`` and
  ``cell_size_check=ON``, and a length limit on any string or blob (:data:`MAX_VALUE_BYTES`);
- every statement runs under a time limit: a progress handler interrupts it past its deadline
  (:class:`GuardedConnection` arms a fresh :data:`QUERY_S` budget at each ``execute``), so no
  query on the file can hang the thread that runs it;
- the schema is the one :mod:`app.session.schema` writes: no view and no trigger anywhere,
  every expected table a real table (not virtual) with exactly the expected columns (none
  generated), and ``schema_version`` one this console reads (a future version is refused);
- the values the replay turns into sizes stay in bounds: the start is a sane Unix time, the
  end after it and at most :data:`MAX_DURATION_S` later, the per-second timeline inside that
  window (so the arrays built from it stay small), every timestamp column finite and in range,
  the tables it loads whole below :data:`MAX_LIST_ROWS` rows.

Anything else is a :class:`SessionFileError` (a ``ValueError``) with a ``code`` and a message in
the user's language (:meth:`SessionFileError.message`). Event blocks are inflated with
:func:`inflate_block`, capped at :data:`MAX_BLOCK_BYTES`.
"""

from __future__ import annotations

import functools
import math
import sqlite3
import time
import urllib.parse
import zlib
from pathlib import Path
from typing import Any

from app.i18n import tr
from app.session import schema

#: the time limit of opening and checking a file
OPEN_DEADLINE_S = 10.0
#: the time limit of any one statement afterwards (a validated file's queries take far less)
QUERY_S = 30.0
#: SQLite's limit on any one string or blob read from the file
MAX_VALUE_BYTES = 64 * 1024**2
#: the decompressed size of one event block (the writer's blocks hold at most 20,000 events)
MAX_BLOCK_BYTES = 64 * 1024**2
#: sessions longer than this are refused: the timeline holds one array entry per second
MAX_DURATION_S = 48 * 3600.0
#: how far before the start events may lie (a console joining a session back-fills them)
LEAD_S = 3600.0
#: rows of the tables read whole into lists (markers, entities, actions, obs)
MAX_LIST_ROWS = 1_000_000
MIN_TS = 946_684_800.0  # 2000-01-01
MAX_TS = 4_102_444_800.0  # 2100-01-01
SQLITE_MAGIC = b"SQLite format 3\x00"
VIDEO_SUFFIXES = (".mp4", ".mkv", ".mov", ".flv", ".ts", ".m4v", ".webm")

# timestamp columns checked for range: table → columns
_TS_COLUMNS: dict[str, tuple[str, ...]] = {
    "event_blocks": ("first_ts", "last_ts"),
    "comments": ("ts",),
    "orders": ("created_ts", "updated_ts"),
    "markers": ("ts",),
    "actions": ("ts",),
    "entities": ("ts", "first_ts"),
    "metrics": ("sec",),
    "obs": ("ts",),
    "changes": ("ts",),
    "local_events": ("ts",),
}
_LISTED = ("markers", "entities", "actions", "obs", "changes", "local_events")


class SessionFileError(ValueError):
    """A session file this console will not read; ``code`` says why (see :meth:`message`)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail

    def message(self) -> str:
        """What the user reads (their language), with the technical detail."""
        text = {
            "not_found": tr("文件不存在"),
            "not_sqlite": tr("不是场次文件"),
            "truncated": tr("文件不完整（被截断）"),
            "unsupported_version": tr("文件来自更新版本的 LiveDesk，当前版本无法读取"),
            "bad_schema": tr("文件结构不是场次文件的结构"),
            "out_of_bounds": tr("文件中的数据超出合理范围"),
            "too_large": tr("文件中的数据块过大"),
            "timeout": tr("读取超时"),
            "damaged": tr("文件已损坏"),
        }.get(self.code, tr("文件已损坏"))
        return f"{text} ({self.detail})" if self.detail else text


class GuardedConnection(sqlite3.Connection):
    """A connection whose every ``execute`` gets a time budget (:data:`QUERY_S`, or the one set
    with :meth:`arm`); past it, SQLite stops the statement ("interrupted")."""

    deadline: float = math.inf
    budget: float = QUERY_S

    def arm(self, seconds: float | None = None) -> None:
        self.deadline = time.monotonic() + (self.budget if seconds is None else seconds)

    def _expired(self) -> int:
        return 1 if time.monotonic() > self.deadline else 0

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:  # type: ignore[override]
        self.arm()
        return super().execute(sql, parameters)


@functools.lru_cache(maxsize=1)
def expected_columns() -> dict[str, tuple[str, ...]]:
    """Table → its column names, as :data:`app.session.schema.DDL` makes them."""
    mem = sqlite3.connect(":memory:")
    try:
        mem.executescript(schema.DDL + schema.ADDED_DDL)
        names = [n for (n,) in mem.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {n: tuple(r[1] for r in mem.execute(f"PRAGMA table_xinfo({n})")) for n in names}
    finally:
        mem.close()


def check_header(path: Path) -> None:
    """The first bytes of a SQLite file, and a size that holds the pages its header counts."""
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(100)
    except FileNotFoundError as exc:
        raise SessionFileError("not_found", str(path.name)) from exc
    if not head.startswith(SQLITE_MAGIC[:6]):
        raise SessionFileError("not_sqlite", "no SQLite header")
    if len(head) < 100 or head[:16] != SQLITE_MAGIC:
        raise SessionFileError("truncated" if SQLITE_MAGIC.startswith(head[:16]) else "not_sqlite")
    page = int.from_bytes(head[16:18], "big")
    page = 65536 if page == 1 else page
    if page < 512 or page & (page - 1):
        raise SessionFileError("not_sqlite", "bad page size")
    pages = int.from_bytes(head[28:32], "big")
    # the header's page count is valid when its "version-valid-for" equals the change counter
    if head[92:96] == head[24:28] and pages and size < pages * page:
        raise SessionFileError("truncated", f"{size} of {pages * page} bytes")


def _uri(path: Path, immutable: bool) -> str:
    q = "mode=ro" + ("&immutable=1" if immutable else "")
    return "file:" + urllib.parse.quote(str(path.resolve())) + "?" + q


def open_session(
    path: Path, *, deadline_s: float = OPEN_DEADLINE_S, immutable: bool = False
) -> tuple[GuardedConnection, dict[str, str]]:
    """Open ``path`` read-only and check it (module docstring); the connection and its meta.

    ``immutable``: a file nothing writes (a download being checked): read without locks, WAL
    or ``-shm`` files. Raises :class:`SessionFileError` within about ``deadline_s``."""
    path = Path(path)
    check_header(path)
    try:
        conn = sqlite3.connect(
            _uri(path, immutable),
            uri=True,
            timeout=min(2.0, deadline_s),
            check_same_thread=False,
            isolation_level=None,
            factory=GuardedConnection,
        )
    except sqlite3.Error as exc:
        raise SessionFileError("damaged", str(exc)) from exc
    assert isinstance(conn, GuardedConnection)
    conn.set_progress_handler(conn._expired, 10_000)
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    conn.budget = deadline_s
    ok = False
    try:
        conn.arm(deadline_s)
        deadline = conn.deadline
        for pragma in (
            "trusted_schema=OFF",
            "cell_size_check=ON",
            "query_only=ON",
            "temp_store=MEMORY",
            "mmap_size=0",
            f"cache_size={-schema.READ_CACHE_KIB}",
        ):
            conn.execute(f"PRAGMA {pragma}")
        meta = _check(conn)
        if time.monotonic() > deadline:
            raise SessionFileError("timeout")
        conn.budget = QUERY_S
        ok = True
        return conn, meta
    except sqlite3.OperationalError as exc:
        if "interrupt" in str(exc):
            raise SessionFileError("timeout", f"> {deadline_s:g} s") from exc
        raise SessionFileError("damaged", str(exc)) from exc
    except sqlite3.DatabaseError as exc:
        text = str(exc)
        code = "not_sqlite" if "not a database" in text else "damaged"
        raise SessionFileError(code, text) from exc
    finally:
        if not ok:
            conn.close()


def _check(conn: GuardedConnection) -> dict[str, str]:
    def one(sql: str) -> Any:
        conn.deadline = deadline  # the open's budget, not a fresh one per statement
        return sqlite3.Connection.execute(conn, sql).fetchone()

    def rows(sql: str) -> list[Any]:
        conn.deadline = deadline
        return sqlite3.Connection.execute(conn, sql).fetchall()

    deadline = conn.deadline
    master = rows("SELECT type, name, tbl_name, sql FROM sqlite_master")
    for typ, name, _tbl, _sql in master:
        if typ in ("view", "trigger"):
            raise SessionFileError("bad_schema", f"{typ} {name!r}")
    tables = {name: sql or "" for typ, name, _tbl, sql in master if typ == "table"}
    want = expected_columns()
    meta_sql = tables.get("meta")
    if meta_sql is None:
        raise SessionFileError("bad_schema", "no meta table")
    for name, cols in want.items():
        sql = tables.get(name)
        if sql is None:
            if name in schema.ADDED_TABLES:
                continue  # an older file: a table added later is optional
            raise SessionFileError("bad_schema", f"no table {name!r}")
        if not sql.lstrip().upper().startswith("CREATE TABLE"):
            raise SessionFileError("bad_schema", f"{name!r} is not a plain table")
        info = rows(f"PRAGMA table_xinfo({name})")
        if tuple(r[1] for r in info) != cols or any(r[6] for r in info):
            raise SessionFileError("bad_schema", f"columns of {name!r}")
    meta_rows = rows("SELECT key, value FROM meta LIMIT 10001")
    if len(meta_rows) > 10_000:
        raise SessionFileError("out_of_bounds", "meta")
    meta = {str(k): str(v) for k, v in meta_rows}
    try:
        version = int(meta.get("schema_version", ""))
    except ValueError as exc:
        raise SessionFileError("bad_schema", "schema_version") from exc
    if version > schema.SCHEMA_VERSION:
        raise SessionFileError("unsupported_version", f"v{version}")
    if version < 1:
        raise SessionFileError("bad_schema", f"schema_version {version}")
    started = _ts(meta, "started_ts", required=True)
    assert started is not None
    ended = _ts(meta, "ended_ts")
    if ended is not None and not started <= ended <= started + MAX_DURATION_S:
        raise SessionFileError("out_of_bounds", "ended_ts")
    _ts(meta, "obs_recording_started_ts")
    at_start = meta.get("explaining_at_start")
    if at_start:
        parts = at_start.split(" ", 1)
        if len(parts) != 2 or not _finite_in(parts[1], MIN_TS, MAX_TS):
            raise SessionFileError("out_of_bounds", "explaining_at_start")
    rec = meta.get("obs_recording")
    if rec is not None and not plain_video_path(rec):
        del meta["obs_recording"]  # never a path the replay would open: dropped
    lo, hi = started - LEAD_S, started + MAX_DURATION_S + LEAD_S
    # sec is the rowid: an integer; min/max come from the b-tree's ends
    smin, smax = one("SELECT min(sec) FROM per_sec")[0], one("SELECT max(sec) FROM per_sec")[0]
    if smin is not None and (smin < lo or smax > hi):
        raise SessionFileError("out_of_bounds", "per_sec")
    if "per_sec_money" in tables:  # added later: an older file lacks it
        mmin = one("SELECT min(sec) FROM per_sec_money")[0]
        mmax = one("SELECT max(sec) FROM per_sec_money")[0]
        if mmin is not None and (mmin < lo or mmax > hi):
            raise SessionFileError("out_of_bounds", "per_sec_money")
    for table in _LISTED:
        if table not in tables:
            continue  # an added table an older file lacks
        (n,) = one(f"SELECT count(*) FROM {table}")
        if n > MAX_LIST_ROWS:
            raise SessionFileError("out_of_bounds", f"{table}: {n} rows")
    for table, cols in _TS_COLUMNS.items():
        if table not in tables:
            continue
        for col in cols:
            # one query each, so an index answers it without a scan (comments: millions of rows);
            # SQLite orders numbers before text and blobs, so a non-number shows up as the max
            cmin = one(f"SELECT min({col}) FROM {table}")[0]
            cmax = one(f"SELECT max({col}) FROM {table}")[0]
            nulls = one(f"SELECT 1 FROM {table} WHERE {col} IS NULL LIMIT 1")
            if cmin is None and cmax is None and nulls is None:
                continue
            if (
                nulls is not None
                or not all(isinstance(v, int | float) for v in (cmin, cmax))
                or cmin < MIN_TS
                or cmax > MAX_TS
            ):
                raise SessionFileError("out_of_bounds", f"{table}.{col}")
    (blocks_bad,) = one(
        "SELECT count(*) FROM event_blocks WHERE n < 1 OR n > 1000000 OR last_seq < first_seq"
        " OR typeof(data) != 'blob'"
    )
    if blocks_bad:
        raise SessionFileError("out_of_bounds", "event_blocks")
    return meta


def _finite_in(text: str, lo: float, hi: float) -> bool:
    try:
        v = float(text)
    except ValueError:
        return False
    return math.isfinite(v) and lo <= v <= hi


def _ts(meta: dict[str, str], key: str, *, required: bool = False) -> float | None:
    text = meta.get(key)
    if not text:
        if required:
            raise SessionFileError("bad_schema", f"no {key}")
        return None
    if not _finite_in(text, MIN_TS, MAX_TS):
        raise SessionFileError("out_of_bounds", key)
    return float(text)


def plain_video_path(text: str) -> bool:
    """A local video file's path as the recorder stores it: absolute, a video suffix, no
    control characters, no URL and no network share (a crafted file must not make the
    replay open ``\\\\host\\share`` or a device)."""
    if not text or len(text) > 4096 or any(ord(ch) < 32 for ch in text):
        return False
    if "://" in text or text.startswith(("\\\\", "//")):
        return False
    p = Path(text)
    return (p.is_absolute() or text[1:3] == ":\\") and p.suffix.lower() in VIDEO_SUFFIXES


def inflate_block(blob: bytes, limit: int = MAX_BLOCK_BYTES) -> bytes:
    """One event block, decompressed; :class:`SessionFileError` past ``limit`` bytes (a block
    that inflates to GiBs is never held in memory)."""
    d = zlib.decompressobj()
    try:
        out = d.decompress(blob, limit)
    except zlib.error as exc:
        raise SessionFileError("damaged", f"event block: {exc}") from exc
    if not d.eof:
        if d.unconsumed_tail or len(out) >= limit:
            raise SessionFileError("too_large", f"event block > {limit // 1024**2} MiB")
        raise SessionFileError("damaged", "event block cut short")
    return out
