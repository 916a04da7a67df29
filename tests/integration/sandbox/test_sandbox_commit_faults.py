"""A change the platform cannot commit (unserialisable data, a full disk) fails with the contract's
error JSON and changes nothing; the event log keeps contiguous seqs; the stream never spins; the
server stays responsive and stops on SIGTERM (issue 13, D1)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import httpx

CLK_TCK = 100  # os.sysconf("SC_CLK_TCK") on Linux


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def assert_contiguous(srv: Any) -> list[dict[str, Any]]:
    """Every event from seq 1 to the room's last seq, each exactly once, in order."""
    last = srv.last_seq()
    events = srv.read_events(0, until_seq=last, timeout=30)
    seqs = [e["seq"] for e in events]
    assert seqs == list(range(1, last + 1)), f"hole or repeat in the log: {seqs[-20:]}"
    return events


def assert_error(r: httpx.Response, status: int, code: str) -> None:
    assert r.status_code == status, r.text
    body = r.json()
    assert body["error"]["code"] == code
    assert body["error"]["message"]


def assert_responsive_and_idle_then_stops(srv: Any) -> None:
    """A stream client at the end of the log: the server answers at once, uses (almost) no CPU
    while nothing happens, and a SIGTERM stops it."""
    from websockets.sync.client import connect

    assert srv.proc is not None
    with connect(srv.events_url(0), additional_headers=srv.headers("reviewer"), max_size=None):
        time.sleep(0.5)  # the client reads up to the end (or, before the fix, into the hole)
        before = cpu_seconds(srv.proc.pid)
        t0 = time.monotonic()
        r = httpx.get(srv.api(), headers=srv.headers("reviewer"), timeout=10)
        assert r.status_code == 200
        time.sleep(2.0)
        used = cpu_seconds(srv.proc.pid) - before
        elapsed = time.monotonic() - t0
        assert used < 0.5 * elapsed, f"the quiet server used {used:.2f}s CPU in {elapsed:.2f}s"
        srv.proc.terminate()
        try:
            srv.proc.wait(15)
        except subprocess.TimeoutExpired:
            srv.kill()
            raise AssertionError("the server ignored SIGTERM") from None


