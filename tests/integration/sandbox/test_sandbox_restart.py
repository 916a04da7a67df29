"""A restart with the same --db keeps the room, tokens, catalog, orders, coupons and event log."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.processes import spawn, stop


def test_restart_keeps_everything(sandbox_server: Any) -> None:
    srv = sandbox_server(debug_routes=True)
    room, tokens = srv.room, dict(srv.tokens)
    c = srv.client()
    c.patch("/products/p01", json={"price_cents": 8800, "stock": 9})
    bag = c.get("/products").json()
    ids = [p["id"] for p in bag["products"]]
    c.put("/products/order", json={"version": bag["version"], "product_ids": ids[::-1]})
    cp = c.post("/coupons", json={"kind": "discount", "percent_off": 10, "quantity": 3,
                                  "valid_seconds": 3600}).json()  # fmt: skip
    c.post("/_debug/viewer-claim", json={"user_id": "u1", "coupon_id": cp["id"]})
    order = c.post(
        "/orders", json={"user_id": "u1", "product_id": "p01", "coupon_id": cp["id"]}
    ).json()
    session = c.post("/sessions").json()
    lot = c.post("/lotteries", json={"prize": "x", "keyword": "k", "winners": 1,
                                     "duration_seconds": 600}).json()  # fmt: skip
    snap_before = c.get("/snapshot").json()
    log_before = srv.read_events(0)

    srv.restart(kill=True)  # SIGKILL: nothing gets a chance to flush at exit
    assert (srv.room, srv.tokens) == (room, tokens)
    c = srv.client()
    snap_after = c.get("/snapshot").json()
    for key in ("room", "seq", "session", "bag", "coupons", "lotteries", "explaining"):
        assert snap_after[key] == snap_before[key], key
    assert snap_after["bag"]["products"][-1]["id"] == "p01"
    p01 = c.get("/products/p01").json()
    assert (p01["price_cents"], p01["stock"], p01["sold"]) == (8800, 8, 1)
    assert c.get("/orders").json() == [order]
    assert srv.read_events(0) == log_before
    # the state still works: the coupon's claim/use counts, the session, the lottery
    assert c.get("/coupons").json()[0]["used"] == 1
    assert c.post("/sessions").status_code == 409
    assert c.post(f"/sessions/{session['id']}/end").status_code == 200
    assert c.post(f"/lotteries/{lot['id']}/draw").status_code == 409
    # new events continue the seq
    c.post("/comments", json={"text": "回来了"})
    assert srv.read_events(log_before[-1]["seq"])[0]["seq"] == log_before[-1]["seq"] + 1
    # the old server's url is gone or replaced; the new one serves the same room
    assert httpx.get(srv.api(), headers=srv.headers("reviewer")).json()["id"] == room


def test_without_db_a_fresh_room_each_time(tmp_path: Any) -> None:
    import json
    import subprocess
    import sys

    rooms = []
    for _ in range(2):
        p = spawn(
            [sys.executable, "-m", "app.main", "sandbox", "--port", "0", "--viewers", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        try:
            assert p.stdout is not None
            line = p.stdout.readline()
            info = json.loads(line)
            assert set(info) == {"url", "room", "tokens", "listen"}
            assert info["listen"] == "127.0.0.1"  # loopback unless the LAN is asked for
            assert set(info["tokens"]) == {"host", "assistant", "reviewer"}
            rooms.append(info["room"])
        finally:
            stop(p)
    assert rooms[0] != rooms[1]
