"""Session recording against the real sandbox server (a subprocess on 127.0.0.1).

What a team would notice: the recorded session's totals are the platform's totals; a console
killed with SIGKILL leaves a session file that opens and holds everything up to the last second
before the kill; a console restarted mid-session keeps recording into the same file and fills the
gap from the platform's log.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import websockets

from app.live.room import LiveRoom
from app.platform import models as m
from app.platform.client import PlatformClient
from app.session.attribution import per_product
from app.session.recorder import SessionRecorder
from app.session.replay import SessionFile, list_sessions
from tests.support.polling import until
from tests.support.processes import spawn

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


def platform_orders(srv: Any) -> list[dict[str, Any]]:
    """Every order of the room, from GET /orders (paged by seq)."""
    out: dict[str, dict[str, Any]] = {}
    after = 0
    with httpx.Client(timeout=30) as c:
        while True:
            r = c.get(
                srv.api("/orders"),
                params={"after_seq": after, "limit": 10_000},
                headers=srv.headers("reviewer"),
            )
            r.raise_for_status()
            page = r.json()
            if not page:
                return list(out.values())
            for o in page:
                out[o["id"]] = o
            after = max(int(o["seq"]) for o in page)


async def platform_log(srv: Any, upto: int) -> list[dict[str, Any]]:
    """The room's event log from seq 1 to ``upto``, from the event stream (after_seq=0)."""
    out: list[dict[str, Any]] = []
    url = srv.events_url(0, srv.tokens["reviewer"])
    async with websockets.connect(url, max_size=2**24) as ws:
        while not out or out[-1]["seq"] < upto:
            msg = await asyncio.wait_for(ws.recv(), 30)
            ev = orjson.loads(msg)
            if ev.get("seq"):
                out.append(ev)
    return [e for e in out if e["seq"] <= upto]


async def test_recorded_session_has_the_platforms_totals(
    sandbox_server: Callable[..., Any], tmp_path: Path
) -> None:
    srv = sandbox_server(viewers=400, seed=11, extra=["--rate", "400"])
    client = PlatformClient(srv.url, srv.room, srv.tokens["host"], role="host")
    room = LiveRoom(client)
    rec = SessionRecorder(room, tmp_path / "sessions")
    room.start()
    await room.wait_loaded()
    rec.start()
    assert not rec.recording  # no live session yet: nothing to record
    try:
        await until(lambda: room.online, 20, "the event stream to connect")
        await room.start_session()
        await until(lambda: rec.recording, 20, "the recorder to open the session file")
        await until(lambda: room.metrics.orders >= 1, 30, "the audience to buy")
        await room.explain(room.product_ids[0])
        await room.issue_coupon(
            m.CouponSpec(
                kind=m.CouponKind.NO_THRESHOLD,
                amount_cents=500,
                quantity=50,
                valid_seconds=60,
                name="五元券",
            )
        )
        await asyncio.sleep(6)
        await room.explain(room.product_ids[1])
        await asyncio.sleep(4)
        await room.end_session()
        await until(lambda: not rec.recording, 20, "the session file to close")
    finally:
        await rec.stop()
        await room.stop()
        await client.close()

    [path] = rec.files
    f = SessionFile(path)
    s = f.summary()
    assert s.ended_ts is not None
    ended_seq = s.last_seq
    log = await platform_log(srv, ended_seq)
    started = next(e["seq"] for e in log if e["type"] == "session_started")
    session_log = [e for e in log if e["seq"] >= started]
    assert session_log[-1]["type"] == "session_ended"

    # every event of the session, exactly once, in order
    assert f.event_seqs() == [e["seq"] for e in session_log]
    # orders and GMV: the platform's own order list
    orders = [o for o in platform_orders(srv) if o["created_ts"] <= s.ended_ts]
    assert s.orders == len(orders) > 0
    assert s.gmv_cents == sum(o["amount_cents"] for o in orders)
    paid = [o for o in orders if o["status"] != "created"]
    assert s.paid_gmv_cents == sum(o["amount_cents"] for o in paid)
    # comments: the platform's event log
    viewer_comments = [
        e
        for e in session_log
        if e["type"] == "comment" and e["data"]["comment"].get("role", "viewer") == "viewer"
    ]
    assert s.comments == len(viewer_comments) > 0
    # who did what: the two explains and the coupon are markers with the host's role
    kinds = [(mk.kind, mk.role) for mk in f.markers()]
    assert kinds.count(("explain", "host")) == 2
    assert ("coupon_issued", "host") in kinds
    rows = {r.product_id: r for r in per_product(f)}
    assert rows[room.product_ids[0]].on_screen_s > 3
    # this console's own actions, with latency
    names = [a["name"] for a in f.actions()]
    assert names[:1] == ["start_session"] and "issue_coupon" in names
    assert {a["role"] for a in f.actions()} == {"host"}  # who did it: this console's operator
    f.close()