def test_order_with_a_lone_surrogate_changes_nothing(sandbox_server: Any) -> None:
    srv = sandbox_server()
    c = srv.client()
    stock = c.get("/products/p01").json()["stock"]
    body = '{"user_id": "u1", "nickname": "evil\\ud800", "product_id": "p01", "quantity": 2}'
    r = c.post("/orders", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"]
    assert c.get("/products/p01").json()["stock"] == stock  # not 2 less with no order
    assert c.get("/orders").json() == []
    # the room goes on: the next order gets the next seq, the log has no hole
    ok = c.post("/orders", json={"user_id": "u2", "product_id": "p01", "quantity": 1})
    assert ok.status_code == 200, ok.text
    assert c.get("/products/p01").json()["stock"] == stock - 1
    events = assert_contiguous(srv)
    assert [e["data"]["order"]["user_id"] for e in events if e["type"] == "order_created"] == ["u2"]
    assert_responsive_and_idle_then_stops(srv)


def test_patch_of_stock_beyond_64_bits_changes_nothing(sandbox_server: Any) -> None:
    srv = sandbox_server()
    c = srv.client()
    before = c.get("/products/p02").json()
    r = c.patch("/products/p02", json={"stock": 10**23})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"]
    assert c.get("/products/p02").json() == before
    for path in ("/snapshot", "/products", "/coupons", "/flash-sales"):
        assert c.get(path).status_code == 200, path
    assert c.patch("/products/p02", json={"stock": 7}).json()["stock"] == 7
    assert_contiguous(srv)
    assert_responsive_and_idle_then_stops(srv)


def test_full_disk_is_refused_whole_and_recovered_from(sandbox_server: Any) -> None:
    """SQLITE_FULL (max_page_count at the database's size): each request that cannot be stored is
    answered 507 and changes nothing, the live audience's uncommitted events are dropped whole
    (no hole), and once space returns everything works again without a restart."""
    srv = sandbox_server(debug_routes=True, viewers=40, seed=7, extra=["--rate", "300"])
    c = srv.client()
    initial = {p["id"]: p["stock"] for p in c.get("/products").json()["products"]}
    session = c.post("/sessions").json()  # the audience comes in, and buys
    r = c.post("/_debug/storage-limit", json={"max_pages": 1})
    assert r.status_code == 200, r.text
    accepted, refused = 0, None
    for i in range(3000):
        r = c.post(
            "/orders",
            json={"user_id": f"buyer{i}", "product_id": "p04", "quantity": 1},
            headers={"Idempotency-Key": f"k{i}"},
        )
        if r.status_code == 507:
            refused = i
            break
        assert r.status_code in (200, 409), r.text
        accepted += r.status_code == 200
    assert refused is not None, "the database never filled up"
    assert_error(r, 507, "storage_full")
    time.sleep(0.5)  # the audience keeps trying while the disk is full
    # a retry is refused the same way (nothing was recorded under its key)
    again = c.post(
        "/orders",
        json={"user_id": f"buyer{refused}", "product_id": "p04", "quantity": 1},
        headers={"Idempotency-Key": f"k{refused}"},
    )
    assert_error(again, 507, "storage_full")
    # space returns: the same request now succeeds, with no restart
    assert c.post("/_debug/storage-limit", json={"max_pages": None}).status_code == 200
    r = c.post(
        "/orders",
        json={"user_id": f"buyer{refused}", "product_id": "p04", "quantity": 1},
        headers={"Idempotency-Key": f"k{refused}"},
    )
    assert r.status_code == 200, r.text
    assert "Idempotent-Replayed" not in r.headers
    assert c.post(f"/sessions/{session['id']}/end").status_code == 200  # the audience leaves
    events = assert_contiguous(srv)
    # no half-applied stock: what each product lacks is exactly what its live orders hold
    orders = c.get("/orders", params={"limit": 10_000}).json()
    assert sum(o["user_id"].startswith("buyer") for o in orders) == accepted + 1
    products = {p["id"]: p for p in c.get("/products").json()["products"]}
    for pid, total in initial.items():
        held = sum(o["quantity"] for o in orders if o["product_id"] == pid)
        held -= sum(
            o["quantity"] for o in orders if o["product_id"] == pid and o["status"] == "refunded"
        )
        assert products[pid]["stock"] + held == total, pid
    created = {e["data"]["order"]["id"] for e in events if e["type"] == "order_created"}
    assert created == {o["id"] for o in orders}


def test_a_stream_reader_never_spins_after_a_refused_change(sandbox_server: Any) -> None:
    """Before the fix the refused change left a seq hole; the first stream client to reach it
    made the server spin at 100% CPU, deaf to requests and to SIGTERM."""
    srv = sandbox_server()
    c = srv.client()
    bad = c.patch("/products/p03", json={"stock": 10**23})
    assert bad.status_code != 200
    assert c.patch("/products/p03", json={"stock": 5}).status_code == 200
    assert_responsive_and_idle_then_stops(srv)


def test_a_database_locked_by_another_process_never_freezes_the_room(sandbox_server: Any) -> None:
    """Someone opens sandbox.db in a database tool and holds a write transaction: an action is
    answered at once with 503 and changes nothing (it used to block the loop 5 s per commit
    attempt, the tick included: the room froze), and works again once the lock is gone."""
    import sqlite3

    srv = sandbox_server()
    c = srv.client()
    stock = c.get("/products/p05").json()["stock"]
    other = sqlite3.connect(srv.db, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        t0 = time.monotonic()
        r = c.post("/orders", json={"user_id": "u1", "product_id": "p05"})
        assert_error(r, 503, "storage_unavailable")
        for _ in range(5):
            assert c.get("/products").status_code == 200
        assert time.monotonic() - t0 < 3.0, "the room froze behind the lock"
        assert c.get("/products/p05").json()["stock"] == stock
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert c.post("/orders", json={"user_id": "u1", "product_id": "p05"}).status_code == 200
    assert c.get("/products/p05").json()["stock"] == stock - 1
    assert_contiguous(srv)
