"""Every sandbox route against the real server: roles, errors, validation, idempotency."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from app.platform.models import Bag, Coupon, FlashSale, Lottery, Session, Snapshot

COUPON = {"kind": "threshold", "threshold_cents": 10000, "amount_cents": 1000, "quantity": 5,
          "valid_seconds": 600, "name": "满100减10"}  # fmt: skip


def err(r: httpx.Response) -> dict[str, Any]:
    body = r.json()
    assert set(body["error"]) == {"code", "message", "field"}, body
    return dict(body["error"])


@pytest.fixture
def srv(sandbox_server: Any) -> Any:
    return sandbox_server(debug_routes=True)


def test_tokens_roles_and_rooms(srv: Any) -> None:
    url = srv.api("/products")
    assert httpx.get(url).status_code == 401
    assert err(httpx.get(url, headers={"Authorization": "Bearer nope"}))["code"] == "unauthorized"
    for role in ("host", "assistant", "reviewer"):
        assert httpx.get(url, headers=srv.headers(role)).status_code == 200
    other_room = f"{srv.url}/api/v1/rooms/r-other/products"
    r = httpx.get(other_room, headers=srv.headers("host"))
    assert r.status_code == 403 and err(r)["code"] == "wrong_room"
    # reviewer is read-only; assistant may do everything but sessions
    r = httpx.post(srv.api("/coupons"), json=COUPON, headers=srv.headers("reviewer"))
    assert r.status_code == 403 and err(r)["code"] == "forbidden"
    assert httpx.post(srv.api("/sessions"), headers=srv.headers("assistant")).status_code == 403
    assert (
        httpx.post(srv.api("/coupons"), json=COUPON, headers=srv.headers("assistant")).status_code
        == 200
    )
    # debug routes are host only
    r = httpx.post(
        srv.api("/_debug/raw-events"), json={"events": []}, headers=srv.headers("assistant")
    )
    assert r.status_code == 403


def test_debug_routes_absent_without_flag(sandbox_server: Any) -> None:
    s = sandbox_server()
    r = httpx.post(s.api("/_debug/raw-events"), json={"events": []}, headers=s.headers())
    assert r.status_code == 404 and err(r)["code"] == "not_found"


def test_audience_rate_route_changes_the_rate_of_a_running_audience(sandbox_server: Any) -> None:
    """A load generator holds the stream's rate with it (tests/bench/feed_ui.py's RateHolder)."""
    s = sandbox_server(viewers=200, live=True, debug_routes=True, extra=["--rate", "100"])

    def seq() -> int:
        return int(httpx.get(s.api(), headers=s.headers()).json()["seq"])

    def rate_over(seconds: float) -> float:
        s0, t0 = seq(), time.monotonic()
        time.sleep(seconds)
        return (seq() - s0) / (time.monotonic() - t0)

    time.sleep(0.5)
    slow = rate_over(2.0)
    url = s.api("/_debug/audience-rate")
    for bad in (0, -5, "fast"):
        r = httpx.post(url, json={"rate": bad}, headers=s.headers())
        assert r.status_code == 422, r.text
    assert httpx.post(url, json={"rate": 3000}, headers=s.headers("assistant")).status_code == 403
    r = httpx.post(url, json={"rate": 3000}, headers=s.headers())
    assert r.status_code == 200 and r.json() == {"rate": 3000}
    fast = rate_over(2.0)
    assert slow < 150, slow
    assert fast > 8 * slow and fast > 1000, (slow, fast)


def test_sessions_start_end_one_live_at_a_time(srv: Any) -> None:
    c = srv.client()
    r = c.post("/sessions")
    assert r.status_code == 200
    s = Session.model_validate(r.json())
    assert s.status == "live" and s.rtmp_url and s.rtmp_url.startswith("rtmp://")
    assert "stream_key" not in r.json()  # the key has a host-only route of its own
    r = c.post("/sessions")
    assert r.status_code == 409 and err(r)["code"] == "session_live"
    assert c.post("/sessions/nope/end").status_code == 404
    r = c.post(f"/sessions/{s.id}/end")
    assert r.status_code == 200 and r.json()["status"] == "ended"
    assert c.post(f"/sessions/{s.id}/end").status_code == 409
    snap = Snapshot.model_validate(c.get("/snapshot").json())
    assert snap.session is not None and snap.session.status == "ended"
    # a new session resets the metrics
    c.post("/orders", json={"user_id": "u1", "product_id": "p01"})
    assert c.get("/snapshot").json()["metrics"]["orders"] == 1
    c.post("/sessions")
    assert c.get("/snapshot").json()["metrics"]["orders"] == 0


def test_catalog_is_realistic(srv: Any) -> None:
    bag = Bag.model_validate(srv.client("reviewer").get("/products").json())
    assert len(bag.products) >= 24
    for p in bag.products:
        assert p.price_cents > 0 and p.stock > 0 and 1 <= len(p.skus) <= 4
        assert 3 <= len(p.selling_points) <= 5 and p.image_url
        assert any("\u4e00" <= ch <= "\u9fff" for ch in p.title)
    text = "".join("".join(p.selling_points) for p in bag.products)
    assert "最" in text and "第一" in text and "100%" in text  # for the compliance check
    img = httpx.get(srv.url + bag.products[0].image_url)
    assert img.status_code == 200 and img.content[:4] == b"\x89PNG"


def test_reorder_with_versions(srv: Any) -> None:
    c = srv.client()
    bag = c.get("/products").json()
    ids = [p["id"] for p in bag["products"]]
    new = [ids[-1], *ids[:-1]]
    r = c.put("/products/order", json={"version": bag["version"], "product_ids": new})
    assert r.status_code == 200
    assert r.json()["version"] == bag["version"] + 1
    assert [p["id"] for p in r.json()["products"]] == new
    # a second operator with the old version gets 409 and the current bag
    r = c.put("/products/order", json={"version": bag["version"], "product_ids": ids})
    assert r.status_code == 409 and err(r)["code"] == "stale_version"
    assert Bag.model_validate(r.json()["current"]).version == bag["version"] + 1
    r = c.put("/products/order", json={"version": bag["version"] + 1, "product_ids": ids[:3]})
    assert r.status_code == 422 and err(r)["field"] == "product_ids"
    r = c.put("/products/order", json={"version": "x", "product_ids": ids})
    assert r.status_code == 422 and err(r)["field"] == "version"


def test_patch_product_validation(srv: Any) -> None:
    c = srv.client("assistant")
    r = c.patch("/products/p02", json={"price_cents": 9900, "stock": 7, "listed": False})
    assert r.status_code == 200
    assert (r.json()["price_cents"], r.json()["stock"], r.json()["listed"]) == (9900, 7, False)
    for body, field in [
        ({"price_cents": 0}, "price_cents"),
        ({"price_cents": -5}, "price_cents"),
        ({"price_cents": 10.5}, "price_cents"),
        ({"price_cents": "100"}, "price_cents"),
        ({"stock": -1}, "stock"),
        ({"listed": "yes"}, "listed"),
        ({"stock_delta": -100}, "stock_delta"),
        ({"title_typo": 1}, "title_typo"),
    ]:
        r = c.patch("/products/p02", json=body)
        assert r.status_code == 422, (body, r.text)
        assert err(r)["field"] == field, (body, r.text)
    assert c.patch("/products/nope", json={"stock": 1}).status_code == 404
    r = c.patch("/products/p02", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and err(r)["code"] == "malformed"
    r = c.patch("/products/p02", json={"stock_delta": 5})
    assert r.json()["stock"] == 12


def test_explain_start_switch_stop(srv: Any) -> None:
    c = srv.client()
    assert c.post("/products/p01/explain").status_code == 200
    assert c.post("/products/p03/explain").status_code == 200
    assert c.get("/snapshot").json()["explaining"]["product_id"] == "p03"
    r = c.delete("/products/p01/explain")
    assert r.status_code == 409 and err(r)["code"] == "not_explaining"
    assert c.delete("/products/p03/explain").status_code == 200
    assert c.get("/snapshot").json()["explaining"] is None
    assert c.post("/products/nope/explain").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**COUPON, "amount_cents": None}, "amount_cents"),
        ({**COUPON, "threshold_cents": 0}, "threshold_cents"),
        ({**COUPON, "amount_cents": 20000}, "amount_cents"),
        ({"kind": "discount", "quantity": 5, "valid_seconds": 60}, "percent_off"),
        (
            {"kind": "discount", "percent_off": 100, "quantity": 5, "valid_seconds": 60},
            "percent_off",
        ),
        ({"kind": "no_threshold", "quantity": 5, "valid_seconds": 60}, "amount_cents"),
        ({"kind": "bogus", "amount_cents": 5, "quantity": 5, "valid_seconds": 60}, "kind"),
        ({**COUPON, "quantity": 0}, "quantity"),
        ({**COUPON, "valid_seconds": 1.5}, "valid_seconds"),
        ({**COUPON, "product_ids": ["nope"]}, "product_ids"),
    ],
)
def test_coupon_validation(srv: Any, body: dict[str, Any], field: str) -> None:
    r = srv.client().post("/coupons", json=body)
    assert r.status_code == 422, r.text
    assert err(r)["field"] == field


def test_coupons_issue_list_end(srv: Any) -> None:
    c = srv.client()
    disc = c.post("/coupons", json={"kind": "discount", "percent_off": 20, "quantity": 3,
                                    "valid_seconds": 60, "product_ids": ["p01"]})  # fmt: skip
    assert disc.status_code == 200
    coupon = Coupon.model_validate(disc.json())
    assert coupon.percent_off == 20 and coupon.status == "active" and coupon.remaining == 3
    assert [x["id"] for x in c.get("/coupons").json()] == [coupon.id]
    r = c.post(f"/coupons/{coupon.id}/end")
    assert r.status_code == 200 and r.json()["status"] == "ended"
    assert c.post(f"/coupons/{coupon.id}/end").status_code == 409
    assert c.post("/coupons/nope/end").status_code == 404


def test_coupon_expires_after_valid_seconds(srv: Any) -> None:
    c = srv.client()
    cid = c.post("/coupons", json={**COUPON, "valid_seconds": 1}).json()["id"]
    events = srv.read_events(0, count=2, timeout=20)
    assert [e["type"] for e in events] == ["coupon_issued", "coupon_ended"]
    assert events[1]["data"]["coupon"]["id"] == cid
    assert events[1]["data"]["coupon"]["status"] == "expired"


def test_idempotency_key_replays_the_first_response(srv: Any) -> None:
    c = srv.client()
    h = {"Idempotency-Key": "abc-123"}
    r1 = c.post("/coupons", json=COUPON, headers=h)
    r2 = c.post("/coupons", json=COUPON, headers=h)
    assert r1.status_code == r2.status_code == 200
    assert r1.json() == r2.json()
    assert r2.headers.get("Idempotent-Replayed") == "true"
    assert len(c.get("/coupons").json()) == 1
    events = srv.read_events(0)
    assert [e["type"] for e in events].count("coupon_issued") == 1
    # another token with the same key is another request
    r3 = srv.client("assistant").post("/coupons", json=COUPON, headers=h)
    assert r3.json()["id"] != r1.json()["id"]
    # errors replay too: the key names one attempt, whatever its outcome
    e1 = c.post("/sessions/nope/end", headers={"Idempotency-Key": "k2"})
    e2 = c.post("/sessions/nope/end", headers={"Idempotency-Key": "k2"})
    assert e1.status_code == e2.status_code == 404 and e1.json() == e2.json()


def test_idempotency_survives_restart(srv: Any) -> None:
    h = {"Idempotency-Key": "restart-key"}
    first = srv.client().post("/coupons", json=COUPON, headers=h).json()
    srv.restart()
    again = srv.client().post("/coupons", json=COUPON, headers=h)
    assert again.json() == first
    assert len(srv.client().get("/coupons").json()) == 1


def test_flash_sales_schedule_and_end(srv: Any) -> None:
    c = srv.client()
    r = c.post("/flash-sales", json={"product_id": "p05", "price_cents": 4900, "quantity": 10,
                                     "starts_in_seconds": 1, "duration_seconds": 1})  # fmt: skip
    assert r.status_code == 200
    sale = FlashSale.model_validate(r.json())
    assert sale.status == "scheduled"
    r = c.post("/flash-sales", json={"product_id": "p05", "price_cents": 4900, "quantity": 1,
                                     "duration_seconds": 5})  # fmt: skip
    assert r.status_code == 409 and err(r)["code"] == "flash_sale_exists"
    r = c.post("/flash-sales", json={"product_id": "nope", "price_cents": 1, "quantity": 1,
                                     "duration_seconds": 5})  # fmt: skip
    assert r.status_code == 422 and err(r)["field"] == "product_id"
    events = srv.read_events(0, count=3, timeout=20)
    assert [e["type"] for e in events] == [
        "flash_sale_scheduled",  # at once, so every console sees the sale before it starts
        "flash_sale_started",
        "flash_sale_ended",
    ]
    assert events[0]["data"]["flash_sale"]["status"] == "scheduled"
    assert events[0]["data"]["actor"]["role"] == "host"
    assert events[1]["ts"] >= sale.starts_ts - 0.01
    assert c.get("/flash-sales").json()[0]["status"] == "ended"
    r = c.post("/flash-sales", json={"product_id": "p06", "price_cents": 100, "quantity": 3,
                                     "duration_seconds": 60})  # fmt: skip
    fid = r.json()["id"]
    assert r.json()["status"] == "active"
    assert c.post(f"/flash-sales/{fid}/end").json()["status"] == "ended"
    assert c.post(f"/flash-sales/{fid}/end").status_code == 409


def test_lottery_routes(srv: Any) -> None:
    c = srv.client()
    r = c.post("/lotteries", json={"prize": "口红", "keyword": "抽奖", "winners": 1,
                                   "duration_seconds": 30})  # fmt: skip
    assert r.status_code == 200
    lot = Lottery.model_validate(r.json())
    assert lot.status == "open" and len(lot.commitment) == 64 and lot.seed is None
    r = c.post(f"/lotteries/{lot.id}/draw")
    assert r.status_code == 409 and err(r)["code"] == "lottery_open"
    assert c.post("/lotteries/nope/draw").status_code == 404
    r = c.post(
        "/lotteries", json={"prize": "x", "keyword": " ", "winners": 1, "duration_seconds": 3}
    )
    assert r.status_code == 422 and err(r)["field"] == "keyword"
    r = c.post(
        "/lotteries", json={"prize": "x", "keyword": "k", "winners": 0, "duration_seconds": 3}
    )
    assert r.status_code == 422 and err(r)["field"] == "winners"
    assert c.get(f"/lotteries/{lot.id}").json()["id"] == lot.id
    assert len(c.get("/lotteries").json()) == 1


def test_comments_pin_unpin_hide_mute(srv: Any) -> None:
    c = srv.client("assistant")
    r = c.post("/comments", json={"text": "欢迎来到直播间！"})
    assert r.status_code == 200
    staff = r.json()
    assert staff["role"] == "assistant" and staff["text"] == "欢迎来到直播间！"
    assert c.post("/comments", json={"text": "   "}).status_code == 422
    viewer = (
        srv.client()
        .post(
            "/_debug/viewer-comment",
            json={"user_id": "u7", "nickname": "小七", "text": "<b>有S码吗</b>"},
        )
        .json()["comment"]
    )
    assert viewer["text"] == "<b>有S码吗</b>"  # plain text, verbatim
    r = c.post(f"/comments/{viewer['id']}/pin")
    assert r.status_code == 200 and r.json()["pinned"]["id"] == viewer["id"]
    assert c.get("/snapshot").json()["pinned_comment"]["id"] == viewer["id"]
    assert c.post(f"/comments/{staff['id']}/unpin").status_code == 409
    assert c.post(f"/comments/{viewer['id']}/unpin").json() == {"pinned": None}
    assert c.get("/snapshot").json()["pinned_comment"] is None
    assert c.post(f"/comments/{viewer['id']}/hide").status_code == 200
    assert c.post("/comments/c999999/pin").status_code == 404
    r = c.post("/users/u7/mute", json={"seconds": 600, "nickname": "小七"})
    assert r.status_code == 200 and r.json()["seconds"] == 600
    r = srv.client().post("/_debug/viewer-comment", json={"user_id": "u7", "text": "hi"})
    assert r.status_code == 409 and err(r)["code"] == "muted"
    assert c.post("/users/u8/mute", json={"seconds": 0}).status_code == 422
    assert c.post("/users/u9/mute").status_code == 200  # no body: muted for good
    types = [e["type"] for e in srv.read_events(0)]
    assert types == ["comment", "comment", "comment_pinned", "comment_pinned", "comment_hidden",
                     "user_muted", "user_muted"]  # fmt: skip


def test_orders_route_pay_refund_and_list(srv: Any) -> None:
    c = srv.client()
    r = c.post("/orders", json={"user_id": "u1", "nickname": "买家一", "product_id": "p01",
                                "sku_id": "p01-s2", "quantity": 2})  # fmt: skip
    assert r.status_code == 200
    o = r.json()
    assert o["amount_cents"] == 2 * 12900 and o["sku_name"] == "M" and o["status"] == "created"
    assert c.post(f"/orders/{o['id']}/pay").json()["status"] == "paid"
    assert c.post(f"/orders/{o['id']}/pay").status_code == 409
    assert c.post("/orders/nope/pay").status_code == 404
    refunded = c.post(f"/orders/{o['id']}/refund", json={"reason": "尺码不合适"}).json()
    assert refunded["status"] == "refunded"
    assert c.get("/products/p01").json()["stock"] == 320  # restocked
    assert (
        c.post("/orders", json={"user_id": "u1", "product_id": "p01", "sku_id": "zz"}).status_code
        == 409
    )
    r = c.post("/orders", json={"user_id": "u1", "product_id": "nope"})
    assert r.status_code == 422 and err(r)["field"] == "product_id"
    r = c.post("/orders", json={"user_id": "u1", "product_id": "p01", "quantity": 10_000})
    assert r.status_code == 422
    r = c.post("/orders", json={"user_id": "u2", "product_id": "p02", "quantity": 999})
    assert r.status_code == 409 and err(r)["code"] == "sold_out"
    assert (
        srv.client("reviewer")
        .post("/orders", json={"user_id": "u", "product_id": "p01"})
        .status_code
        == 403
    )
    orders = c.get("/orders").json()
    assert [x["id"] for x in orders] == [o["id"]]
    assert orders[0]["status"] == "refunded"
    assert c.get("/orders", params={"after_seq": orders[0]["seq"]}).json() == []
    m = c.get("/snapshot").json()["metrics"]
    assert (m["orders"], m["paid_orders"], m["refunded_cents"]) == (1, 1, 25800)


def test_coupon_claim_and_use_in_an_order(srv: Any) -> None:
    c = srv.client()
    cp = c.post("/coupons", json={**COUPON, "quantity": 1}).json()
    # not claimed yet: not allowed
    r = c.post("/orders", json={"user_id": "u1", "product_id": "p01", "coupon_id": cp["id"]})
    assert r.status_code == 409 and err(r)["code"] == "not_allowed"
    r = c.post("/_debug/viewer-claim", json={"user_id": "u1", "coupon_id": cp["id"]})
    assert r.status_code == 200 and r.json()["claimed"] == 1
    r = c.post("/_debug/viewer-claim", json={"user_id": "u2", "coupon_id": cp["id"]})
    assert r.status_code == 409  # all claimed
    r = c.post("/orders", json={"user_id": "u1", "product_id": "p01", "coupon_id": cp["id"]})
    assert r.status_code == 200 and r.json()["amount_cents"] == 12900 - 1000
    claimed = [e for e in srv.read_events(0) if e["type"] == "coupon_claimed"]
    assert (claimed[0]["data"]["claimed"], claimed[0]["data"]["remaining"]) == (1, 0)


def test_snapshot_and_room_info_and_openapi(srv: Any) -> None:
    c = srv.client("reviewer")
    info = httpx.get(srv.api(), headers=srv.headers("reviewer")).json()
    assert info["id"] == srv.room and info["seq"] == 0
    snap = Snapshot.model_validate(c.get("/snapshot").json())
    assert snap.room == srv.room and snap.seq == 0 and len(snap.bag.products) >= 24
    doc = httpx.get(srv.url + "/openapi.json").json()
    paths = doc["paths"]
    assert "/api/v1/rooms/{room}/coupons" in paths
    assert "/api/v1/rooms/{room}/_debug/raw-events" in paths
    assert "CouponBody" in doc["components"]["schemas"]
