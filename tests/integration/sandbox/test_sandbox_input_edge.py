"""The sandbox's input edge against the real server (issue 13: D2, D3, D10, D12, D13, D14).

Every hostile input is refused at the edge with the contract's error JSON, before it can reach
the engine, cost memory, or reveal anything to a caller without a token; and afterwards the
room keeps answering.
"""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from plugins.sandbox.schemas import MAX_EVENT_BYTES


def err(r: httpx.Response) -> dict[str, Any]:
    body = r.json()
    assert set(body["error"]) == {"code", "message", "field"}, body
    assert isinstance(body["error"]["code"], str) and isinstance(body["error"]["message"], str)
    return dict(body["error"])


def raw_json(c: httpx.Client, method: str, path: str, text: str) -> httpx.Response:
    """Send JSON text as-is (``\\ud800`` escapes included, which httpx's json= cannot)."""
    return c.request(
        method, path, content=text.encode(), headers={"Content-Type": "application/json"}
    )


def room_answers(srv: Any) -> None:
    for role in ("host", "assistant", "reviewer"):
        c = srv.client(role)
        for path in ("/snapshot", "/products", "/coupons", "/flash-sales", "/orders"):
            r = c.get(path)
            assert r.status_code == 200, (role, path, r.status_code, r.text[:300])


@pytest.fixture
def srv(sandbox_server: Any) -> Any:
    return sandbox_server(debug_routes=True)


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


# --- D2: numbers and Unicode ----------------------------------------------------------------------
HUGE = [2**64, 10**23, -(2**63) - 1, 10**30]


def test_huge_integers_and_lone_surrogates_are_422_and_the_room_keeps_answering(srv: Any) -> None:
    c = srv.client()
    cases: list[tuple[str, str, Any, str]] = []
    for n in HUGE:
        flash = {"product_id": "p02", "price_cents": 100, "quantity": n, "duration_seconds": 60}
        coupon = {"kind": "no_threshold", "amount_cents": n, "quantity": 1, "valid_seconds": 60}
        cases += [
            ("PATCH", "/products/p01", {"stock": n}, "stock"),
            ("PATCH", "/products/p01", {"price_cents": n}, "price_cents"),
            ("PATCH", "/products/p01", {"stock_delta": n}, "stock_delta"),
            ("PUT", "/products/order", {"version": n, "product_ids": []}, "version"),
            ("POST", "/flash-sales", flash, "quantity"),
            ("POST", "/coupons", coupon, "amount_cents"),
            ("POST", "/users/u1/mute", {"seconds": n}, "seconds"),
            (
                "POST",
                "/_debug/viewer-comment",
                {"user_id": "u1", "text": "hi", "fan_level": n},
                "fan_level",
            ),
        ]
    bad = "evil\ud800"  # json.dumps writes it as the escape \\ud800, as a hostile client would
    lottery = {"prize": bad, "keyword": "k", "winners": 1, "duration_seconds": 5}
    cases += [
        ("POST", "/orders", {"user_id": "u1", "product_id": "p01", "nickname": bad}, "nickname"),
        ("POST", "/comments", {"text": bad}, "text"),
        ("POST", "/users/u1/mute", {"nickname": bad}, "nickname"),
        ("POST", "/lotteries", lottery, "prize"),
        ("POST", "/_debug/viewer-comment", {"user_id": "u1", "text": bad}, "text"),
        ("POST", "/_debug/raw-events", {"events": [{"type": "x", "data": bad}]}, "events.0.data"),
        ("POST", "/_debug/raw-events", {"events": [{"data": 2**64}]}, "events.0.data"),
        ("POST", "/_debug/raw-events", {"raw_messages": [bad]}, "raw_messages.0"),
        ("POST", "/comments", {"text": "a\u0000b"}, "text"),
        ("POST", "/comments", {"text": "line\nbreak"}, "text"),
    ]
    for method, path, body, field in cases:
        r = raw_json(c, method, path, json.dumps(body))
        assert r.status_code == 422, (method, path, r.status_code, r.text[:300])
        assert err(r)["code"] == "invalid_value" and err(r)["field"] == field, (path, r.text)
    # a bounded, valid value still works; nothing above changed the room
    assert c.patch("/products/p01", json={"stock": 10_000_000}).status_code == 200
    assert c.patch("/products/p01", json={"stock": 10_000_001}).status_code == 422
    room_answers(srv)
    events = srv.read_events(0)
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))


