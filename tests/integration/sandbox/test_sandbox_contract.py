"""Contract: every event type the sandbox emits parses with app.platform.models.parse_event, and
snapshots/resources validate against the shared models."""

from __future__ import annotations

import json
import time
from typing import Any

from websockets.sync.client import connect

from app.platform.models import CONSOLE_ONLY_EVENTS, EventType, Order, Snapshot, parse_event


def test_every_emitted_event_type_parses(sandbox_server: Any) -> None:
    srv = sandbox_server(viewers=300, debug_routes=True, seed=2, extra=["--rate", "800"])
    c = srv.client()
    session = c.post("/sessions").json()
    bag = c.get("/products").json()
    ids = [p["id"] for p in bag["products"]]
    c.put("/products/order", json={"version": bag["version"], "product_ids": ids[::-1]})
    c.patch("/products/p02", json={"price_cents": 9900})
    c.post("/products/p02/explain")
    cp = c.post("/coupons", json={"kind": "no_threshold", "amount_cents": 500, "quantity": 100,
                                  "valid_seconds": 60}).json()  # fmt: skip
    c.post("/_debug/viewer-claim", json={"user_id": "u1", "coupon_id": cp["id"]})
    c.post(f"/coupons/{cp['id']}/end")
    fs = c.post("/flash-sales", json={"product_id": "p04", "price_cents": 100, "quantity": 3,
                                      "duration_seconds": 60}).json()  # fmt: skip
    c.post("/flash-sales", json={"product_id": "p05", "price_cents": 100, "quantity": 3,
                                 "starts_in_seconds": 3600, "duration_seconds": 60})  # fmt: skip
    o = c.post("/orders", json={"user_id": "u1", "product_id": "p04", "pay": True}).json()
    c.post("/orders", json={"user_id": "u2", "product_id": "p04"})  # flash sale: 2 of 3 sold
    c.post(f"/orders/{o['id']}/refund", json={"reason": "不想要了"})
    rs = c.post("/reservations", json={"product_id": "p06", "quantity": 2,
                                       "promotion": "flash_sale"}).json()  # fmt: skip
    fs6 = c.post("/flash-sales", json={"product_id": "p06", "price_cents": 100, "quantity": 2,
                                       "duration_seconds": 60, "reservation_id": rs["id"]}).json()  # fmt: skip
    c.post("/orders", json={"user_id": "u3", "product_id": "p06"})  # reservation_updated
    c.post("/red-envelopes", json={"total_cents": 100, "count": 2, "starts_in_seconds": 3600,
                                   "duration_seconds": 60})  # fmt: skip
    re = c.post("/red-envelopes", json={"total_cents": 100, "count": 2,
                                        "duration_seconds": 60}).json()  # fmt: skip
    c.post(f"/red-envelopes/{re['id']}/grabs", json={"user_id": "u4"})
    c.post(f"/red-envelopes/{re['id']}/end")
    lot = c.post("/lotteries", json={"prize": "杯子", "keyword": "来了", "winners": 1,
                                     "duration_seconds": 3}).json()  # fmt: skip
    cm = c.post("/_debug/viewer-comment", json={"user_id": "u5", "text": "来了"}).json()["comment"]
    c.post(f"/comments/{cm['id']}/pin")
    c.post(f"/comments/{cm['id']}/hide")
    c.post("/users/u6/mute", json={"seconds": 60})
    c.delete("/users/u6/mute")
    c.post("/comments", json={"text": "感谢大家"})
    review = {"weight_gmv": 40, "weight_conversion": 40, "weight_interaction": 20,
              "basis": "auto", "min_history": 3, "target_gmv_cents": 100_000,
              "target_conversion_percent": 5.0, "target_interaction": 1.0}  # fmt: skip
    assert c.put("/team/review", json={"version": 0, "review": review}).status_code == 200
    deadline = time.monotonic() + 30
    while c.post(f"/lotteries/{lot['id']}/draw").status_code != 200:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    time.sleep(1.5)  # let the audience produce likes/gifts/follows and a viewers count
    # ended by the operator unless the simulated audience already bought the last unit
    assert c.post(f"/flash-sales/{fs['id']}/end").status_code in (200, 409)
    # the reserved sale's end gives its rest back (stock_released), unless the audience already
    # bought its last unit, which ended it
    assert c.post(f"/flash-sales/{fs6['id']}/end").status_code in (200, 409)
    c.post(f"/sessions/{session['id']}/end")

    events = srv.read_events(0)
    with connect(srv.events_url(10**9), additional_headers=srv.headers("reviewer")) as ws:
        events.append(json.loads(ws.recv(timeout=20)))
    parsed = [parse_event(e) for e in events]  # raises MalformedEvent on any contract breach
    seen = {e.type for e in parsed}
    # a takedown names the platform's own message ids, which are not part of the wire schema
    # (PaidMessageData.message_id): real platforms send it to the console in-process only;
    # and the console's quiz is never a platform's
    missing = set(EventType) - seen - {EventType.PAID_MESSAGE_DELETED} - CONSOLE_ONLY_EVENTS
    assert not missing, f"never emitted: {sorted(missing)}"
    for e in parsed:  # operator actions carry the actor, never the token itself
        if e.actor is not None:
            assert e.actor.token_id not in srv.tokens.values()
    actions = {"products_reordered", "product_explaining", "coupon_issued", "lottery_started",
               "flash_sale_scheduled", "lottery_drawn", "comment_pinned", "comment_hidden", "user_muted",
               "session_started", "session_ended", "team_review_changed"}  # fmt: skip
    assert all(e.actor is not None for e in parsed if e.type in actions)

    snap = Snapshot.model_validate(c.get("/snapshot").json())
    assert snap.seq >= parsed[-2].seq
    assert snap.metrics.comments > 0
    orders = [Order.model_validate(x) for x in c.get("/orders").json()]
    assert any(x.status == "refunded" for x in orders)
