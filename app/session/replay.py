"""Reading a session file back: totals, timeline series, markers, marketing results, moments.

Which orders each explain brought (explain windows, the per-product table) is computed from a
:class:`SessionFile` by :mod:`app.session.attribution`.

Everything here is a query over the narrow tables and the per-second counters written by
:mod:`app.session.writer`; only :func:`SessionFile.iter_events` (exports, audits) decompresses
the full event log, one block at a time and each capped (:func:`app.session.safe_open.inflate_block`).

A session file is untrusted input: :class:`SessionFile` opens it only through
:func:`app.session.safe_open.open_session` (read-only, schema and bounds checked, every query
time-limited) and raises :class:`~app.session.safe_open.SessionFileError` for a file it will not
read. :func:`scan_sessions` lists a folder with each file under its own deadline and names the
unreadable ones with their reason.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from app.drill.report import FaultResult
from app.live.comment_kinds import Kind
from app.live.lottery_verify import Verification, verify
from app.platform import models as m
from app.session import safe_open, schema
from app.session.safe_open import SessionFileError


def _currency(value: str | None) -> str:
    """An ISO 4217 code from a file's meta: three capital letters, else CNY (an older file)."""
    if value and len(value) == 3 and value.isascii() and value.isalpha() and value.isupper():
        return value
    return m.DEFAULT_CURRENCY


@dataclass(frozen=True)
class Summary:
    path: Path
    room: str
    session_id: str
    started_ts: float
    ended_ts: float | None  # None: not ended in the file (still live, or the console died)
    last_ts: float  # the last recorded moment
    orders: int
    gmv_cents: int
    paid_gmv_cents: int
    comments: int
    peak_online: int
    events: int
    last_seq: int
    obs_recording: str | None = None
    currency: str = m.DEFAULT_CURRENCY  # of the orders and GMV (the room's catalogue)
    gift_currency: str = m.DEFAULT_CURRENCY  # of the gifts, paid messages and red envelopes

    @property
    def duration_s(self) -> float:
        return max(0.0, (self.ended_ts or self.last_ts) - self.started_ts)


@dataclass(frozen=True)
class Series:
    """Timeline data, x in seconds since the session's start."""

    t0: float
    sec: np.ndarray  # per-second x
    online: np.ndarray  # forward-filled
    cum_gmv_cents: np.ndarray
    minute: np.ndarray  # x of each bin's start (seconds since start)
    orders_per_min: np.ndarray  # rate per minute in each bin
    comments_per_min: np.ndarray
    bin_s: int = 60  # bin width: 60 s, or 10 s for sessions shorter than 20 minutes