# --- D3: string sizes and event sizes -------------------------------------------------------------
def test_every_string_is_bounded_and_no_event_exceeds_the_maximum(srv: Any) -> None:
    c = srv.client()
    order = {"user_id": "u1", "product_id": "p01"}
    coupon = {"kind": "no_threshold", "amount_cents": 1, "quantity": 1, "valid_seconds": 60}
    lottery = {"prize": "p", "keyword": "k", "winners": 1, "duration_seconds": 5}
    too_long = [
        ("POST", "/orders", {**order, "nickname": "昵" * 65}, "nickname"),
        ("POST", "/orders", {**order, "user_id": "u" * 129}, "user_id"),
        ("POST", "/orders", {**order, "product_id": "p" * 65}, "product_id"),
        ("POST", "/users/u1/mute", {"nickname": "n" * 65}, "nickname"),
        ("POST", "/comments", {"text": "字" * 301}, "text"),
        ("POST", "/coupons", {**coupon, "name": "n" * 41}, "name"),
        ("POST", "/lotteries", {**lottery, "prize": "p" * 61}, "prize"),
        ("PUT", "/products/order", {"version": 1, "product_ids": ["p01"] * 1001}, "product_ids"),
        ("POST", "/_debug/viewer-comment", {"user_id": "u1", "text": "t" * 301}, "text"),
    ]
    for method, path, body, field in too_long:
        r = c.request(method, path, json=body)
        assert r.status_code == 422, (path, field, r.status_code)
        assert err(r)["field"] == field, (path, r.text)
    paid = c.post("/orders", json={**order, "pay": True}).json()
    r = c.post(f"/orders/{paid['id']}/refund", json={"reason": "因" * 201})
    assert r.status_code == 422 and err(r)["field"] == "reason"
    r = c.post(f"/users/{'u' * 129}/mute")
    assert r.status_code == 422 and err(r)["field"] == "user_id"
    # the 10 MB strings of the report never get in: the body itself is refused
    r = c.post("/orders", json={**order, "nickname": "x" * 10_000_000})
    assert r.status_code == 413 and err(r)["code"] == "too_large"
    # the largest values allowed make events far below the documented maximum
    big = {"user_id": "u" * 128, "nickname": "𝒳" * 64, "product_id": "p01", "pay": True}
    o = c.post("/orders", json=big).json()
    assert c.post(f"/orders/{o['id']}/refund", json={"reason": "𝒳" * 200}).status_code == 200
    assert c.post(f"/users/{'u' * 128}/mute", json={"nickname": "𝒳" * 64}).status_code == 200
    raw = {"events": [{"type": "x", "data": "x" * 1_000_000}]}
    assert c.post("/_debug/raw-events", json=raw).status_code == 200
    with connect(
        srv.events_url(0), additional_headers=srv.headers("reviewer"), max_size=None
    ) as ws:
        last = srv.last_seq()
        sizes = []
        while True:
            text = ws.recv(timeout=30)
            sizes.append(len(text.encode()))
            if json.loads(text)["seq"] >= last:
                break
    assert max(sizes) <= MAX_EVENT_BYTES, max(sizes)


# --- D10: authenticate first, cap the body --------------------------------------------------------
def _complete(answer: bytes) -> bool:
    head, sep, body = answer.partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":")[1])
    return True


def _send_unauthenticated_body(srv: Any, total: int) -> tuple[int, int, bytes]:
    """POST ``total`` bytes without a token from a thread; return (bytes sent when the answer
    arrived, server RSS growth in kB, the answer's first bytes)."""
    host, port = srv.url.removeprefix("http://").split(":")
    path = f"/api/v1/rooms/{srv.room}/orders"
    sock = socket.create_connection((host, int(port)), timeout=60)
    sock.sendall(
        f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {total}\r\n\r\n".encode()
    )
    sent = 0
    chunk = b'{"user_id": "' + b"x" * (1024 * 1024 - 13)

    def pump() -> None:
        nonlocal sent
        try:
            while sent < total:
                n = min(len(chunk), total - sent)
                sock.sendall(chunk[:n])
                sent += n
        except OSError:
            pass

    before = rss_kb(srv.proc.pid)
    pumper = threading.Thread(target=pump, daemon=True)
    pumper.start()
    answer = sock.recv(65536)
    sent_then = sent
    while not _complete(answer):
        more = sock.recv(65536)
        if not more:
            break
        answer += more
    growth = rss_kb(srv.proc.pid) - before
    sock.close()
    pumper.join(60)
    return sent_then, growth, answer


