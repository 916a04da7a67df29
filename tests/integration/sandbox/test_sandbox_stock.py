"""Stock is never oversold: concurrent orders, a flash sale and restocks together."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from app.platform.models import parse_event


async def test_200_concurrent_orders_against_stock_50_with_a_flash_sale(
    sandbox_server: Any,
) -> None:
    srv = sandbox_server()
    async with httpx.AsyncClient(base_url=srv.api() + "/", headers=srv.headers(), timeout=60) as c:
        r = await c.patch("products/p03", json={"stock": 50})
        assert r.json()["stock"] == 50
        price = r.json()["price_cents"]
        r = await c.post(
            "flash-sales",
            json={
                "product_id": "p03",
                "price_cents": 9900,
                "quantity": 30,
                "duration_seconds": 600,
            },
        )
        sale = r.json()
        assert sale["status"] == "active"

        async def buy(i: int) -> httpx.Response:
            return await c.post(
                "orders", json={"user_id": f"u{i}", "product_id": "p03", "pay": True}
            )

        results = await asyncio.gather(*(buy(i) for i in range(200)))
        ok = [r.json() for r in results if r.status_code == 200]
        refused = [r for r in results if r.status_code != 200]
        assert len(ok) == 50
        assert all(
            r.status_code == 409 and r.json()["error"]["code"] == "sold_out" for r in refused
        )
        flash = [o for o in ok if o["flash_sale_id"] == sale["id"]]
        assert len(flash) == 30 and all(o["unit_price_cents"] == 9900 for o in flash)
        assert all(o["unit_price_cents"] == price for o in ok if o["flash_sale_id"] is None)
        product = (await c.get("products/p03")).json()
        assert (product["stock"], product["sold"]) == (0, 50)
        sales = (await c.get("flash-sales")).json()
        assert (sales[0]["sold"], sales[0]["status"]) == (30, "ended")
        # a restock puts it back on sale; a refund too — never below zero
        assert (await c.patch("products/p03", json={"stock_delta": 2})).json()["stock"] == 2
        more = await asyncio.gather(*(buy(1000 + i) for i in range(10)))
        assert sum(r.status_code == 200 for r in more) == 2

    events = [parse_event(e) for e in srv.read_events(0)]
    updates = [e.data.product for e in events if e.type == "product_updated"]
    assert any(p.id == "p03" and p.stock == 0 for p in updates)
    assert updates[-1].stock == 0
    ended = [e for e in events if e.type == "flash_sale_ended"]
    assert len(ended) == 1 and ended[0].data.flash_sale.sold == 30
    created = [e for e in events if e.type == "order_created"]
    assert len(created) == 52
    assert all(e.data.actor is not None and e.data.actor.role == "host" for e in created)


def test_stock_never_negative_under_a_heavy_audience(sandbox_server: Any) -> None:
    srv = sandbox_server(viewers=500, live=True, seed=11, extra=["--rate", "3000"])
    c = srv.client()
    c.patch("/products/p01", json={"stock": 5})
    c.post("/products/p01/explain")
    c.post(
        "/flash-sales",
        json={"product_id": "p01", "price_cents": 100, "quantity": 3, "duration_seconds": 60},
    )
    events = srv.read_events(0, count=6000, timeout=90)
    for e in events:
        if e["type"] == "product_updated":
            assert e["data"]["product"]["stock"] >= 0
    p = c.get("/products/p01").json()
    assert p["stock"] >= 0
    orders = c.get("/orders", params={"limit": 10000}).json()
    sold = sum(
        o["quantity"] for o in orders if o["product_id"] == "p01" and o["status"] != "refunded"
    )
    assert sold + p["stock"] == 5