def display_bins(s: Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bin edges (seconds since the start; one more than bins) and the orders / comments per
    minute to draw. The last bin covers only the seconds recorded in it, so its rate is not
    diluted (a session ending a second into a bin would otherwise show a drop to zero at the
    end); a last bin shorter than a quarter bin is merged into the one before it."""
    if not len(s.minute):
        z = np.zeros(0)
        return z, z, z
    b = float(s.bin_s)
    end = float(s.sec[-1]) + 1.0
    edges = np.append(s.minute.astype(float), end)
    opm = s.orders_per_min.astype(float).copy()
    cpm = s.comments_per_min.astype(float).copy()
    last = end - float(s.minute[-1])
    if last >= b:
        return edges, opm, cpm
    if last < b / 4 and len(opm) > 1:
        for r in (opm, cpm):  # counts of the two bins over their seconds together
            r[-2] = (r[-2] * b + r[-1] * b) / (b + last)
        return np.delete(edges, -2), opm[:-1], cpm[:-1]
    opm[-1] *= b / last
    cpm[-1] *= b / last
    return edges, opm, cpm


@dataclass(frozen=True)
class Marker:
    ts: float
    kind: str
    role: str | None
    product_id: str | None
    label: str
    seq: int | None


@dataclass(frozen=True)
class CommentRow:
    seq: int
    ts: float
    nickname: str
    text: str
    kind: int


@dataclass(frozen=True)
class OrderRow:
    id: str
    created_ts: float
    nickname: str
    product_id: str
    product_title: str
    quantity: int
    amount_cents: int
    status: str
    coupon_id: str | None


@dataclass(frozen=True)
class CouponResult:
    id: str
    name: str
    kind: str
    issued: int  # quantity issued
    claimed: int
    used: int  # orders that used it
    status: str
    created_ts: float


@dataclass(frozen=True)
class FlashSaleResult:
    sale: m.FlashSale
    title: str
    scheduled: bool  # announced ahead (its first recorded state was "scheduled")
    orders: int  # recorded orders at the sale's price
    gmv_cents: int


@dataclass(frozen=True)
class RainResult:
    """A red-envelope rain as recorded (its last state: totals and leftover), with its effect on
    the chat: viewers' comments while it ran and in as long a time just before it started."""

    rain: m.RedEnvelopeRain
    comments_before: int
    comments_during: int

    @property
    def window(self) -> tuple[float, float]:
        """(start, end) of the rain in Unix seconds (the end as recorded, or its planned end)."""
        return self.rain.starts_ts, max(self.rain.starts_ts, self.rain.ends_ts)


@dataclass(frozen=True)
class LotteryResult:
    lottery: m.Lottery
    verification: Verification
    participants_from_comments: int | None  # recomputed from the recorded comments
    #: why the recount may legitimately differ from the platform's count: "gaps" (the file
    #: lacks events the platform no longer keeps), "late" (recording began after the lottery
    #: opened and before the log back-fill), or None
    differs_because: str | None = None
    #: the commitment recorded while the lottery was open (what its draw is checked against)
    start_commitment: str | None = None


def _start_commitment(first_json: str) -> str | None:
    """The commitment of a lottery's first recorded state (its ``lottery_started``), if the
    recording saw it before the draw: the one its draw is verified against."""
    try:
        first = orjson.loads(first_json)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(first, dict) or first.get("status") == "drawn":
        return None
    c = first.get("commitment")
    return c if isinstance(c, str) else None


class SessionFile:
    """One recorded session, opened for reading (safe while a recorder is still writing it)."""

    def __init__(self, path: Path, *, deadline_s: float = safe_open.OPEN_DEADLINE_S) -> None:
        """Open and check ``path`` (:func:`app.session.safe_open.open_session`: read-only, the
        schema and bounds verified, every query time-limited); :class:`SessionFileError`
        within about ``deadline_s`` for a file this console will not read."""
        self.path = Path(path)
        self.conn: sqlite3.Connection
        self.conn, self.meta = safe_open.open_session(self.path, deadline_s=deadline_s)
        self.room = self.meta.get("room", "")
        self.session_id = self.meta.get("session_id", "")
        self.started_ts = float(self.meta.get("started_ts", "0") or 0)
        #: the currencies of the recorded money (meta; CNY in a file that does not say)
        self.currency = _currency(self.meta.get("currency"))
        self.gift_currency = _currency(self.meta.get("gift_currency"))

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> SessionFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def one(self, sql: str, *args: Any) -> Any:
        """The first row of a query (None when it has none)."""
        return self.conn.execute(sql, args).fetchone()

    # --- totals -----------------------------------------------------------------------------------
    def summary(self) -> Summary:
        n_orders, gmv = self.one("SELECT count(*), coalesce(sum(amount_cents), 0) FROM orders")
        paid = self.one(
            "SELECT coalesce(sum(amount_cents), 0) FROM orders WHERE status != 'created'"
        )[0]
        comments, events, peak, last_sec = self.one(
            "SELECT coalesce(sum(comments),0), coalesce(sum(events),0), max(online), max(sec)"
            " FROM per_sec"
        )
        peak_m = self.one("SELECT max(online) FROM metrics")[0]
        last_seq, last_ts = self.one("SELECT max(last_seq), max(last_ts) FROM event_blocks")
        ended = self.meta.get("ended_ts")
        return Summary(
            path=self.path,
            room=self.room,
            session_id=self.session_id,
            started_ts=self.started_ts,
            ended_ts=float(ended) if ended else None,
            last_ts=float(last_ts or last_sec or self.started_ts),
            orders=int(n_orders),
            gmv_cents=int(gmv),
            paid_gmv_cents=int(paid),
            comments=int(comments),
            peak_online=int(max(peak or 0, peak_m or 0)),
            events=int(events),
            last_seq=int(last_seq or 0),
            obs_recording=self.meta.get("obs_recording"),
            currency=self.currency,
            gift_currency=self.gift_currency,
        )

    # --- the full log -------------------------------------------------------------------------------
    def iter_raw_events(self, after_seq: int = 0) -> Iterator[dict[str, Any]]:
        """Every recorded event as its wire-format dict, in seq order."""
        cur = self.conn.execute(
            "SELECT data FROM event_blocks WHERE last_seq > ? ORDER BY first_seq", (after_seq,)
        )
        conn = self.conn
        while True:
            if isinstance(conn, safe_open.GuardedConnection):
                conn.arm()  # a fresh time budget per block: a long export is not cut short
            row = cur.fetchone()
            if row is None:
                return
            for line in safe_open.inflate_block(row[0]).split(b"\n"):
                try:
                    ev = orjson.loads(line)
                    seq = int(ev["seq"])
                    ok = isinstance(ev["type"], str) and "data" in ev
                except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                    raise SessionFileError("damaged", "event block") from exc
                if not ok:
                    raise SessionFileError("damaged", "event block")
                if seq > after_seq:
                    yield ev

    def iter_events(self, after_seq: int = 0) -> Iterator[m.Event]:
        for raw in self.iter_raw_events(after_seq):
            yield m.parse_event(raw)

    def event_seqs(self) -> list[int]:
        return [e["seq"] for e in self.iter_raw_events()]

    # --- timeline -------------------------------------------------------------------------------------
    def series(self) -> Series:
        rows = self.conn.execute(
            "SELECT sec, comments, orders, gmv_cents, coalesce(online, -1) FROM per_sec"
            " ORDER BY sec"
        ).fetchall()
        t0 = self.started_ts or (rows[0][0] if rows else 0.0)
        if not rows:
            z = np.zeros(0)
            return Series(t0, z, z, z, z, z, z, 60)
        a = np.asarray(rows, dtype=np.int64)
        first = int(min(a[0, 0], int(t0)))
        last = int(a[-1, 0])
        n = last - first + 1
        idx = a[:, 0] - first
        comments = np.zeros(n, dtype=np.int64)
        orders = np.zeros(n, dtype=np.int64)
        gmv = np.zeros(n, dtype=np.int64)
        online = np.full(n, -1, dtype=np.int64)
        comments[idx] = a[:, 1]
        orders[idx] = a[:, 2]
        gmv[idx] = a[:, 3]
        online[idx] = a[:, 4]
        # online: viewers events where present, else the 1 Hz metrics snapshot; forward-filled
        snap = self.conn.execute("SELECT sec, online FROM metrics ORDER BY sec").fetchall()
        if snap:
            s = np.asarray(snap, dtype=np.int64)
            s = s[(s[:, 0] >= first) & (s[:, 0] <= last)]
            sidx = s[:, 0] - first
            missing = online[sidx] < 0
            online[sidx[missing]] = s[missing, 1]
        have = online >= 0
        pos = np.where(have, np.arange(n), 0)
        np.maximum.accumulate(pos, out=pos)
        online = np.where(have[pos], online[pos], 0)
        x = np.arange(n, dtype=np.float64) + (first - t0)
        b = 60 if n > 20 * 60 else 10  # short sessions: 10 s bins, still shown per minute
        nbin = (n + b - 1) // b
        pad = nbin * b - n
        scale = 60.0 / b
        opm = np.concatenate([orders, np.zeros(pad, np.int64)]).reshape(nbin, b).sum(axis=1)
        cpm = np.concatenate([comments, np.zeros(pad, np.int64)]).reshape(nbin, b).sum(axis=1)
        mx = np.arange(nbin, dtype=np.float64) * b + (first - t0)
        return Series(
            t0, x, online.astype(np.float64), np.cumsum(gmv), mx, opm * scale, cpm * scale, b
        )

    def markers(self) -> list[Marker]:
        """Every marker in time order. A flash sale's start and end are markers even in a file
        recorded before the writer kept them (a sale started or ended by the platform's timer
        had no actor): they are made from the sale's recorded state."""
        out = [
            Marker(ts, kind, role, pid, label, seq)
            for seq, ts, kind, role, pid, label in self.conn.execute(
                "SELECT seq, ts, kind, role, product_id, label FROM markers ORDER BY ts"
            )
        ]
        extra = self._flash_sale_markers(out)
        if extra:
            out = sorted(out + extra, key=lambda mk: mk.ts)
        return out

    def _flash_sale_markers(self, have: list[Marker]) -> list[Marker]:
        titles: dict[str, str] | None = None
        out: list[Marker] = []
        for ts, js in self.conn.execute(
            "SELECT ts, json FROM entities WHERE kind='flash_sale' ORDER BY first_ts"
        ):
            try:
                sale = m.FlashSale.model_validate(orjson.loads(js))
            except ValueError:
                continue
            wanted = []
            if sale.status != "scheduled":
                wanted.append(("flash_sale_started", sale.starts_ts))
            if sale.status == "ended":
                wanted.append(("flash_sale_ended", min(float(ts), sale.ends_ts)))
            for kind, at in wanted:
                if any(
                    mk.kind == kind and mk.product_id == sale.product_id and abs(mk.ts - at) < 5
                    for mk in have
                ):
                    continue
                if titles is None:
                    titles = {
                        pid: str(last.get("title", pid))
                        for pid, (_, last) in self.products().items()
                    }
                label = titles.get(sale.product_id, sale.product_id)
                out.append(Marker(at, kind, None, sale.product_id, label, None))
        return out

    def actions(self) -> list[dict[str, Any]]:
        cols = ("ts", "name", "role", "ok", "error", "duration_ms", "args")
        return [
            dict(zip(cols, r, strict=True))
            for r in self.conn.execute(
                "SELECT ts, name, role, ok, error, duration_ms, args FROM actions ORDER BY ts"
            )
        ]

    def obs_changes(self) -> list[tuple[float, str, dict[str, Any]]]:
        return [
            (ts, kind, orjson.loads(data))
            for ts, kind, data in self.conn.execute("SELECT ts, kind, data FROM obs ORDER BY ts")
        ]

    def drill_results(self) -> list[FaultResult]:
        """The drill faults recorded in this session (app/drill), in the order they ran."""
        return [FaultResult.from_record(d) for _ts, k, d in self.obs_changes() if k == "drill"]

    # --- around a moment -------------------------------------------------------------------------------
    def comments_around(
        self, ts: float, before: float = 30.0, after: float = 30.0, limit: int = 500
    ) -> list[CommentRow]:
        """The comments from ``before`` s before ``ts`` to ``after`` s after it, in time order; in
        a busy minute, the ``limit`` nearest to ``ts`` (see :meth:`count_around`)."""
        rows = [
            CommentRow(*r)
            for r in self.conn.execute(
                "SELECT seq, ts, nickname, text, kind FROM comments WHERE ts BETWEEN ? AND ?"
                " ORDER BY abs(ts - ?), seq LIMIT ?",
                (ts - before, ts + after, ts, limit),
            )
        ]
        rows.sort(key=lambda c: (c.ts, c.seq))
        return rows

    def orders_around(
        self, ts: float, before: float = 30.0, after: float = 30.0, limit: int = 500
    ) -> list[OrderRow]:
        """Orders created from ``before`` s before ``ts`` to ``after`` s after it (their status
        now), in time order; at most the ``limit`` nearest to ``ts``."""
        rows = [
            OrderRow(*r)
            for r in self.conn.execute(
                "SELECT id, created_ts, nickname, product_id, product_title, quantity,"
                " amount_cents, status, coupon_id FROM orders WHERE created_ts BETWEEN ? AND ?"
                " ORDER BY abs(created_ts - ?), id LIMIT ?",
                (ts - before, ts + after, ts, limit),
            )
        ]
        rows.sort(key=lambda o: (o.created_ts, o.id))
        return rows

    def count_around(self, ts: float, before: float = 30.0, after: float = 30.0) -> tuple[int, int]:
        """(comments, orders) in the same window as :meth:`comments_around`/:meth:`orders_around`."""
        lo, hi = ts - before, ts + after
        nc = self.one("SELECT count(*) FROM comments WHERE ts BETWEEN ? AND ?", lo, hi)[0]
        no = self.one("SELECT count(*) FROM orders WHERE created_ts BETWEEN ? AND ?", lo, hi)[0]
        return int(nc), int(no)

    def all_orders(self) -> list[OrderRow]:
        return [
            OrderRow(*r)
            for r in self.conn.execute(
                "SELECT id, created_ts, nickname, product_id, product_title, quantity,"
                " amount_cents, status, coupon_id FROM orders ORDER BY created_ts"
            )
        ]

    # --- products -------------------------------------------------------------------------------------
    def summary_end(self) -> float:
        ended = self.meta.get("ended_ts")
        if ended:
            return float(ended)
        row = self.one("SELECT max(last_ts) FROM event_blocks")
        sec = self.one("SELECT max(sec) FROM per_sec")[0]
        return float(row[0] or sec or self.started_ts)

    def products(self) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
        """Product id → (state at start, state at end)."""
        return {
            pid: (orjson.loads(first), orjson.loads(last))
            for pid, first, last in self.conn.execute(
                "SELECT id, first_json, json FROM entities WHERE kind='product'"
            )
        }

    # --- marketing -------------------------------------------------------------------------------------
    def coupons(self) -> list[CouponResult]:
        """Issued, claimed and used per coupon. Used = orders with the coupon that were not
        refunded: the recorded orders, or — when the platform's own count (which keeps refunded
        uses) is higher, e.g. orders before the console joined — that count less the recorded
        refunds."""
        used: dict[str, int] = {}
        refunded: dict[str, int] = {}
        for cid, status, n in self.conn.execute(
            "SELECT coupon_id, status = 'refunded', count(*) FROM orders"
            " WHERE coupon_id IS NOT NULL GROUP BY coupon_id, status = 'refunded'"
        ):
            (refunded if status else used)[cid] = int(n)
        out = []
        for (js,) in self.conn.execute(
            "SELECT json FROM entities WHERE kind='coupon' ORDER BY first_ts"
        ):
            c = orjson.loads(js)
            out.append(
                CouponResult(
                    c["id"],
                    c.get("name", ""),
                    c.get("kind", ""),
                    int(c.get("quantity", 0)),
                    int(c.get("claimed", 0)),
                    max(int(c.get("used", 0)) - refunded.get(c["id"], 0), used.get(c["id"], 0), 0),
                    c.get("status", ""),
                    float(c.get("created_ts", 0)),
                )
            )
        return out

    def flash_sales(self) -> list[FlashSaleResult]:
        """Every flash sale of the session (scheduled, run or ended), with its recorded orders."""
        titles = {pid: str(last.get("title", pid)) for pid, (_, last) in self.products().items()}
        sold = {
            fid: (int(n), int(g))
            for fid, n, g in self.conn.execute(
                "SELECT flash_sale_id, count(*), coalesce(sum(amount_cents), 0) FROM orders"
                " WHERE flash_sale_id IS NOT NULL GROUP BY flash_sale_id"
            )
        }
        out = []
        for first_js, js in self.conn.execute(
            "SELECT first_json, json FROM entities WHERE kind='flash_sale' ORDER BY first_ts"
        ):
            sale = m.FlashSale.model_validate(orjson.loads(js))
            first = orjson.loads(first_js)
            n, g = sold.get(sale.id, (0, 0))
            out.append(
                FlashSaleResult(
                    sale,
                    titles.get(sale.product_id, sale.product_id),
                    isinstance(first, dict) and first.get("status") == "scheduled",
                    n,
                    g,
                )
            )
        return out

    def red_envelopes(self) -> list[RainResult]:
        """Every red-envelope rain that started during the recording, in start order."""
        out = []
        for (js,) in self.conn.execute(
            "SELECT json FROM entities WHERE kind='red_envelope' ORDER BY first_ts"
        ):
            try:
                rain = m.RedEnvelopeRain.model_validate(orjson.loads(js))
            except ValueError:
                continue
            if rain.status == "scheduled":
                continue  # never ran: no window, no totals
            start, end = rain.starts_ts, max(rain.starts_ts, rain.ends_ts)
            span = max(1.0, end - start)
            during = self.one(
                "SELECT count(*) FROM comments WHERE ts >= ? AND ts <= ?", start, end
            )[0]
            before = self.one(
                "SELECT count(*) FROM comments WHERE ts >= ? AND ts < ?", start - span, start
            )[0]
            out.append(RainResult(rain, int(before), int(during)))
        return out

    def lotteries(self) -> list[LotteryResult]:
        out = []
        for first_js, js in self.conn.execute(
            "SELECT first_json, json FROM entities WHERE kind='lottery' ORDER BY first_ts"
        ):
            lot = m.Lottery.model_validate(orjson.loads(js))
            recount = self._participants(lot)
            why = None
            if recount is not None and recount != lot.entrants:
                if self.meta.get("gaps"):
                    why = "gaps"
                elif _start_commitment(first_js) is None:
                    why = "late"
            start = _start_commitment(first_js)
            out.append(LotteryResult(lot, verify(lot, start), recount, why, start))
        return out

    def _participants(self, lot: m.Lottery) -> int | None:
        """The lottery's entrants recomputed from the recording as the platform counts them
        (docs/platform-api.md, "Verifiable lottery"): in seq order, a viewer's comment in the
        window that contains the keyword adds its user; a ``user_muted`` before the draw
        removes its user (a later comment in the window may add them again)."""
        kw = lot.keyword.strip()
        if not kw:
            return None
        steps: list[tuple[int, str, bool]] = []  # (seq, user id, entered?)
        for seq, uid, text, kind in self.conn.execute(
            "SELECT seq, user_id, text, kind FROM comments"
            " WHERE ts >= ? AND ts <= ? AND instr(text, ?)",
            (lot.starts_ts, lot.ends_ts, kw),
        ):
            if kind & Kind.STAFF:
                continue
            if lot.eligibility == "followers" and not kind & Kind.FAN:
                continue
            if kw in text.strip():
                steps.append((int(seq), uid, True))
        if not steps:
            return 0
        first = min(s[0] for s in steps)
        drawn = None
        if lot.status == "drawn":
            row = self.one("SELECT seq FROM entities WHERE kind='lottery' AND id=?", lot.id)
            drawn = int(row[0]) if row else None
            if drawn is not None and lot.origin == "console":
                drawn += 1  # its seq is the platform event it followed: a mute there came first
        steps.extend((seq, uid, False) for seq, uid in self._mutes(first, drawn))
        users: set[str] = set()
        for _, uid, entered in sorted(steps, key=lambda s: s[0]):
            if entered:
                users.add(uid)
            else:
                users.discard(uid)
        return len(users)

    def _mutes(self, after: int, before: int | None) -> list[tuple[int, str]]:
        """(seq, user id) of each recorded ``user_muted`` with after < seq < before: the
        markers say where they are, their user ids come from the recorded events."""
        seqs = [
            int(seq)
            for (seq,) in self.conn.execute(
                "SELECT seq FROM markers WHERE kind='mute' AND seq > ? AND seq < ? ORDER BY seq",
                (after, before if before is not None else 2**62),
            )
        ]
        out: list[tuple[int, str]] = []
        for seq in seqs:
            for ev in self.iter_raw_events(seq - 1):
                if ev["seq"] == seq and ev.get("type") == m.EventType.USER_MUTED:
                    data = ev.get("data")
                    if isinstance(data, dict) and isinstance(data.get("user_id"), str):
                        out.append((seq, data["user_id"]))
                break
        return out

    # --- comments ----------------------------------------------------------------------------------------
    def top_questions(self, n: int = 20) -> list[tuple[str, int]]:
        return [
            (t, c)
            for t, c in self.conn.execute(
                "SELECT text, count(*) AS c FROM comments WHERE kind & ? AND NOT kind & ?"
                " GROUP BY text ORDER BY c DESC, text LIMIT ?",
                (int(Kind.QUESTION), int(Kind.STAFF), n),
            )
        ]

    def comment_texts(self, limit: int = 20_000) -> list[tuple[str, int]]:
        """Distinct viewer comment texts with their counts, most frequent first."""
        return list(
            self.conn.execute(
                "SELECT text, count(*) AS c FROM comments WHERE NOT kind & ?"
                " GROUP BY text ORDER BY c DESC LIMIT ?",
                (int(Kind.STAFF), limit),
            )
        )


@dataclass(frozen=True)
class Unreadable:
    """A file in the sessions folder this console will not open, and why (user's language)."""

    path: Path
    reason: str


def read_summary(path: Path, deadline_s: float = safe_open.OPEN_DEADLINE_S) -> Summary:
    """One file's summary, checked and time-limited; :class:`SessionFileError` if unreadable."""
    try:
        with SessionFile(path, deadline_s=deadline_s) as f:
            return f.summary()
    except sqlite3.OperationalError as exc:
        if "interrupt" in str(exc):
            raise SessionFileError("timeout", f"> {deadline_s:g} s") from exc
        raise SessionFileError("damaged", str(exc)) from exc
    except sqlite3.Error as exc:
        raise SessionFileError("damaged", str(exc)) from exc
    except OSError as exc:
        raise SessionFileError("damaged", exc.strerror or str(exc)) from exc


def scan_sessions(
    directory: Path, deadline_s: float = safe_open.OPEN_DEADLINE_S
) -> tuple[list[Summary], list[Unreadable]]:
    """Every session file in ``directory``: the summaries (newest first) and the files that
    cannot be read, each with its reason. Each file is opened under its own time limit, so one
    bad file costs at most ``deadline_s``. Meant for a worker thread."""
    out: list[Summary] = []
    bad: list[Unreadable] = []
    for p in schema.session_files(directory):
        try:
            out.append(read_summary(p, deadline_s))
        except SessionFileError as exc:
            bad.append(Unreadable(p, exc.message()))
    return sorted(out, key=lambda s: -s.started_ts), bad


def list_sessions(directory: Path) -> list[Summary]:
    """Summaries of every session file in ``directory``, newest first (unreadable files skipped)."""
    return scan_sessions(directory)[0]
