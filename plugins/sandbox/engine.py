"""The sandbox room engine: in-memory room state, its rules, and the events they emit.

Everything runs on the server's one asyncio loop, synchronously: a route or the audience calls a
method, the method checks the rules, changes the state and appends events to the
:class:`~plugins.sandbox.eventlog.EventLog`. The tick (every ~25 ms) runs timers (coupons expiring,
flash sales starting/ending, lotteries closing), emits throttled aggregates (likes, online count,
stock changes, flash-sale progress) and commits. Operator actions commit before they answer.

It implements :class:`~plugins.sandbox.audience_host.AudienceHost` for the simulated audience.

All or nothing: the state in memory is always the last commit plus the pending batch. When a batch
cannot be committed (a full disk, a value that cannot be serialised) or a change raises halfway,
:meth:`RoomEngine.rollback` drops the batch and reloads the state from the store, so a refused
action leaves no trace (no stock taken without an order). An operator action first commits what
is pending, so its batch holds only itself (:meth:`commit_quietly`, :meth:`abandon_action`,
:meth:`commit_action`); the tick and the reads roll back and carry on with the committed state.

The business rules live here, checked before anything changes (a refused action changes nothing):
only a paid order can be refunded (so ``refunded_cents`` only counts money that was paid); a
flash price is below the product's price, and a price cut may not go down to an active or
scheduled flash sale's price; an original (crossed-out) price is never below the price; stock
stays within 0…``MAX_STOCK``; a lottery takes at most ``MAX_LOTTERY_ENTRANTS`` participants, so
its ``lottery_drawn`` event stays below ``MAX_EVENT_BYTES``.

Stock reservation 库存冻结: a product's ``reserved`` units (the sum of its held reservations'
``remaining``) are part of its ``stock`` but cannot be sold outside their promotion: an ordinary
order sees only the free stock (``stock - reserved``); a flash sale made on a reservation sells
only from it, and a coupon made on one lets its holders buy from it first. ``0 <= reserved <=
stock`` always holds (a stock edit may not go below it). A flash sale without a reservation may
not be larger than the free stock (409 ``insufficient_stock``). When the promotion ends (also
found ended by the first tick after a restart) or the operator releases it, what is left of the
reservation goes back to free stock (``stock_released``).

Red-envelope rain 红包雨: the total is split into envelopes when the rain is created
(plugins/sandbox/red_envelope.py: the amounts sum exactly to the total, each at least the
minimum); a grab takes one envelope, at most one per viewer, only while the rain is on and only if
the viewer is eligible. So the sum of the grabs never exceeds the total, and what is left when the
rain ends is reported as ``leftover_cents``. Grabs are aggregated into ``red_envelope_grabbed``
(at most 10/s per rain).

The team's shared settings (团队共享设置: the replay score's, ``GET``/``PUT /team/review``) are
part of the room's state, stored with it: version 0 and no values until first saved; a save names
the version it replaces, so one over a teammate's later save is refused (409 ``stale_version``,
with the current ones), and each accepted save is one ``team_review_changed``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import importlib
import logging
import os
import random
import secrets
import sqlite3
import time
from collections import OrderedDict
from typing import Any

import orjson

from plugins.sandbox import lottery as lottery_fn
from plugins.sandbox import red_envelope
from plugins.sandbox.audience_host import (
    CouponView,
    GrabRefused,
    LotteryView,
    NotAllowed,
    ProductView,
    RainView,
    SimUser,
    SoldOut,
)
from plugins.sandbox.catalog import load_catalog
from plugins.sandbox.errors import ApiError, conflict, invalid, not_found
from plugins.sandbox.eventlog import EventLog, LogWriteError, StorageFailed
from plugins.sandbox.schemas import MAX_STOCK
from plugins.sandbox.store import Store

log = logging.getLogger(__name__)

Obj = dict[str, Any]
ROLES = ("host", "assistant", "reviewer")
STAFF_NAMES = {"host": "主播", "assistant": "场控助理"}
RTMP_URL = "rtmp://127.0.0.1:1935/live"
TICK_S = 0.025
STOCK_EMIT_S = 0.5  # product_updated for stock changes: ≤ 2/s per product (sold out: at once)
FLASH_EMIT_S = 0.1  # flash_sale_updated: ≤ 10/s per sale
RAIN_EMIT_S = 0.1  # red_envelope_grabbed: ≤ 10/s per rain
RESERVATION_EMIT_S = 0.5  # reservation_updated for units drawn by orders: ≤ 2/s per reservation
RAIN_RECENT_GRABS = 20  # grabs listed in one red_envelope_grabbed (the rest only counted)
VIEWERS_EMIT_S = 1.0
BUY_NOTE_EVERY_S = 10.0  # room_note 「… 正在去买」: at most one per this many seconds
RECENT_COMMENTS = 20_000
ORDERS_IN_MEMORY = 200_000
#: participants of one lottery: its lottery_drawn lists them all (ids <= 128 ASCII characters),
#: which keeps that event below MAX_EVENT_BYTES; later matching comments do not enter
MAX_LOTTERY_ENTRANTS = 10_000


def public(obj: Obj) -> Obj:
    """The contract view of an entity: private fields start with ``_``."""
    return {k: v for k, v in obj.items() if k[0] != "_"}


def token_id(token: str) -> str:
    return "t" + hashlib.sha256(token.encode()).hexdigest()[:8]


def new_metrics(online: int = 0) -> Obj:
    return {
        "online": online,
        "uv": 0,
        "likes": 0,
        "comments": 0,
        "new_followers": 0,
        "orders": 0,
        "paid_orders": 0,
        "buyers": 0,
        "gmv_cents": 0,
        "paid_gmv_cents": 0,
        "refunded_cents": 0,
    }


class RoomEngine:
    def __init__(
        self,
        store: Store,
        *,
        seed: int | None = None,
        viewers: int = 0,
        rate: float | None = None,
        log_retention: int | None = None,
    ) -> None:
        self.store = store
        self.seed = seed
        self.viewers = viewers
        self.rate = rate
        self.log = EventLog(store, log_retention)
        self.room = ""
        self.title = ""
        self.tokens: dict[str, tuple[str, str]] = {}  # token -> (role, token_id)
        self.token_by_role: dict[str, str] = {}
        self.products: dict[str, Obj] = {}
        self.coupons: dict[str, Obj] = {}
        self.flash_sales: dict[str, Obj] = {}
        self.lotteries: dict[str, Obj] = {}
        self.red_envelopes: dict[str, Obj] = {}
        self.reservations: dict[str, Obj] = {}
        self.sessions: dict[str, Obj] = {}
        self.state: Obj = {}  # bag order/version, explaining, pinned, metrics, muted, session id
        self.orders: OrderedDict[str, Obj] = OrderedDict()
        self._uv: set[str] = set()
        self._buyers: set[str] = set()
        self._online: dict[str, str] = {}
        self._recent_comments: OrderedDict[str, Obj] = OrderedDict()
        self._likes_pending = 0
        self._stock_dirty: set[str] = set()
        self._stock_emitted: dict[str, float] = {}
        self._flash_dirty: set[str] = set()
        self._flash_emitted: dict[str, float] = {}
        self._rain_grabs: dict[str, list[Any]] = {}  # rain id -> [count, cents, recent grabs]
        self._rain_emitted: dict[str, float] = {}
        self._reservation_dirty: set[str] = set()
        self._reservation_emitted: dict[str, float] = {}
        self._online_changed = False
        self._viewers_emitted = 0.0
        self._last_buy_note = -BUY_NOTE_EVERY_S
        self._counter = 0
        self._task: asyncio.Task[None] | None = None
        self._audience_task: asyncio.Task[Any] | None = None
        self._audience: Any = None  # the running Audience (plugins/sandbox/audience.py), if any
        self.storage_error: str | None = None  # why the last commit failed, until one succeeds
        self._load_or_create()

    # --- persistence -------------------------------------------------------------------------
    def _load_or_create(self) -> None:
        meta = self.store.meta()
        if "room" not in meta:
            self.title, products = load_catalog()
            room = "r" + secrets.token_hex(4)
            tokens = {role: f"{role[:2]}_{secrets.token_urlsafe(18)}" for role in ROLES}
            self.log.set_meta(
                {"room": room, "title": self.title, "tokens": orjson.dumps(tokens).decode()}
            )
            for p in products:
                self.products[p["id"]] = p
                self.log.dirty("product", p["id"], p)
            self.state = {
                "bag_order": [p["id"] for p in products],
                "bag_version": 1,
                "explaining": None,
                "pinned": None,
                "metrics": new_metrics(),
                "muted": {},
                "session_id": None,
                "like_total": 0,
                "counter": 0,
                "uv": [],
                "buyers": [],
            }
            self.log.dirty("room", "state", self.state)
            self.log.flush()
            meta = self.store.meta()
        self.room = meta["room"]
        self.title = meta.get("title", "")
        for role, tok in orjson.loads(meta["tokens"]).items():
            self.tokens[tok] = (role, token_id(tok))
            self.token_by_role[role] = tok
        self.store.redact_stream_keys()
        self._load_entities()
        self._uv = set(self.state.get("uv", []))
        self._buyers = set(self.state.get("buyers", []))
        self.state["metrics"]["online"] = 0

    def _load_entities(self) -> None:
        """The room's state as last committed (at start, and to roll back a failed batch)."""
        self.products = {p["id"]: p for p in self.store.entities("product")}
        self.coupons = {c["id"]: c for c in self.store.entities("coupon")}
        self.flash_sales = {f["id"]: f for f in self.store.entities("flash_sale")}
        self.lotteries = {lo["id"]: lo for lo in self.store.entities("lottery")}
        self.red_envelopes = {r["id"]: r for r in self.store.entities("red_envelope")}
        self.reservations = {r["id"]: r for r in self.store.entities("reservation")}
        for p in self.products.values():  # a database from before stock reservation
            p.setdefault("reserved", 0)
        self.sessions = {}
        for s in self.store.entities("session"):
            if "stream_key" in s:  # a database from before the key became private
                s["_stream_key"] = s.pop("stream_key")
                self.log.dirty("session", s["id"], s)
            self.sessions[s["id"]] = s
        (self.state,) = self.store.entities("room")
        muted = self.state.setdefault("muted", {})
        for u, mu in list(muted.items()):  # a database from before mutes had details
            if not isinstance(mu, dict):
                muted[u] = {"until": mu, "session_id": None, "nickname": "", "ts": 0.0,
                            "actor": None}  # fmt: skip
        self._counter = int(self.state.get("counter", 0))

    def rollback(self) -> None:
        """Discard every change since the last commit: the log's batch (its seqs given back)
        and the in-memory state, reloaded from the store. What was never committed was never
        sent or answered, so nobody saw it."""
        self.log.discard()
        self._load_entities()
        self.orders.clear()  # a cache: reloaded from the store on demand
        committed = self.log.committed
        for cid in [c for c in self._recent_comments if int(c[1:]) > committed]:
            del self._recent_comments[cid]
        self._likes_pending = 0
        self._stock_dirty &= self.products.keys()
        self._flash_dirty &= self.flash_sales.keys()
        self._rain_grabs.clear()  # the grabs themselves were rolled back with their rains
        self._reservation_dirty &= self.reservations.keys()
        self.state["metrics"]["online"] = len(self._online)
        self._online_changed = True
        if self.session_live():
            with contextlib.suppress(RuntimeError):  # no running loop: nothing to start
                self._start_audience()
        elif self._audience_task is not None:
            self._audience_task.cancel()
            self._audience_task = None
            self._audience = None

    def _dirty_state(self) -> None:
        self.log.dirty("room", "state", self.state)

    def _next_id(self, prefix: str) -> str:
        self._counter += 1
        self.state["counter"] = self._counter
        self._dirty_state()
        return f"{prefix}{self._counter}"

    # --- time, running -------------------------------------------------------------------------
    def now(self) -> float:
        return time.time()

    def start(self) -> None:
        try:
            self.store.prune_idempotency(self.now())
        except sqlite3.Error as exc:  # a full disk must not keep the room from starting
            log.warning("could not prune old idempotency records: %s", exc)
        self._task = asyncio.get_running_loop().create_task(self._run(), name="sandbox-tick")
        if self.session_live():
            self._start_audience()

    async def stop(self) -> None:
        await self._stop_audience()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.flush(force=True)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(TICK_S)
            try:
                self.flush()
            except Exception:
                log.exception("tick failed")

    def flush(self, force: bool = False) -> None:
        """The tick: run the timers, emit the deferred aggregates that are due (with ``force``:
        all of them) and commit. A failed commit is rolled back and logged, not raised (readers
        then see the last committed state); a change that raises halfway is rolled back and
        raised."""
        now = self.now()
        try:
            self._timers(now)
            self._emit_throttled(now, force)
        except LogWriteError:  # an event that cannot be stored: as if the commit had failed
            self.rollback()
            return
        except Exception:
            self.rollback()  # a half-made change is never committed
            raise
        self.commit_quietly()

    def _commit(self, idempotency: tuple[str, str, float, int, bytes] | None = None) -> None:
        """Commit the log's batch; when that fails, roll the state back to the last commit and
        raise the :class:`LogWriteError`. A storage failure is logged once, and its end too."""
        try:
            wrote = self.log.flush(idempotency)
        except LogWriteError as exc:
            self.rollback()
            if isinstance(exc, StorageFailed):
                if self.storage_error is None:
                    log.error("storage failed, changes are refused until it works: %s", exc)
                self.storage_error = exc.message
            else:
                log.warning("a change was refused: %s", exc.message)
            raise
        if wrote and self.storage_error is not None:
            log.warning("storage works again")
            self.storage_error = None

    def commit_quietly(self) -> None:
        """Commit what is pending; a failure is rolled back and logged, not raised (reads,
        the tick: they serve the last committed state). Before an operator action, so that the
        action's batch holds only the action (and a failed action discards only itself)."""
        with contextlib.suppress(LogWriteError):
            self._commit()

    def abandon_action(self) -> None:
        """An action raised: whatever it changed before raising is rolled back."""
        if self.log.has_pending():
            self.rollback()

    def commit_action(self, tok_id: str, key: str | None, status: int, body: bytes) -> None:
        """Commit an operator action's events with its idempotency record, in one transaction;
        :class:`LogWriteError` (nothing changed) when that fails."""
        record = (tok_id, key, self.now(), status, body) if key else None
        self._commit(record)

    def append(self, etype: str, data: Obj, ts: float | None = None) -> int:
        return self.log.append(etype, data, self.now() if ts is None else ts)

    # --- timers and aggregates -----------------------------------------------------------------
    def _timers(self, now: float) -> None:
        for c in self.coupons.values():
            if c["status"] == "active" and now >= c["ends_ts"]:
                c["status"] = "expired"
                self.log.dirty("coupon", c["id"], c)
                self.append("coupon_ended", {"coupon": public(c)})
                self._release_for(c)
        for f in self.flash_sales.values():
            if f["status"] == "scheduled" and now >= f["starts_ts"]:
                f["status"] = "active"
                self.log.dirty("flash_sale", f["id"], f)
                self.append("flash_sale_started", {"flash_sale": public(f)})
            if f["status"] == "active" and now >= f["ends_ts"]:
                self._end_flash_sale(f)
        for rain in self.red_envelopes.values():
            if rain["status"] == "scheduled" and now >= rain["starts_ts"]:
                rain["status"] = "active"
                self.log.dirty("red_envelope", rain["id"], rain)
                self.append("red_envelope_started", {"red_envelope": public(rain)})
            if rain["status"] == "active" and now >= rain["ends_ts"]:
                self._end_rain(rain, "time")
        for lo in self.lotteries.values():
            if lo["status"] == "open" and now > lo["ends_ts"]:
                lo["status"] = "closed"
                self.log.dirty("lottery", lo["id"], lo)
        muted = self.state["muted"]
        if muted:
            gone = [u for u, mu in muted.items() if mu["until"] is not None and mu["until"] <= now]
            for u in gone:
                self._lift_mute(u, "expired")

    def _emit_throttled(self, now: float, force: bool) -> None:
        if self._likes_pending:
            self.append(
                "like",
                {"user_id": None, "count": self._likes_pending, "total": self.state["like_total"]},
            )
            self._likes_pending = 0
        if self._stock_dirty:
            for pid in list(self._stock_dirty):
                if force or now - self._stock_emitted.get(pid, 0.0) >= STOCK_EMIT_S:
                    self._emit_product(pid, now)
        if self._flash_dirty:
            for fid in list(self._flash_dirty):
                if force or now - self._flash_emitted.get(fid, 0.0) >= FLASH_EMIT_S:
                    self._flash_dirty.discard(fid)
                    self._flash_emitted[fid] = now
                    self.append("flash_sale_updated", {"flash_sale": public(self.flash_sales[fid])})
        for rid in list(self._rain_grabs):
            if force or now - self._rain_emitted.get(rid, 0.0) >= RAIN_EMIT_S:
                self._emit_grabs(rid, now)
        for rid in list(self._reservation_dirty):
            if force or now - self._reservation_emitted.get(rid, 0.0) >= RESERVATION_EMIT_S:
                self._reservation_dirty.discard(rid)
                self._reservation_emitted[rid] = now
                res = public(self.reservations[rid])
                self.append("reservation_updated", {"reservation": res})
        if self._online_changed and (force or now - self._viewers_emitted >= VIEWERS_EMIT_S):
            self._online_changed = False
            self._viewers_emitted = now
            m = self.state["metrics"]
            self.append("viewers", {"online": m["online"], "uv": m["uv"]})

    def _emit_product(self, pid: str, now: float, actor: Obj | None = None) -> None:
        self._stock_dirty.discard(pid)
        self._stock_emitted[pid] = now
        data: Obj = {"product": public(self.products[pid])}
        if actor:
            data["actor"] = actor
        self.append("product_updated", data)

    # --- snapshot and reads --------------------------------------------------------------------
    def bag(self) -> Obj:
        return {
            "version": self.state["bag_version"],
            "products": [public(self.products[i]) for i in self.state["bag_order"]],
        }

    def current_session(self) -> Obj | None:
        """The current session as the engine holds it (with its private ``_stream_key``)."""
        sid = self.state.get("session_id")
        return self.sessions.get(sid) if sid else None

    def session_view(self) -> Obj | None:
        """The current session as every role sees it: never the stream key."""
        s = self.current_session()
        return public(s) if s is not None else None

    def stream_target(self, session_id: str) -> Obj:
        """The RTMP push URL and stream key of a live session: the host's secret, served only by
        the host-only route (never in an event, the snapshot or the room info)."""
        session = self.sessions.get(session_id)
        if session is None:
            raise not_found("session", session_id)
        if session["status"] != "live":
            raise conflict("session_ended", "该场直播已结束 (session already ended)")
        return {
            "session_id": session_id,
            "rtmp_url": session["rtmp_url"],
            "stream_key": session["_stream_key"],
        }

    def snapshot(self) -> Obj:
        self.flush(force=True)
        return {
            "room": self.room,
            "seq": self.log.committed,
            "session": self.session_view(),
            "bag": self.bag(),
            "explaining": self.state["explaining"],
            "coupons": [public(c) for c in self.coupons.values()],
            "flash_sales": [public(f) for f in self.flash_sales.values()],
            "lotteries": [public(lo) for lo in self.lotteries.values()],
            "red_envelopes": [public(r) for r in self.red_envelopes.values()],
            "reservations": [public(r) for r in self.reservations.values()],
            "pinned_comment": self.state["pinned"],
            "muted_users": [
                {
                    "user_id": u,
                    "nickname": mu["nickname"],
                    "until_ts": mu["until"],
                    "session_id": mu["session_id"],
                    "muted_ts": mu["ts"],
                    "actor": mu["actor"],
                }
                for u, mu in self.state["muted"].items()
                if self.is_muted(u)
            ],
            "metrics": dict(self.state["metrics"]),
        }

    def room_info(self) -> Obj:
        return {
            "id": self.room,
            "title": self.title,
            "seq": self.log.committed,
            "first_seq": self.log.first,
            "session": self.session_view(),
            "online": self.state["metrics"]["online"],
            "simulated": True,  # a rehearsal room: the audience is simulated
        }

    def order(self, order_id: str) -> Obj | None:
        o = self.orders.get(order_id)
        if o is None:
            o = self.store.order(order_id)
            if o is not None:
                self._remember_order(o)
        return o

    def _remember_order(self, o: Obj) -> None:
        self.orders[o["id"]] = o
        if len(self.orders) > ORDERS_IN_MEMORY:
            self.orders.popitem(last=False)

    def orders_after(self, after_seq: int, limit: int) -> list[Obj]:
        self.commit_quietly()
        return self.store.orders_after(after_seq, limit)

    def find_comment(self, comment_id: str) -> Obj | None:
        c = self._recent_comments.get(comment_id)
        if c is not None:
            return c
        digits = comment_id[1:]
        if not comment_id.startswith("c") or not (digits.isascii() and digits.isdigit()):
            return None
        if len(digits) > 18:  # beyond any seq (and SQLite's 64-bit integers)
            return None
        row = self.store.event(int(comment_id[1:]))
        if row is None or row[0] != "comment":
            return None
        data = orjson.loads(row[1]).get("data")
        comment = data.get("comment") if isinstance(data, dict) else None
        return comment if isinstance(comment, dict) else None

    # --- sessions ------------------------------------------------------------------------------
    def start_session(self, actor: Obj) -> Obj:
        cur = self.current_session()
        if cur and cur["status"] == "live":
            raise conflict("session_live", "已有直播进行中 (a live session is already running)")
        now = self.now()
        sid = self._next_id("s")
        session = {
            "id": sid,
            "status": "live",
            "started_ts": now,
            "ended_ts": None,
            "rtmp_url": RTMP_URL,
            # the host's secret: kept out of every event and view (public() drops "_" keys);
            # the host reads it from GET /sessions/{id}/stream-target
            "_stream_key": f"{self.room}-{sid}-{secrets.token_hex(6)}",
        }
        self.sessions[sid] = session
        self.log.dirty("session", sid, session)
        self.state["session_id"] = sid
        self.state["metrics"] = new_metrics(online=len(self._online))
        self.state["like_total"] = 0
        self._uv = set()
        self._buyers = set()
        self.state["uv"] = []
        self.state["buyers"] = []
        self._dirty_state()
        self.append("session_started", {"session": public(session), "actor": actor})
        self._start_audience()
        return public(session)

    def end_session(self, session_id: str, actor: Obj) -> Obj:
        session = self.sessions.get(session_id)
        if session is None:
            raise not_found("session", session_id)
        if session["status"] != "live":
            raise conflict("session_ended", "该场直播已结束 (session already ended)")
        now = self.now()
        # the session's last figures go out before its end: stock changes (throttled to one
        # product_updated per STOCK_EMIT_S) and the other deferred aggregates, so whoever records
        # the session up to session_ended has its final stock
        self._emit_throttled(now, force=True)
        session["status"] = "ended"
        session["ended_ts"] = now
        self.log.dirty("session", session_id, session)
        self.state["uv"] = sorted(self._uv)
        self.state["buyers"] = sorted(self._buyers)
        # nothing stays on stage or pinned past the session (consoles clear both on session_ended)
        self.state["explaining"] = None
        self.state["pinned"] = None
        self._dirty_state()
        self.append("session_ended", {"session": public(session), "actor": actor})
        for u in [u for u, mu in self.state["muted"].items() if mu["session_id"] == session_id]:
            self._lift_mute(u, "session_ended")  # 本场 mutes end with their session
        if self._audience_task is not None:
            self._audience_task.cancel()
            self._audience_task = None
        self._online.clear()
        self.state["metrics"]["online"] = 0
        self._online_changed = True
        return public(session)

    # --- the simulated audience hook -----------------------------------------------------------
    def _start_audience(self) -> None:
        """Run plugins/sandbox/audience.py's ``Audience`` while a session is live (if viewers)."""
        if self.viewers <= 0 or (self._audience_task and not self._audience_task.done()):
            return
        try:
            module = importlib.import_module("plugins.sandbox.audience")
        except ImportError as exc:
            log.warning("no simulated audience available (%s)", exc)
            return
        audience = module.Audience(self, seed=self.seed, viewers=self.viewers, rate=self.rate)
        self._audience = audience
        self._audience_task = asyncio.get_running_loop().create_task(
            audience.run(), name="sandbox-audience"
        )
        self._audience_task.add_done_callback(self._audience_done)

    def _audience_done(self, task: asyncio.Task[Any]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("simulated audience failed", exc_info=task.exception())

    @property
    def audience(self) -> Any:
        """The running simulated audience (plugins/sandbox/audience.py ``Audience``), or None."""
        return self._audience

    def set_audience_rate(self, rate: float) -> None:
        """Change ``--rate`` of this server, the running audience's included (load tests)."""
        self.rate = rate
        if self._audience is not None:
            self._audience.rate = rate

    async def _stop_audience(self) -> None:
        task, self._audience_task = self._audience_task, None
        self._audience = None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    # --- products ------------------------------------------------------------------------------
    def product(self, pid: str) -> Obj:
        p = self.products.get(pid)
        if p is None:
            raise not_found("product", pid)
        return p

    def reorder(self, version: int, product_ids: list[str], actor: Obj) -> Obj:
        if version != self.state["bag_version"]:
            raise conflict(
                "stale_version",
                "商品顺序已被他人修改，请刷新后重试 (the bag changed: stale version)",
                current=self.bag(),
            )
        if len(product_ids) != len(self.state["bag_order"]) or set(product_ids) != set(
            self.state["bag_order"]
        ):
            raise invalid("product_ids", "product_ids must list every product of the bag once")
        self.state["bag_order"] = list(product_ids)
        self.state["bag_version"] += 1
        self._dirty_state()
        self.append(
            "products_reordered",
            {
                "version": self.state["bag_version"],
                "product_ids": list(product_ids),
                "actor": actor,
            },
        )
        return self.bag()

    # --- the team's shared settings ---------------------------------------------------------
    def team_review(self) -> Obj:
        """The team's replay-score settings: ``version`` 0 and no values until first saved."""
        saved = self.state.get("team_review") or {"version": 0, "review": {}}
        return {"version": saved["version"], "review": dict(saved["review"])}

    def set_team_review(self, version: int, review: Obj, actor: Obj) -> Obj:
        """Replace the team's replay-score settings (``review`` already validated) over
        ``version``; another save since is a 409 ``stale_version`` carrying the current ones."""
        current = self.team_review()
        if version != current["version"]:
            raise conflict(
                "stale_version",
                "评分设置已被队友修改，请查看新的设置后重试 "
                "(a teammate changed the review settings: stale version)",
                current=current,
            )
        saved = {"version": version + 1, "review": dict(review)}
        self.state["team_review"] = saved
        self._dirty_state()
        self.append("team_review_changed", {**saved, "actor": actor})
        return self.team_review()

    def check_product_changes(self, changes: Obj) -> None:
        """A product edit changes something, sets no field to null, and gives the stock or a
        stock delta, not both (422 otherwise)."""
        for k, v in changes.items():
            if v is None:
                raise invalid(k, f"{k} may not be null")
        if "stock" in changes and "stock_delta" in changes:
            raise invalid("stock_delta", "give stock or stock_delta, not both")
        if not changes:
            raise invalid("body", "nothing to change")

    def update_product(self, pid: str, changes: Obj, actor: Obj) -> Obj:
        self.check_product_changes(changes)
        p = self.product(pid)
        changes = dict(changes)
        stock_field = "stock_delta" if "stock_delta" in changes else "stock"
        if "stock_delta" in changes:
            new_stock = p["stock"] + changes.pop("stock_delta")
            if new_stock < 0:
                raise invalid("stock_delta", "stock cannot go below 0")
            if new_stock > MAX_STOCK:
                raise invalid("stock_delta", f"stock cannot go above {MAX_STOCK}")
            changes["stock"] = new_stock
        if changes.get("stock", p["stock"]) < p["reserved"]:
            raise invalid(
                stock_field,
                f"库存不能低于已冻结的 {p['reserved']} 件 (stock cannot go below the "
                f"{p['reserved']} reserved units; release the reservation first)",
            )
        price = changes.get("price_cents", p["price_cents"])
        original = changes.get("original_price_cents", p.get("original_price_cents"))
        if original is not None and original < price:
            field = "original_price_cents" if "original_price_cents" in changes else "price_cents"
            raise invalid(
                field,
                f"原价不能低于售价 (original_price_cents {original} is below price_cents {price})",
            )
        if "price_cents" in changes:
            sale = self._flash_for(pid, ("active", "scheduled"))
            if sale is not None and price <= sale["price_cents"]:
                raise invalid(
                    "price_cents",
                    f"售价须高于秒杀价 (price_cents must stay above the flash sale's "
                    f"{sale['price_cents']}; end the flash sale first)",
                )
        p.update(changes)
        self.log.dirty("product", pid, p)
        self._emit_product(pid, self.now(), actor)
        if p["stock"] == 0:
            self._product_sold_out(pid)
        return public(p)

    def explain(self, pid: str, start: bool, actor: Obj) -> Obj | None:
        self.product(pid)
        cur = self.state["explaining"]
        if start:
            if cur and cur["product_id"] == pid:
                return cur
            if cur:
                self.append(
                    "product_explaining",
                    {"product_id": cur["product_id"], "explaining": False, "actor": actor},
                )
            self.state["explaining"] = {"product_id": pid, "since_ts": self.now()}
            self._dirty_state()
            self.append(
                "product_explaining", {"product_id": pid, "explaining": True, "actor": actor}
            )
            return self.state["explaining"]
        if not cur or cur["product_id"] != pid:
            raise conflict(
                "not_explaining", "该商品不在讲解中 (this product is not being explained)"
            )
        self.state["explaining"] = None
        self._dirty_state()
        self.append("product_explaining", {"product_id": pid, "explaining": False, "actor": actor})
        return None

    # --- coupons -------------------------------------------------------------------------------
    def check_coupon(self, spec: Obj) -> None:
        """The coupon rules (422 when broken): a discount coupon takes ``percent_off``, the
        others ``amount_cents``; only a threshold coupon has a threshold, above its amount;
        ``product_ids``, when given, lists at least one product."""
        kind = spec["kind"]
        amount, percent = spec.get("amount_cents"), spec.get("percent_off")
        threshold = spec.get("threshold_cents") or 0
        if kind == "discount":
            if percent is None:
                raise invalid("percent_off", "a discount coupon needs percent_off (1–99)")
            if amount is not None:
                raise invalid(
                    "amount_cents", "a discount coupon takes percent_off, not amount_cents"
                )
        else:
            if amount is None:
                raise invalid("amount_cents", f"a {kind} coupon needs amount_cents")
            if percent is not None:
                raise invalid("percent_off", f"a {kind} coupon takes amount_cents, not percent_off")
        if kind == "threshold":
            if threshold <= 0:
                raise invalid("threshold_cents", "a threshold coupon needs threshold_cents > 0")
            if amount is not None and amount >= threshold:
                raise invalid("amount_cents", "amount_cents must be below threshold_cents")
        elif threshold:
            raise invalid("threshold_cents", f"a {kind} coupon has no threshold")
        product_ids = spec.get("product_ids")
        if product_ids is not None and not product_ids:
            raise invalid("product_ids", "product_ids, when given, lists at least one product")

    def issue_coupon(self, spec: Obj, actor: Obj) -> Obj:
        self.check_coupon(spec)
        for pid in spec.get("product_ids") or []:
            if pid not in self.products:
                raise invalid("product_ids", f"unknown product {pid!r}")
        res = None
        if spec.get("reservation_id"):
            res = self._usable_reservation(spec["reservation_id"], "coupon", None)
            product_ids = spec.get("product_ids")
            if product_ids is None:  # a push for the reserved product: the coupon is for it
                spec = {**spec, "product_ids": [res["product_id"]]}
            elif res["product_id"] not in product_ids:
                raise invalid(
                    "reservation_id",
                    "优惠券须适用于冻结库存的商品 (the coupon must apply to the reserved product)",
                )
        now = self.now()
        cid = self._next_id("cp")
        coupon = {
            "id": cid,
            "kind": spec["kind"],
            "name": spec.get("name") or "",
            "threshold_cents": spec.get("threshold_cents") or 0,
            "amount_cents": spec.get("amount_cents"),
            "percent_off": spec.get("percent_off"),
            "quantity": spec["quantity"],
            "claimed": 0,
            "used": 0,
            "per_user_limit": spec.get("per_user_limit") or 1,
            "valid_seconds": spec["valid_seconds"],
            "product_ids": spec.get("product_ids"),
            "status": "active",
            "created_ts": now,
            "ends_ts": now + spec["valid_seconds"],
            "reservation_id": None if res is None else res["id"],
            "_claims": {},
            "_uses": {},
        }
        self.coupons[cid] = coupon
        self.log.dirty("coupon", cid, coupon)
        self.append("coupon_issued", {"coupon": public(coupon), "actor": actor})
        if res is not None:
            self._attach(res, cid, actor)
        return public(coupon)

    def end_coupon(self, cid: str, actor: Obj) -> Obj:
        c = self.coupons.get(cid)
        if c is None:
            raise not_found("coupon", cid)
        if c["status"] != "active":
            raise conflict("coupon_not_active", f"优惠券已{c['status']} (coupon is {c['status']})")
        c["status"] = "ended"
        c["ends_ts"] = self.now()
        self.log.dirty("coupon", cid, c)
        self.append("coupon_ended", {"coupon": public(c), "actor": actor})
        self._release_for(c, actor)
        return public(c)

    # --- flash sales ---------------------------------------------------------------------------
    def _flash_for(self, pid: str, statuses: tuple[str, ...] = ("active",)) -> Obj | None:
        for f in self.flash_sales.values():
            if f["product_id"] == pid and f["status"] in statuses:
                return f
        return None

    def create_flash_sale(self, spec: Obj, actor: Obj) -> Obj:
        pid = spec["product_id"]
        if pid not in self.products:
            raise invalid("product_id", f"unknown product {pid!r}")
        list_price = self.products[pid]["price_cents"]
        if spec["price_cents"] >= list_price:
            raise invalid(
                "price_cents",
                f"秒杀价须低于售价 (a flash price must be below the product's price {list_price})",
            )
        if self._flash_for(pid, ("active", "scheduled")):
            raise conflict(
                "flash_sale_exists", "该商品已有秒杀 (this product already has a flash sale)"
            )
        quantity = spec["quantity"]
        res = None
        if spec.get("reservation_id"):
            res = self._usable_reservation(spec["reservation_id"], "flash_sale", pid)
            if quantity > res["remaining"]:
                raise invalid(
                    "quantity",
                    f"秒杀数量超过冻结的 {res['remaining']} 件 (quantity {quantity} exceeds the "
                    f"{res['remaining']} reserved units)",
                )
        else:
            p = self.products[pid]
            free = self.free_stock(p)
            if quantity > free:
                raise conflict(
                    "insufficient_stock",
                    f"秒杀数量 {quantity} 件超过可售库存 {free} 件（已冻结 {p['reserved']} 件） "
                    f"(flash sale quantity {quantity} exceeds the free stock {free}; "
                    f"{p['reserved']} reserved)",
                    free_stock=free,
                )
        now = self.now()
        starts = now + spec.get("starts_in_seconds", 0)
        fid = self._next_id("fs")
        sale = {
            "id": fid,
            "product_id": pid,
            "price_cents": spec["price_cents"],
            "quantity": spec["quantity"],
            "sold": 0,
            "status": "scheduled",
            "starts_ts": starts,
            "ends_ts": starts + spec["duration_seconds"],
            "reservation_id": None if res is None else res["id"],
        }
        self.flash_sales[fid] = sale
        self.log.dirty("flash_sale", fid, sale)
        if res is not None:
            self._attach(res, fid, actor)
        if starts <= now:
            sale["status"] = "active"
            self.append("flash_sale_started", {"flash_sale": public(sale), "actor": actor})
        else:  # other consoles learn of it now, not only when it starts
            self.append("flash_sale_scheduled", {"flash_sale": public(sale), "actor": actor})
        return public(sale)

    def end_flash_sale(self, fid: str, actor: Obj) -> Obj:
        f = self.flash_sales.get(fid)
        if f is None:
            raise not_found("flash sale", fid)
        if f["status"] == "ended":
            raise conflict("flash_sale_ended", "秒杀已结束 (flash sale already ended)")
        self._end_flash_sale(f, actor)
        return public(f)

    def _end_flash_sale(self, f: Obj, actor: Obj | None = None) -> None:
        f["status"] = "ended"
        f["ends_ts"] = min(f["ends_ts"], self.now())
        self._flash_dirty.discard(f["id"])
        self.log.dirty("flash_sale", f["id"], f)
        data: Obj = {"flash_sale": public(f)}
        if actor:
            data["actor"] = actor
        self.append("flash_sale_ended", data)
        res = self._held(f.get("reservation_id"))
        if res is not None:  # what the sale did not sell goes back to free stock
            self._release(res, actor)

    def _product_sold_out(self, pid: str) -> None:
        f = self._flash_for(pid)
        if f is not None:
            self._end_flash_sale(f)

    # --- stock reservation 库存冻结 -------------------------------------------------------------
    @staticmethod
    def free_stock(p: Obj) -> int:
        """Units an ordinary order may take: the stock less what is reserved."""
        return int(p["stock"]) - int(p["reserved"])

    def reserve_stock(self, spec: Obj, actor: Obj) -> Obj:
        pid = spec["product_id"]
        p = self.products.get(pid)
        if p is None:
            raise invalid("product_id", f"unknown product {pid!r}")
        quantity = spec["quantity"]
        free = self.free_stock(p)
        if quantity > free:
            raise conflict(
                "insufficient_stock",
                f"可售库存不足：最多可冻结 {free} 件 (only {free} units of free stock, "
                f"{quantity} asked)",
                free_stock=free,
            )
        now = self.now()
        rid = self._next_id("rs")
        res = {
            "id": rid,
            "product_id": pid,
            "quantity": quantity,
            "remaining": quantity,
            "promotion": spec["promotion"],
            "promotion_id": None,
            "status": "held",
            "released": 0,
            "created_ts": now,
            "released_ts": None,
        }
        self.reservations[rid] = res
        self.log.dirty("reservation", rid, res)
        p["reserved"] += quantity
        self.log.dirty("product", pid, p)
        self.append("stock_reserved", {"reservation": public(res), "actor": actor})
        self._emit_product(pid, now, actor)
        return public(res)

    def release_reservation(self, rid: str, actor: Obj) -> Obj:
        res = self.reservations.get(rid)
        if res is None:
            raise not_found("reservation", rid)
        if res["status"] != "held":
            raise conflict("reservation_released", "冻结库存已释放 (reservation already released)")
        promo = res["promotion_id"]
        if promo is not None and (
            self.flash_sales.get(promo, {}).get("status") in ("scheduled", "active")
            or self.coupons.get(promo, {}).get("status") == "active"
        ):
            raise conflict(
                "reservation_in_use",
                "冻结库存正用于进行中的活动，请先结束活动 (the reservation's promotion is on; end it "
                "first)",
            )
        self._release(res, actor)
        return public(res)

    def _held(self, rid: str | None) -> Obj | None:
        res = self.reservations.get(rid) if rid else None
        return res if res is not None and res["status"] == "held" else None

    def _usable_reservation(self, rid: str, promotion: str, pid: str | None) -> Obj:
        """A held reservation for this kind of promotion, not yet used by another (422)."""
        res = self._held(rid)
        if res is None:
            raise invalid("reservation_id", f"冻结库存 {rid} 不存在或已释放 (no held reservation)")
        if res["promotion"] != promotion:
            raise invalid(
                "reservation_id",
                f"该冻结库存用于{'秒杀' if res['promotion'] == 'flash_sale' else '优惠券'} "
                f"(the reservation is for a {res['promotion']})",
            )
        if res["promotion_id"] is not None:
            raise invalid(
                "reservation_id", "该冻结库存已用于另一个活动 (already used by a promotion)"
            )
        if pid is not None and res["product_id"] != pid:
            raise invalid(
                "reservation_id", "冻结库存不是该商品的 (the reservation is for another product)"
            )
        return res

    def _attach(self, res: Obj, promotion_id: str, actor: Obj) -> None:
        res["promotion_id"] = promotion_id
        self.log.dirty("reservation", res["id"], res)
        self._reservation_dirty.discard(res["id"])
        self.append("reservation_updated", {"reservation": public(res), "actor": actor})

    def _release_for(self, promotion: Obj, actor: Obj | None = None) -> None:
        res = self._held(promotion.get("reservation_id"))
        if res is not None:
            self._release(res, actor)

    def _release(self, res: Obj, actor: Obj | None = None) -> None:
        """What is left of ``res`` goes back to its product's free stock."""
        now = self.now()
        back = res["remaining"]
        res.update(status="released", released=back, remaining=0, released_ts=now)
        self.log.dirty("reservation", res["id"], res)
        self._reservation_dirty.discard(res["id"])
        p = self.products[res["product_id"]]
        p["reserved"] -= back
        self.log.dirty("product", p["id"], p)
        data: Obj = {"reservation": public(res)}
        if actor:
            data["actor"] = actor
        self.append("stock_released", data)
        self._emit_product(p["id"], now)

    # --- red-envelope rain 红包雨 --------------------------------------------------------------
    def check_red_envelope(self, spec: Obj) -> None:
        """Enough money for the envelopes at their minimum; a fans-only rain names a level."""
        least = spec["count"] * spec["min_cents"]
        if spec["total_cents"] < least:
            raise invalid(
                "total_cents",
                f"总金额不足：{spec['count']} 个红包每个至少 {spec['min_cents']} 分，共需 {least} 分 "
                f"(total_cents must be at least count × min_cents = {least})",
            )
        if spec["eligibility"] == "fans" and spec.get("min_fan_level", 0) < 1:
            raise invalid(
                "min_fan_level", "粉丝红包须设粉丝等级 (a fans-only rain needs min_fan_level ≥ 1)"
            )

    def start_red_envelope(self, spec: Obj, actor: Obj) -> Obj:
        self.check_red_envelope(spec)
        rng = random.Random(os.urandom(16))
        amounts = red_envelope.split(
            spec["total_cents"], spec["count"], spec["split"], spec["min_cents"], rng
        )
        now = self.now()
        starts = now + spec.get("starts_in_seconds", 0)
        rid = self._next_id("re")
        rain = {
            "id": rid,
            "title": spec.get("title") or "",
            "total_cents": spec["total_cents"],
            "count": spec["count"],
            "split": spec["split"],
            "min_cents": spec["min_cents"],
            "eligibility": spec["eligibility"],
            "min_fan_level": spec.get("min_fan_level", 0) if spec["eligibility"] == "fans" else 0,
            "status": "scheduled",
            "starts_ts": starts,
            "ends_ts": starts + spec["duration_seconds"],
            "grabbed": 0,
            "grabbed_cents": 0,
            "remaining": spec["count"],
            "remaining_cents": spec["total_cents"],
            "leftover_cents": None,
            "best": None,
            "end_reason": None,
            "_amounts": amounts,
            "_grabbers": {},
        }
        self.red_envelopes[rid] = rain
        self.log.dirty("red_envelope", rid, rain)
        if starts <= now:
            rain["status"] = "active"
            self.append("red_envelope_started", {"red_envelope": public(rain), "actor": actor})
        else:
            self.append("red_envelope_scheduled", {"red_envelope": public(rain), "actor": actor})
        return public(rain)

    def end_red_envelope(self, rid: str, actor: Obj) -> Obj:
        rain = self.red_envelopes.get(rid)
        if rain is None:
            raise not_found("red envelope rain", rid)
        if rain["status"] == "ended":
            raise conflict("red_envelope_ended", "红包雨已结束 (red-envelope rain already ended)")
        self._end_rain(rain, "operator", actor)
        return public(rain)

    def _end_rain(self, rain: Obj, reason: str, actor: Obj | None = None) -> None:
        rid = rain["id"]
        if rid in self._rain_grabs:  # the last grabs before the end, in order
            self._emit_grabs(rid, self.now())
        rain.update(
            status="ended",
            ends_ts=min(rain["ends_ts"], self.now()),
            leftover_cents=rain["remaining_cents"],
            end_reason=reason,
            _amounts=[],
        )
        self.log.dirty("red_envelope", rid, rain)
        data: Obj = {"red_envelope": public(rain)}
        if actor:
            data["actor"] = actor
        self.append("red_envelope_ended", data)

    def _emit_grabs(self, rid: str, now: float) -> None:
        count, cents, recent = self._rain_grabs.pop(rid)
        self._rain_emitted[rid] = now
        self.append(
            "red_envelope_grabbed",
            {
                "red_envelope": public(self.red_envelopes[rid]),
                "count": count,
                "amount_cents": cents,
                "grabs": recent,
            },
        )

    def grab_red_envelope(self, user: SimUser, rid: str) -> int:
        """``user`` grabs one envelope of rain ``rid``: its amount in cents. :class:`GrabRefused`
        (nothing changed) when the rain is not on, all is grabbed, the viewer already grabbed or
        is not eligible."""
        rain = self.red_envelopes.get(rid)
        if rain is None or rain["status"] != "active" or self.now() >= rain["ends_ts"]:
            raise GrabRefused("red_envelope_not_active", "红包雨未在进行 (the rain is not on)")
        if user.id in rain["_grabbers"]:
            raise GrabRefused("already_grabbed", "已抢过这场红包雨 (one envelope per viewer)")
        elig = rain["eligibility"]
        if (elig == "followers" and not user.is_follower) or (
            elig == "fans" and user.fan_level < rain["min_fan_level"]
        ):
            raise GrabRefused("not_eligible", "不符合领取条件 (not eligible for this rain)")
        amounts: list[int] = rain["_amounts"]
        if not amounts:
            raise GrabRefused("red_envelope_empty", "红包已抢完 (every envelope is grabbed)")
        amount = amounts.pop()
        rain["_grabbers"][user.id] = amount
        rain["grabbed"] += 1
        rain["grabbed_cents"] += amount
        rain["remaining"] -= 1
        rain["remaining_cents"] -= amount
        grab = {"user_id": user.id, "nickname": user.nickname, "amount_cents": amount}
        best = rain["best"]
        if best is None or amount > best["amount_cents"]:
            rain["best"] = grab
        self.log.dirty("red_envelope", rid, rain)
        pending = self._rain_grabs.setdefault(rid, [0, 0, []])
        pending[0] += 1
        pending[1] += amount
        recent: list[Obj] = pending[2]
        recent.append(grab)
        if len(recent) > RAIN_RECENT_GRABS:
            del recent[0]
        if not amounts:
            self._end_rain(rain, "all_grabbed")
        return amount

    def active_rains(self) -> list[RainView]:
        now = self.now()
        return [
            RainView(
                id=r["id"],
                eligibility=r["eligibility"],
                min_fan_level=r["min_fan_level"],
                remaining=r["remaining"],
            )
            for r in self.red_envelopes.values()
            if r["status"] == "active" and now < r["ends_ts"]
        ]

    # --- lotteries -----------------------------------------------------------------------------
    def check_lottery(self, spec: Obj) -> None:
        """A lottery's keyword is not blank (422 otherwise)."""
        if not spec["keyword"].strip():
            raise invalid("keyword", "keyword must not be blank")

    def start_lottery(self, spec: Obj, actor: Obj) -> Obj:
        self.check_lottery(spec)
        seed = os.urandom(32)
        now = self.now()
        lid = self._next_id("lt")
        lo = {
            "id": lid,
            "prize": spec["prize"],
            "keyword": spec["keyword"].strip(),
            "winners": spec["winners"],
            "duration_seconds": spec["duration_seconds"],
            "eligibility": spec.get("eligibility", "all"),
            "commitment": lottery_fn.commitment(seed),
            "status": "open",
            "starts_ts": now,
            "ends_ts": now + spec["duration_seconds"],
            "entrants": 0,
            "seed": None,
            "participants_digest": None,
            "participant_ids": None,
            "winner_ids": None,
            "winner_nicknames": None,
            "_seed": seed.hex(),
            "_participants": {},
        }
        self.lotteries[lid] = lo
        self.log.dirty("lottery", lid, lo)
        self.append("lottery_started", {"lottery": public(lo), "actor": actor})
        return public(lo)

    def draw_lottery(self, lid: str, actor: Obj) -> Obj:
        lo = self.lotteries.get(lid)
        if lo is None:
            raise not_found("lottery", lid)
        if lo["status"] == "drawn":
            raise conflict("lottery_drawn", "已开奖 (already drawn)")
        if self.now() <= lo["ends_ts"]:
            raise conflict(
                "lottery_open", "抽奖尚未截止，不能开奖 (the entry window is still open)"
            )
        seed = bytes.fromhex(lo["_seed"])
        parts: dict[str, str] = lo["_participants"]
        ids = sorted(parts)
        winners = lottery_fn.draw_winners(seed, ids, lo["winners"])
        lo.update(
            status="drawn",
            seed=lo["_seed"],
            participants_digest=lottery_fn.participants_digest(ids),
            participant_ids=ids,
            winner_ids=winners,
            winner_nicknames=[parts[w] for w in winners],
        )
        self.log.dirty("lottery", lid, lo)
        self.append("lottery_drawn", {"lottery": public(lo), "actor": actor})
        return public(lo)

    def _enter_lotteries(
        self, user_id: str, nickname: str, text: str, follower: bool, ts: float
    ) -> None:
        for lo in self.lotteries.values():
            if lo["status"] != "open" or not (lo["starts_ts"] <= ts <= lo["ends_ts"]):
                continue
            parts = lo["_participants"]
            if user_id in parts or not lottery_fn.keyword_matches(lo["keyword"], text):
                continue
            if len(parts) >= MAX_LOTTERY_ENTRANTS:
                continue
            if lo["eligibility"] == "followers" and not follower:
                continue
            parts[user_id] = nickname
            lo["entrants"] = len(parts)
            self.log.dirty("lottery", lo["id"], lo)
            self.append(
                "lottery_entered",
                {"lottery_id": lo["id"], "user_id": user_id, "entrants": lo["entrants"]},
                ts,
            )

    # --- comments and moderation ---------------------------------------------------------------
    def _comment(
        self,
        user_id: str,
        nickname: str,
        text: str,
        *,
        is_follower: bool = False,
        fan_level: int = 0,
        role: str = "viewer",
        actor: Obj | None = None,
    ) -> Obj:
        ts = self.now()
        cid = f"c{self.log.seq + 1}"  # the comment's id is the seq of its event
        comment = {
            "id": cid,
            "user_id": user_id,
            "nickname": nickname,
            "text": text,
            "is_follower": is_follower,
            "fan_level": fan_level,
            "role": role,
            "ts": ts,
        }
        data: Obj = {"comment": comment}
        if actor:
            data["actor"] = actor
        self.append("comment", data, ts)
        self._recent_comments[cid] = comment
        if len(self._recent_comments) > RECENT_COMMENTS:
            self._recent_comments.popitem(last=False)
        self.state["metrics"]["comments"] += 1
        self._dirty_state()
        if role == "viewer":
            self._enter_lotteries(user_id, nickname, text, is_follower, ts)
        return comment

    def check_comment(self, text: str) -> None:
        """A staff comment is not blank (422 otherwise)."""
        if not text.strip():
            raise invalid("text", "text must not be blank")

    def staff_comment(self, text: str, actor: Obj) -> Obj:
        self.check_comment(text)
        role = actor["role"] if actor["role"] in STAFF_NAMES else "assistant"
        return self._comment(
            f"staff:{actor['token_id']}", STAFF_NAMES[role], text, role=role, actor=actor
        )

    def pin(self, comment_id: str | None, actor: Obj) -> Obj | None:
        comment = None
        if comment_id is not None:
            comment = self.find_comment(comment_id)
            if comment is None:
                raise not_found("comment", comment_id)
        elif self.state["pinned"] is None:
            raise conflict("not_pinned", "没有置顶评论 (no comment is pinned)")
        self.state["pinned"] = comment
        self._dirty_state()
        self.append("comment_pinned", {"comment": comment, "actor": actor})
        return comment

    def unpin(self, comment_id: str, actor: Obj) -> None:
        """Unpin ``comment_id``: 409 ``not_pinned`` unless it is the pinned comment."""
        pinned = self.state["pinned"]
        if pinned is None or pinned["id"] != comment_id:
            raise conflict("not_pinned", "该评论未置顶 (this comment is not pinned)")
        self.pin(None, actor)

    def hide(self, comment_id: str, actor: Obj) -> str:
        """Hide ``comment_id`` from every console (unpinning it first); its id."""
        if self.find_comment(comment_id) is None:
            raise not_found("comment", comment_id)
        pinned = self.state["pinned"]
        if pinned and pinned["id"] == comment_id:
            self.state["pinned"] = None
            self._dirty_state()
            self.append("comment_pinned", {"comment": None, "actor": actor})
        self.append("comment_hidden", {"comment_id": comment_id, "actor": actor})
        return comment_id

    def mute(
        self,
        user_id: str,
        seconds: int | None,
        nickname: str,
        actor: Obj,
        *,
        until_session_end: bool = False,
    ) -> Obj:
        """Mute ``user_id`` for ``seconds``, until the live session ends, or (neither) for good.
        A mute replaces the user's earlier one (a new duration)."""
        session_id = None
        if until_session_end:
            if seconds is not None:
                raise invalid("until_session_end", "seconds 与 until_session_end 只能选一个")
            session = self.current_session()
            if session is None or session["status"] != "live":
                raise conflict("not_live", "没有进行中的直播，无法禁言本场 (no live session)")
            session_id = session["id"]
        now = self.now()
        until = None if seconds is None else now + seconds
        self.state["muted"][user_id] = {
            "until": until,
            "session_id": session_id,
            "nickname": nickname,
            "ts": now,
            "actor": actor,
        }
        self._dirty_state()
        for lo in self.lotteries.values():  # a muted user leaves every undrawn lottery
            if lo["status"] != "drawn" and user_id in lo["_participants"]:
                del lo["_participants"][user_id]
                lo["entrants"] = len(lo["_participants"])
                self.log.dirty("lottery", lo["id"], lo)
        data = {
            "user_id": user_id,
            "nickname": nickname,
            "seconds": seconds,
            "until_ts": until,
            "session_id": session_id,
            "actor": actor,
        }
        self.append("user_muted", data)
        return {k: v for k, v in data.items() if k != "actor"}

    def unmute(self, user_id: str, actor: Obj) -> Obj:
        """Lift ``user_id``'s mute. Idempotent: a user who is not muted (never, or whose mute
        ended) answers ``unmuted: false`` and nothing happens (no event)."""
        if not self.is_muted(user_id):
            return {"user_id": user_id, "unmuted": False}
        self._lift_mute(user_id, "operator", actor)
        return {"user_id": user_id, "unmuted": True}

    def _lift_mute(self, user_id: str, reason: str, actor: Obj | None = None) -> None:
        mu = self.state["muted"].pop(user_id)
        self._dirty_state()
        data: Obj = {"user_id": user_id, "nickname": mu["nickname"], "reason": reason}
        if actor is not None:
            data["actor"] = actor
        self.append("user_unmuted", data)

    # --- AudienceHost: what viewers see ----------------------------------------------------------
    def session_live(self) -> bool:
        s = self.current_session()
        return bool(s and s["status"] == "live")

    def listed_products(self) -> list[ProductView]:
        out = []
        for pid in self.state["bag_order"]:
            p = self.products[pid]
            if not p["listed"]:
                continue
            f = self._flash_for(pid)
            stock = self.free_stock(p) if f is None else self._flash_available(p, f)
            out.append(
                ProductView(
                    id=pid,
                    title=p["title"],
                    price_cents=p["price_cents"] if f is None else f["price_cents"],
                    stock=stock,
                    sku_ids=tuple(s["id"] for s in p["skus"]),
                    flash_sale_id=None if f is None else f["id"],
                    sku_names=tuple(s["name"] for s in p["skus"]),
                )
            )
        return out

    def _flash_available(self, p: Obj, f: Obj) -> int:
        """Units the active flash sale ``f`` may still sell: from its reservation if it has one,
        else from the free stock."""
        left = int(f["quantity"]) - int(f["sold"])
        res = self._held(f.get("reservation_id"))
        return min(left, res["remaining"] if res is not None else self.free_stock(p))

    def explaining_product_id(self) -> str | None:
        e = self.state["explaining"]
        return e["product_id"] if e else None

    def active_coupons(self) -> list[CouponView]:
        now = self.now()
        return [
            CouponView(
                id=c["id"],
                kind=c["kind"],
                threshold_cents=c["threshold_cents"],
                amount_cents=c["amount_cents"],
                percent_off=c["percent_off"],
                remaining=max(0, c["quantity"] - c["claimed"]),
                product_ids=tuple(c["product_ids"]) if c["product_ids"] is not None else None,
            )
            for c in self.coupons.values()
            if c["status"] == "active" and c["ends_ts"] > now
        ]

    def open_lotteries(self) -> list[LotteryView]:
        now = self.now()
        return [
            LotteryView(id=lo["id"], keyword=lo["keyword"], eligibility=lo["eligibility"])
            for lo in self.lotteries.values()
            if lo["status"] == "open" and lo["starts_ts"] <= now <= lo["ends_ts"]
        ]

    def is_muted(self, user_id: str) -> bool:
        mu = self.state["muted"].get(user_id)
        if mu is None:
            return False
        until = mu["until"]
        return until is None or until > self.now()

    # --- AudienceHost: what viewers do -----------------------------------------------------------
    def viewer_enter(self, user: SimUser) -> None:
        m = self.state["metrics"]
        if user.id not in self._online:
            self._online[user.id] = user.nickname
            m["online"] = len(self._online)
            self._online_changed = True
        if user.id not in self._uv:
            self._uv.add(user.id)
            m["uv"] = len(self._uv)
            self._dirty_state()
        self.append("viewer_enter", {"user_id": user.id, "nickname": user.nickname})

    def viewer_leave(self, user_id: str) -> None:
        if self._online.pop(user_id, None) is not None:
            self.state["metrics"]["online"] = len(self._online)
            self._online_changed = True

    def comment(self, user: SimUser, text: str) -> None:
        if self.is_muted(user.id):
            return  # a muted viewer's comments are not shown to anyone
        self._comment(
            user.id, user.nickname, text, is_follower=user.is_follower, fan_level=user.fan_level
        )

    def like(self, user: SimUser, count: int) -> None:
        if count <= 0:
            return
        self._likes_pending += count
        self.state["like_total"] += count
        self.state["metrics"]["likes"] += count
        self._dirty_state()

    def gift(self, user: SimUser, gift: str, count: int, value_cents: int) -> None:
        self.append(
            "gift",
            {
                "user_id": user.id,
                "nickname": user.nickname,
                "gift": gift,
                "count": count,
                "value_cents": value_cents,
                "currency": "CNY",
            },
        )

    def paid_message(self, user: SimUser, amount_cents: int, text: str) -> None:
        self.append(
            "paid_message",
            {
                "user_id": user.id,
                "nickname": user.nickname,
                "amount_cents": amount_cents,
                "currency": "CNY",
                "text": text,
            },
        )

    def going_to_buy(self, user: SimUser) -> None:
        """A ``room_note`` 「… 正在去买」, as platforms show a viewer heading for the checkout; at
        most one per :data:`BUY_NOTE_EVERY_S` (a busy room buys many times a second)."""
        now = self.now()
        if now - self._last_buy_note < BUY_NOTE_EVERY_S:
            return
        self._last_buy_note = now
        text = f"{user.nickname} 正在去买"
        self.append("room_note", {"kind": "goto_buy_flow", "text": text})

    def membership(self, user: SimUser, tier: str, months: int, amount_cents: int) -> None:
        self.append(
            "membership",
            {
                "user_id": user.id,
                "nickname": user.nickname,
                "tier": tier,
                "months": months,
                "amount_cents": amount_cents,
                "currency": "CNY",
            },
        )

    def share(self, user: SimUser) -> None:
        self.append("share", {"user_id": user.id, "nickname": user.nickname})

    def follow(self, user: SimUser) -> None:
        if user.is_follower:
            return
        user.is_follower = True
        self.state["metrics"]["new_followers"] += 1
        self._dirty_state()
        self.append("follow", {"user_id": user.id, "nickname": user.nickname})

    def claim_coupon(self, user: SimUser, coupon_id: str) -> None:
        c = self.coupons.get(coupon_id)
        if c is None or c["status"] != "active" or c["ends_ts"] <= self.now():
            raise NotAllowed("coupon is not active")
        if c["claimed"] >= c["quantity"]:
            raise NotAllowed("coupon is all claimed")
        claims = c["_claims"]
        if claims.get(user.id, 0) >= c["per_user_limit"]:
            raise NotAllowed("per-user limit reached")
        claims[user.id] = claims.get(user.id, 0) + 1
        c["claimed"] += 1
        self.log.dirty("coupon", coupon_id, c)
        self.append(
            "coupon_claimed",
            {
                "coupon_id": coupon_id,
                "user_id": user.id,
                "claimed": c["claimed"],
                "remaining": c["quantity"] - c["claimed"],
            },
        )

    def _coupon_discount(self, c: Obj, user_id: str, pid: str, subtotal: int) -> int:
        if c["status"] != "active" or c["ends_ts"] <= self.now():
            raise NotAllowed("coupon is not active")
        if c["_claims"].get(user_id, 0) <= c["_uses"].get(user_id, 0):
            raise NotAllowed("coupon not claimed (or already used)")
        if c["product_ids"] is not None and pid not in c["product_ids"]:
            raise NotAllowed("coupon does not apply to this product")
        if c["kind"] == "threshold":
            if subtotal < c["threshold_cents"]:
                raise NotAllowed("order below the coupon threshold")
            off = int(c["amount_cents"])
        elif c["kind"] == "discount":
            off = subtotal * int(c["percent_off"]) // 100
        else:
            off = int(c["amount_cents"])
        return min(off, subtotal - 1)  # an order always costs at least 1 分

    def check_order(self, product_id: str) -> None:
        """An operator's order names a product of the room (422 otherwise)."""
        if product_id not in self.products:
            raise invalid("product_id", f"unknown product {product_id!r}")

    def place_order(
        self,
        user: SimUser,
        product_id: str,
        sku_id: str | None,
        quantity: int,
        coupon_id: str | None = None,
        actor: Obj | None = None,
    ) -> str:
        """Place ``user``'s order (``order_created``); its id. :class:`SoldOut` or
        :class:`NotAllowed` (nothing changed) when it cannot be placed."""
        p = self.products.get(product_id)
        if p is None or not p["listed"]:
            raise NotAllowed("product is not on sale")
        if quantity <= 0:
            raise NotAllowed("quantity must be positive")
        sku_name = None
        if sku_id is not None:
            sku = next((s for s in p["skus"] if s["id"] == sku_id), None)
            if sku is None:
                raise NotAllowed("unknown sku")
            sku_name = sku["name"]
        f = self._flash_for(product_id)
        res: Obj | None = None
        if f is not None:
            available = self._flash_available(p, f)
            unit = f["price_cents"]
            res = self._held(f.get("reservation_id"))
        else:
            available = self.free_stock(p)
            unit = p["price_cents"]
            c = self.coupons.get(coupon_id) if coupon_id is not None else None
            if c is not None:  # a coupon made on a reservation lets its holders buy from it
                res = self._held(c.get("reservation_id"))
                if res is not None and res["product_id"] == product_id:
                    available += res["remaining"]
                else:
                    res = None
        if available < quantity:
            raise SoldOut(f"only {available} left")
        subtotal = unit * quantity
        coupon = None
        discount = 0
        if coupon_id is not None:
            coupon = self.coupons.get(coupon_id)
            if coupon is None:
                raise NotAllowed("unknown coupon")
            discount = self._coupon_discount(coupon, user.id, product_id, subtotal)
            coupon["_uses"][user.id] = coupon["_uses"].get(user.id, 0) + 1
            coupon["used"] += 1
            self.log.dirty("coupon", coupon_id, coupon)
        now = self.now()
        p["stock"] -= quantity
        p["sold"] += quantity
        drawn = 0
        if res is not None:  # the promotion draws from its reservation first
            drawn = min(quantity, res["remaining"])
            res["remaining"] -= drawn
            p["reserved"] -= drawn
            self.log.dirty("reservation", res["id"], res)
            self._reservation_dirty.add(res["id"])
        self.log.dirty("product", product_id, p)
        self._stock_dirty.add(product_id)
        if f is not None:
            f["sold"] += quantity
            self.log.dirty("flash_sale", f["id"], f)
            self._flash_dirty.add(f["id"])
        order = {
            "id": self._next_id("o"),
            "user_id": user.id,
            "nickname": user.nickname,
            "product_id": product_id,
            "product_title": p["title"],
            "sku_id": sku_id,
            "sku_name": sku_name,
            "quantity": quantity,
            "unit_price_cents": unit,
            "amount_cents": subtotal - discount,
            "status": "created",
            "coupon_id": coupon_id,
            "flash_sale_id": None if f is None else f["id"],
            "reservation_id": res["id"] if res is not None and drawn else None,
            "created_ts": now,
            "seq": self.log.seq + 1,
        }
        data: Obj = {"order": order}
        if actor:
            data["actor"] = actor
        self.append("order_created", data, now)
        self._remember_order(order)
        self.log.dirty_order(order)
        m = self.state["metrics"]
        m["orders"] += 1
        m["gmv_cents"] += order["amount_cents"]
        if user.id not in self._buyers:
            self._buyers.add(user.id)
            m["buyers"] = len(self._buyers)
        self._dirty_state()
        if p["stock"] == 0:
            self._emit_product(product_id, now)  # sold out: at once, not throttled
        if f is not None and (
            f["sold"] >= f["quantity"]
            or p["stock"] == 0
            or (res is not None and not res["remaining"])
        ):
            self._end_flash_sale(f)
        return str(order["id"])

    def pay_order(self, order_id: str, actor: Obj | None = None) -> None:
        """``order_paid``; :class:`NotAllowed` unless the order exists and is unpaid."""
        o = self.order(order_id)
        if o is None:
            raise NotAllowed("unknown order")
        if o["status"] != "created":
            raise NotAllowed(f"order is {o['status']}")
        o["status"] = "paid"
        o["seq"] = self.log.seq + 1
        data: Obj = {"order": o}
        if actor:
            data["actor"] = actor
        self.append("order_paid", data)
        self.log.dirty_order(o)
        m = self.state["metrics"]
        m["paid_orders"] += 1
        m["paid_gmv_cents"] += o["amount_cents"]
        self._dirty_state()

    def refund_order(self, order_id: str, reason: str, actor: Obj | None = None) -> None:
        """``order_refunded``, the units back on sale; :class:`NotAllowed` unless it was paid."""
        o = self.order(order_id)
        if o is None:
            raise NotAllowed("unknown order")
        if o["status"] == "refunded":
            raise NotAllowed("order is already refunded")
        if o["status"] != "paid":  # nothing was paid: there is no money to give back
            raise NotAllowed(f"only a paid order can be refunded (this one is {o['status']})")
        o["status"] = "refunded"
        o["seq"] = self.log.seq + 1
        data: Obj = {"order": o, "reason": reason}
        if actor:
            data["actor"] = actor
        self.append("order_refunded", data)
        self.log.dirty_order(o)
        p = self.products.get(o["product_id"])
        if p is not None:  # the refunded units go back on sale
            p["stock"] += o["quantity"]
            p["sold"] = max(0, p["sold"] - o["quantity"])
            self.log.dirty("product", p["id"], p)
            self._stock_dirty.add(p["id"])
        self.state["metrics"]["refunded_cents"] += o["amount_cents"]
        self._dirty_state()


def order_error(exc: Exception) -> ApiError:
    if isinstance(exc, SoldOut):
        return conflict("sold_out", f"库存不足 (sold out: {exc})")
    return conflict("not_allowed", f"不允许 (not allowed: {exc})")