CHILD = r"""
import asyncio, sys, time
from pathlib import Path
from app.live.room import LiveRoom
from app.platform.client import PlatformClient
from app.session.recorder import SessionRecorder

async def main(url, room_id, token):
    client = PlatformClient(url, room_id, token, role="host")
    room = LiveRoom(client)
    room.start()
    await room.wait_loaded()
    rec = SessionRecorder(room)
    rec.start()
    while True:
        await asyncio.sleep(0.1)
        w = rec.writer
        if w is not None:
            filling = int(rec._backfill is not None and not rec._backfill.done())
            print("SEQ", room.seq, w.stats.last_seq, time.time(), filling, w.path, flush=True)

asyncio.run(main(*sys.argv[1:4]))
"""


class Child:
    """A console process (LiveRoom + SessionRecorder) whose progress lines are read live."""

    def __init__(self, srv: Any, data_dir: Path) -> None:
        env = dict(os.environ, LIVEDESK_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1")
        self.proc = spawn(
            [sys.executable, "-c", CHILD, srv.url, srv.room, srv.tokens["host"]],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.lines: list[tuple[int, int, float, int]] = []  # room seq, written, time, filling
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            parts = raw.decode().split()
            if len(parts) >= 5 and parts[0] == "SEQ":  # the last line may be cut by the kill
                self.lines.append((int(parts[1]), int(parts[2]), float(parts[3]), int(parts[4])))

    def kill(self) -> float:
        t = time.time()
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        return t


async def test_sigkill_mid_session_loses_at_most_the_last_second(
    sandbox_server: Callable[..., Any], tmp_path: Path
) -> None:
    srv = sandbox_server(viewers=400, seed=3, live=True, extra=["--rate", "1500"])
    data = tmp_path / "data"
    child = Child(srv, data)
    try:
        await until(
            lambda: bool(child.lines) and child.lines[-1][3] == 0, 60, "the console to record"
        )
        await asyncio.sleep(6)
        kill_ts = child.kill()
    finally:
        if child.proc.poll() is None:
            child.kill()
    files = list((data / "sessions").glob("*.livedesk"))
    assert len(files) == 1
    path = files[0]

    # reopen: the file is sound and the session is listed
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()
    [summary] = list_sessions(data / "sessions")
    assert summary.ended_ts is None and summary.orders > 0
    f = SessionFile(path)
    recorded = f.event_seqs()
    f.close()

    # the platform's log: every event of the session up to one second before the kill is there
    received_before = [seq for seq, _, t, _ in child.lines if t <= kill_ts - 1.0]
    log = await platform_log(srv, max(recorded[-1], max(received_before, default=0)))
    first = next(e["seq"] for e in log if e["type"] == "session_started")
    due = [e["seq"] for e in log if e["seq"] >= first and e["ts"] <= kill_ts - 1.0]
    assert len(due) > 1000
    missing = sorted(set(due) - set(recorded))
    assert not missing, f"{len(missing)} events before kill−1 s missing, first {missing[:5]}"
    # nothing invented, nothing twice
    assert recorded == list(range(first, first + len(recorded)))

    # the console comes back mid-session: same file, gap filled from the platform's log
    child2 = Child(srv, data)
    try:
        await until(
            lambda: bool(child2.lines) and child2.lines[-1][3] == 0,
            60,
            "the restarted console to catch up",
        )
        await asyncio.sleep(2)
        child2.kill()
    finally:
        if child2.proc.poll() is None:
            child2.kill()
    assert list((data / "sessions").glob("*.livedesk")) == [path]
    with SessionFile(path) as f:
        again = f.event_seqs()
    assert again[: len(recorded)] == recorded
    assert again == list(range(first, first + len(again)))
    assert again[-1] >= child2.lines[0][0]


async def test_assistant_console_records_metrics_each_second_and_the_final_stock(
    sandbox_server: Callable[..., Any], tmp_path: Path
) -> None:
    """The assistant's console records a session the host runs: 1 Hz metrics that move with the
    audience, the assistant's own actions with its role, and each product's stock at the end — the
    platform's, even when the last sales came in the final half second."""
    srv = sandbox_server(viewers=600, seed=21, extra=["--rate", "900"])
    client = PlatformClient(srv.url, srv.room, srv.tokens["assistant"], role="assistant")
    room = LiveRoom(client)
    rec = SessionRecorder(room, tmp_path / "sessions")
    room.start()
    await room.wait_loaded()
    rec.start()
    host = httpx.AsyncClient(base_url=srv.api(), headers=srv.headers("host"), timeout=30)
    try:
        await until(lambda: room.online, 20, "the event stream to connect")
        session = (await host.post("/sessions")).json()
        await until(lambda: rec.recording, 20, "the recorder to open the session file")
        await room.explain(room.product_ids[0])
        await until(lambda: room.metrics.orders >= 5, 30, "the audience to buy")
        await asyncio.sleep(4)  # metrics over a few seconds
        await room.explain(room.product_ids[1])
        await asyncio.sleep(2)
        # the host ends it while the audience is still buying
        orders_before = room.metrics.orders
        await until(lambda: room.metrics.orders > orders_before, 10, "a sale right before the end")
        (await host.post(f"/sessions/{session['id']}/end")).raise_for_status()
        await until(lambda: not rec.recording, 20, "the session file to close")
        bag = (await host.get("/products")).json()
    finally:
        await host.aclose()
        await rec.stop()
        await room.stop()
        await client.close()

    [path] = rec.files
    with SessionFile(path) as f:
        s = f.summary()
        rows = f.conn.execute("SELECT sec, online, orders, gmv_cents FROM metrics ORDER BY sec")
        metrics = rows.fetchall()
        actions = f.actions()
        markers = f.markers()
        stock_end = {r.product_id: r.stock_end for r in per_product(f)}
        stock_start = {r.product_id: r.stock_start for r in per_product(f)}

    # 1 Hz: about one snapshot a second over the session, the figures moving with the audience
    assert s.ended_ts is not None
    secs = [r[0] for r in metrics]
    duration = s.ended_ts - s.started_ts
    assert duration > 6
    assert 0.8 * duration - 1 <= len(secs) <= duration + 1
    assert max(b - a for a, b in itertools.pairwise(secs)) <= 2
    orders = [r[2] for r in metrics]
    assert orders == sorted(orders) and len(set(orders)) >= 3
    assert len({r[3] for r in metrics}) >= 3 and max(r[1] for r in metrics) > 0

    # the assistant's own actions and the markers they caused, with the assistant's role
    assert [(a["name"], a["role"], a["ok"]) for a in actions] == [
        ("explain", "assistant", 1),
        ("explain", "assistant", 1),
    ]
    explains = [mk.role for mk in markers if mk.kind == "explain"]
    assert explains == ["assistant", "assistant"]
    assert [mk.role for mk in markers if mk.kind == "session_ended"] == ["host"]

    # stock at the end: the platform's, for every product (some of it sold during the session)
    platform_stock = {p["id"]: p["stock"] for p in bag["products"]}
    sold = {pid for pid in stock_end if stock_end[pid] != stock_start[pid]}
    assert sold, "nothing sold: the test would prove nothing"
    assert {pid: stock_end[pid] for pid in platform_stock} == platform_stock