def test_a_huge_body_without_a_token_is_refused_before_it_is_read(srv: Any) -> None:
    total = 200 * 1024 * 1024
    sent, growth_kb, answer = _send_unauthenticated_body(srv, total)
    assert answer.startswith(b"HTTP/1.1 401"), answer[:200]
    assert b'"code":"unauthorized"' in answer
    assert sent < total // 2, sent  # answered long before the body was through
    assert growth_kb < 64 * 1024, growth_kb
    room_answers(srv)


def test_unknown_and_known_ids_answer_the_same_without_a_token(srv: Any) -> None:
    for path in ("/products/p01", "/products/nope", "/orders/o999/refund"):
        for body in (b"{not json", b'{"stock": "x"}', b"{}"):
            r = (
                httpx.patch(srv.api(path), content=body)
                if "products" in path
                else httpx.post(srv.api(path), content=body)
            )
            assert r.status_code == 401 and err(r)["code"] == "unauthorized", (path, r.text)
    # a reviewer is refused a mutation before its body is looked at, whatever the body
    r = httpx.patch(srv.api("/products/nope"), content=b"{", headers=srv.headers("reviewer"))
    assert r.status_code == 403 and err(r)["code"] == "forbidden"


def test_bodies_are_capped_declared_or_streamed(srv: Any) -> None:
    c = srv.client()
    big = b'{"text": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    r = c.post("/comments", content=big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and err(r)["code"] == "too_large"

    def chunks() -> Any:  # no Content-Length: counted as it streams
        yield b'{"text": "'
        for _ in range(40):
            yield b"x" * 65536
        yield b'"}'

    r = c.post("/comments", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and err(r)["code"] == "too_large"
    assert c.post("/comments", json={"text": "还在"}).status_code == 200
    room_answers(srv)


# --- D12: idempotency keys are bound to one request -------------------------------------------------
def test_an_idempotency_key_reused_for_another_request_is_422(srv: Any) -> None:
    c = srv.client()
    h = {"Idempotency-Key": "k-shared"}
    order = c.post("/orders", json={"user_id": "u1", "product_id": "p01"}, headers=h)
    assert order.status_code == 200
    coupon = {"kind": "no_threshold", "amount_cents": 100, "quantity": 5, "valid_seconds": 60}
    r = c.post("/coupons", json=coupon, headers=h)
    assert r.status_code == 422, r.text
    assert err(r)["field"] == "Idempotency-Key" and "another request" in err(r)["message"]
    r = c.post("/orders", json={"user_id": "u2", "product_id": "p01"}, headers=h)
    assert r.status_code == 422 and err(r)["field"] == "Idempotency-Key"
    assert c.get("/coupons").json() == []
    # the same request (spacing and key order aside) still replays
    again = c.post(
        "/orders",
        content=b'{ "product_id":"p01",  "user_id":"u1" }',
        headers={**h, "Content-Type": "application/json"},
    )
    assert again.status_code == 200 and again.json() == order.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert len(c.get("/orders").json()) == 1


def test_a_body_refused_by_the_rules_does_not_use_up_its_idempotency_key(srv: Any) -> None:
    """The coupon rules refuse the body before the key is recorded: the operator fixes the
    amount and retries with the same key, and gets the coupon (not a replayed error)."""
    c = srv.client()
    h = {"Idempotency-Key": "k-fix-and-retry"}
    coupon = {"kind": "threshold", "threshold_cents": 1000, "amount_cents": 1000}
    coupon |= {"quantity": 5, "valid_seconds": 60}
    r = c.post("/coupons", json=coupon, headers=h)
    assert r.status_code == 422 and err(r)["field"] == "amount_cents", r.text
    r = c.post("/coupons", json={**coupon, "amount_cents": 300}, headers=h)
    assert r.status_code == 200, r.text
    assert "Idempotent-Replayed" not in r.headers
    assert [cp["amount_cents"] for cp in c.get("/coupons").json()] == [300]


# --- D13: business rules ---------------------------------------------------------------------------
def test_refunds_and_prices_follow_the_rules(srv: Any) -> None:
    c = srv.client()
    c.post("/sessions")
    unpaid = c.post("/orders", json={"user_id": "u1", "product_id": "p01"}).json()
    stock = c.get("/products/p01").json()["stock"]
    r = c.post(f"/orders/{unpaid['id']}/refund", json={"reason": "没付款"})
    assert r.status_code == 409 and err(r)["code"] == "not_allowed", r.text
    assert "paid" in err(r)["message"]
    snap = c.get("/snapshot").json()
    assert snap["metrics"]["refunded_cents"] == 0
    assert c.get("/products/p01").json()["stock"] == stock
    paid = c.post("/orders", json={"user_id": "u2", "product_id": "p01", "pay": True}).json()
    assert c.post(f"/orders/{paid['id']}/refund").status_code == 200
    assert c.get("/snapshot").json()["metrics"]["refunded_cents"] == paid["amount_cents"]

    p02 = c.get("/products/p02").json()
    for price in (p02["price_cents"], p02["price_cents"] + 1):
        r = c.post(
            "/flash-sales",
            json={"product_id": "p02", "price_cents": price, "quantity": 1, "duration_seconds": 60},
        )
        assert r.status_code == 422 and err(r)["field"] == "price_cents", r.text
    r = c.patch("/products/p02", json={"original_price_cents": p02["price_cents"] - 1})
    assert r.status_code == 422 and err(r)["field"] == "original_price_cents"
    r = c.patch("/products/p02", json={"price_cents": p02["original_price_cents"] + 1})
    assert r.status_code == 422 and err(r)["field"] == "price_cents"
    assert c.get("/products/p02").json() == p02  # nothing half-applied
    sale = {"product_id": "p02", "price_cents": 5000, "quantity": 1, "duration_seconds": 60}
    assert c.post("/flash-sales", json=sale).status_code == 200
    r = c.patch("/products/p02", json={"price_cents": 5000})
    assert r.status_code == 422 and err(r)["field"] == "price_cents"
    ok = c.patch("/products/p02", json={"price_cents": 9000, "original_price_cents": 9000})
    assert ok.status_code == 200


# --- D14: every error is the contract's JSON ---------------------------------------------------------
def test_huge_ids_and_bad_parameters_get_error_json_not_500(srv: Any) -> None:
    c = srv.client()
    for cid in ("c" + "9" * 30, "c99999999999999999999", "c²", "c-1", "c"):
        r = c.post(f"/comments/{cid}/pin")
        assert r.status_code == 404 and err(r)["code"] == "not_found", (cid, r.text)
    for q in ("after_seq=" + "9" * 30, "after_seq=-1", "after_seq=abc", "limit=0"):
        r = c.get(f"/orders?{q}")
        assert r.status_code == 422 and err(r)["code"] == "invalid_value", (q, r.text)
    r = c.delete("/coupons")
    assert r.status_code == 405 and err(r)["code"] == "method_not_allowed"
    r = c.get("/no-such-route")
    assert r.status_code == 404 and err(r)["code"] == "not_found"
    r = httpx.get(f"{srv.url}/nowhere")
    assert r.status_code == 404 and err(r)["code"] == "not_found"
    room_answers(srv)


@pytest.mark.parametrize(
    ("after", "token", "path", "status", "code"),
    [
        ("abc", "reviewer", "/events", 422, "invalid_value"),
        ("9" * 30, "reviewer", "/events", 422, "invalid_value"),
        ("-1", "reviewer", "/events", 422, "invalid_value"),
        ("0", None, "/events", 401, "unauthorized"),
        ("0", "bogus", "/events", 401, "unauthorized"),
        ("0", "reviewer", "/no-such-stream", 404, "not_found"),
    ],
)
def test_websocket_handshake_refusals_carry_error_json(
    srv: Any, after: str, token: str | None, path: str, status: int, code: str
) -> None:
    headers = {}
    if token is not None:
        value = srv.tokens.get(token, token)
        headers["Authorization"] = f"Bearer {value}"
    url = f"{srv.ws_url}/api/v1/rooms/{srv.room}{path}?after_seq={after}"
    with pytest.raises(InvalidStatus) as info:
        connect(url, additional_headers=headers, open_timeout=30).close()
    response = info.value.response
    assert response.status_code == status
    body = json.loads(response.body or b"{}")
    assert body["error"]["code"] == code, body
    # and the stream still works
    assert srv.client().post("/comments", json={"text": "还在"}).status_code == 200
    assert [e["type"] for e in srv.read_events(0)] == ["comment"]
