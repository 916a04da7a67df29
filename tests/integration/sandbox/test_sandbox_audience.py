"""The simulated audience inside the real sandbox server: a room that behaves like a live room.

Starts ``livedesk sandbox --viewers 300 --seed 7 --live``, explains a product, issues a coupon
and opens a lottery through the API, then reads the event stream and checks what an operator
would see: Chinese comments, orders mostly for the explained product, viewer counts, the coupon
being claimed and used, and the lottery keyword typed by viewers.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from typing import Any

import pytest

from app.platform.models import Event

HAN = re.compile(r"[\u4e00-\u9fff]")
KEYWORD = "扣1抽口红"

pytestmark = pytest.mark.slow


def _enough(events: list[dict[str, Any]], coupon_id: str) -> bool:
    kinds = Counter(e["type"] for e in events)
    keyword_said = any(
        e["type"] == "comment" and e["data"]["comment"]["text"] == KEYWORD for e in events
    )
    claimed = sum(
        1 for e in events if e["type"] == "coupon_claimed" and e["data"]["coupon_id"] == coupon_id
    )
    return (
        kinds["order_created"] >= 12
        and kinds["order_paid"] >= 3
        and kinds["viewers"] >= 2
        and claimed >= 20
        and any(e["type"] == "order_created" and e["data"]["order"]["coupon_id"] for e in events)
        and keyword_said
    )


def test_simulated_audience_behaves_like_a_live_room(sandbox_server: Any) -> None:
    srv = sandbox_server(viewers=300, seed=7, live=True)
    host = srv.client("host")
    products = host.get("/products").json()["products"]
    assert len(products) >= 10
    explained = products[2]["id"]
    start = srv.last_seq()

    r = host.post(f"/products/{explained}/explain")
    assert r.status_code == 200, r.text
    r = host.post(
        "/coupons",
        json={
            "kind": "no_threshold",
            "name": "无门槛5元",
            "amount_cents": 500,
            "quantity": 50,
            "valid_seconds": 600,
        },
    )
    assert r.status_code == 200, r.text
    coupon_id = r.json()["id"]
    r = host.post(
        "/lotteries",
        json={"prize": "口红一支", "keyword": KEYWORD, "winners": 3, "duration_seconds": 300},
    )
    assert r.status_code == 200, r.text

    # Read the stream for at least ~10 s, longer on a slow machine, until the room has shown
    # everything (or 120 s have passed and the assertions below say what is missing).
    events: list[dict[str, Any]] = []
    began = time.monotonic()
    seen = start
    while True:
        time.sleep(2.0)
        batch = srv.read_events(seen, until_seq=srv.last_seq(), timeout=60)
        events.extend(batch)
        if batch:
            seen = batch[-1]["seq"]
        elapsed = time.monotonic() - began
        if (elapsed >= 10 and _enough(events, coupon_id)) or elapsed > 120:
            break

    parsed = [Event.model_validate(e) for e in events]  # the stream keeps the contract
    assert [e.seq for e in parsed] == list(range(start + 1, start + 1 + len(parsed)))
    kinds = Counter(e["type"] for e in events)

    print(
        "audience:", round(time.monotonic() - began), "s", dict(kinds)
    )  # shown with -s / on failure

    # Comments: Chinese, and of the kinds a live room has.
    viewer_comments = [
        e["data"]["comment"]
        for e in events
        if e["type"] == "comment" and e["data"]["comment"]["role"] == "viewer"
    ]
    texts = [c["text"] for c in viewer_comments]
    assert len(texts) >= 100, kinds
    chinese = [t for t in texts if HAN.search(t)]
    assert len(chinese) >= 0.9 * len(texts), Counter(t for t in texts if not HAN.search(t))
    assert any(t in ("主播好", "来了来了", "来啦", "打卡", "哈喽") for t in texts)
    assert any(t in ("已拍", "扣1", "想要", "拍了", "买了两件") for t in texts)
    assert any(re.search("多少钱|有优惠吗|什么时候发货|包邮|还有吗|有货吗", t) for t in texts)
    assert len({c["user_id"] for c in viewer_comments}) >= 50  # many people, not a few bots
    assert all(HAN.search(c["nickname"]) for c in viewer_comments)

    # Viewers: arrivals and an online count near the asked-for 300.
    assert kinds["viewer_enter"] >= 100
    online = [e["data"]["online"] for e in events if e["type"] == "viewers"]
    assert online and 100 <= max(online) <= 600, online

    # Likes, gifts: the usual background of a room.
    assert kinds["like"] >= 1 and kinds["gift"] >= 1, kinds

    # Orders: mostly the explained product; most get paid.
    orders = [e["data"]["order"] for e in events if e["type"] == "order_created"]
    assert len(orders) >= 12, kinds
    by_product = Counter(o["product_id"] for o in orders)
    print("orders by product:", dict(by_product), "explained:", explained)
    assert by_product[explained] >= 0.6 * len(orders), (explained, by_product)
    assert kinds["order_paid"] >= 3, kinds

    # The coupon issued through the API is claimed quickly, then used in orders.
    claims = [
        e["data"]
        for e in events
        if e["type"] == "coupon_claimed" and e["data"]["coupon_id"] == coupon_id
    ]
    assert len(claims) >= 20, len(claims)
    assert len({c["user_id"] for c in claims}) == len(claims)  # per_user_limit 1 holds
    coupon = next(c for c in host.get("/coupons").json() if c["id"] == coupon_id)
    assert coupon["claimed"] >= 20
    assert any(o["coupon_id"] == coupon_id for o in orders)  # and used when buying

    # The lottery's keyword is typed exactly, by many viewers, and counted as entries.
    keyword_users = {c["user_id"] for c in viewer_comments if c["text"] == KEYWORD}
    assert len(keyword_users) >= 20, len(keyword_users)
    assert kinds["lottery_entered"] >= 20, kinds
