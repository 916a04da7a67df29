"""Stock reservation 库存冻结 against the real sandbox server: reserved units are sold only by
their promotion, leftovers go back when it ends (also across a restart), and under concurrent
orders against reserved and free stock nothing is oversold and no unit is lost; a coupon push
gives back its rest when the coupon expires or is ended."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from tests.support.polling import until_sync


def reserve(c: httpx.Client, pid: str, n: int, promotion: str = "flash_sale") -> dict[str, Any]:
    r = c.post("/reservations", json={"product_id": pid, "quantity": n, "promotion": promotion})
    assert r.status_code == 200, r.text
    return dict(r.json())


async def test_concurrent_orders_on_reserved_and_free_stock_add_up(sandbox_server: Any) -> None:
    srv = sandbox_server(debug_routes=True)
    c = srv.client()
    c.patch("/products/p03", json={"stock": 50})
    res = reserve(c, "p03", 20, "coupon")
    product = c.get("/products/p03").json()
    assert (product["stock"], product["reserved"]) == (50, 20)
    coupon = c.post(
        "/coupons",
        json={"kind": "no_threshold", "amount_cents": 100, "quantity": 100,
              "valid_seconds": 600, "reservation_id": res["id"]},
    ).json()  # fmt: skip
    assert coupon["product_ids"] == ["p03"] and coupon["reservation_id"] == res["id"]
    for i in range(40):
        r = c.post("/_debug/viewer-claim", json={"user_id": f"h{i}", "coupon_id": coupon["id"]})
        assert r.status_code == 200, r.text
    async with httpx.AsyncClient(base_url=srv.api() + "/", headers=srv.headers(), timeout=60) as a:

        async def buy(user: str, coupon_id: str | None) -> httpx.Response:
            body = {"user_id": user, "product_id": "p03", "coupon_id": coupon_id, "pay": True}
            return await a.post("orders", json=body)

        jobs = [buy(f"h{i}", coupon["id"]) for i in range(40)]
        jobs += [buy(f"n{i}", None) for i in range(60)]
        results = await asyncio.gather(*jobs)
    ok = [r.json() for r in results if r.status_code == 200]
    refused = [r.json()["error"]["code"] for r in results if r.status_code != 200]
    assert sum(o["quantity"] for o in ok) == 50  # every unit sold once: none over, none lost
    assert set(refused) == {"sold_out"}
    plain = [o for o in ok if o["coupon_id"] is None]
    assert len(plain) <= 30  # an ordinary order never takes a reserved unit
    from_reservation = [o for o in ok if o["reservation_id"] == res["id"]]
    assert len(from_reservation) == 20
    product = c.get("/products/p03").json()
    assert (product["stock"], product["reserved"], product["sold"]) == (0, 0, 50)
    held = c.get("/reservations").json()[0]
    assert (held["status"], held["remaining"]) == ("held", 0)


def test_a_flash_sale_sells_its_reservation_and_the_rest_returns_when_it_ends(
    sandbox_server: Any,
) -> None:
    srv = sandbox_server()
    c = srv.client()
    c.patch("/products/p04", json={"stock": 50})
    res = reserve(c, "p04", 20)
    too_big = c.post(
        "/flash-sales",
        json={"product_id": "p04", "price_cents": 100, "quantity": 31, "duration_seconds": 60},
    )
    assert too_big.status_code == 409
    err = too_big.json()["error"]
    assert err["code"] == "insufficient_stock" and "30" in err["message"]
    assert too_big.json()["free_stock"] == 30
    sale = c.post(
        "/flash-sales",
        json={"product_id": "p04", "price_cents": 100, "quantity": 20, "duration_seconds": 2,
              "reservation_id": res["id"]},
    ).json()  # fmt: skip
    assert sale["reservation_id"] == res["id"]
    busy = c.post(f"/reservations/{res['id']}/release")
    assert busy.status_code == 409 and busy.json()["error"]["code"] == "reservation_in_use"
    for i in range(12):
        o = c.post("/orders", json={"user_id": f"f{i}", "product_id": "p04"}).json()
        assert o["unit_price_cents"] == 100 and o["reservation_id"] == res["id"]
    until_sync(lambda: c.get("/reservations").json()[0]["status"] == "released", 15)
    released = c.get("/reservations").json()[0]
    assert (released["released"], released["remaining"]) == (8, 0)
    product = c.get("/products/p04").json()
    assert (product["stock"], product["reserved"]) == (38, 0)  # all 38 for sale again
    types = [e["type"] for e in srv.read_events(0)]
    assert types.index("stock_reserved") < types.index("flash_sale_ended")
    assert types.index("flash_sale_ended") < types.index("stock_released")


def test_leftovers_return_after_a_platform_restart(sandbox_server: Any) -> None:
    srv = sandbox_server()
    c = srv.client()
    c.patch("/products/p05", json={"stock": 40})
    res = reserve(c, "p05", 15)
    held = reserve(c, "p05", 5, "coupon")  # not used yet: stays held across the restart
    c.post(
        "/flash-sales",
        json={"product_id": "p05", "price_cents": 100, "quantity": 15, "duration_seconds": 2,
              "reservation_id": res["id"]},
    )  # fmt: skip
    c.post("/orders", json={"user_id": "a", "product_id": "p05", "quantity": 3})
    srv.kill()
    time.sleep(2.5)  # the sale ends while the platform is down
    srv.restart()
    c = srv.client()
    until_sync(lambda: c.get("/reservations").json()[0]["status"] == "released", 15)
    by_id = {r["id"]: r for r in c.get("/reservations").json()}
    assert by_id[res["id"]]["released"] == 12
    assert by_id[held["id"]]["status"] == "held"
    product = c.get("/products/p05").json()
    assert (product["stock"], product["reserved"]) == (37, 5)
    assert c.get("/snapshot").json()["reservations"][1]["status"] == "held"


def test_free_stock_rules(sandbox_server: Any) -> None:
    c = sandbox_server().client()
    c.patch("/products/p06", json={"stock": 10})
    r = c.post("/reservations", json={"product_id": "p06", "quantity": 11, "promotion": "coupon"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "insufficient_stock"
    res = reserve(c, "p06", 6, "coupon")
    r = c.patch("/products/p06", json={"stock": 5})
    assert r.status_code == 422 and r.json()["error"]["field"] == "stock"
    r = c.patch("/products/p06", json={"stock_delta": -5})
    assert r.status_code == 422 and r.json()["error"]["field"] == "stock_delta"
    for i in range(4):
        assert c.post("/orders", json={"user_id": f"u{i}", "product_id": "p06"}).status_code == 200
    r = c.post("/orders", json={"user_id": "late", "product_id": "p06"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "sold_out"
    wrong = c.post(
        "/flash-sales",
        json={"product_id": "p06", "price_cents": 100, "quantity": 1, "duration_seconds": 9,
              "reservation_id": res["id"]},
    )  # fmt: skip
    assert wrong.status_code == 422 and wrong.json()["error"]["field"] == "reservation_id"
    released = c.post(f"/reservations/{res['id']}/release").json()
    assert (released["status"], released["released"]) == ("released", 6)
    assert c.get("/products/p06").json()["reserved"] == 0
    assert c.post("/orders", json={"user_id": "late", "product_id": "p06"}).status_code == 200


def test_a_coupon_push_returns_its_leftover_when_the_coupon_expires_or_is_ended(
    sandbox_server: Any,
) -> None:
    srv = sandbox_server(debug_routes=True)
    c = srv.client()
    c.patch("/products/p07", json={"stock": 40})
    pushes = {}
    for name, valid in (("expires", 3), ("ended", 3600)):
        res = reserve(c, "p07", 10, "coupon")
        coupon = c.post(
            "/coupons",
            json={"kind": "no_threshold", "name": f"立减 {name}", "amount_cents": 100,
                  "quantity": 100, "valid_seconds": valid, "reservation_id": res["id"]},
        ).json()  # fmt: skip
        pushes[name] = (res["id"], coupon["id"])
        r = c.post("/_debug/viewer-claim", json={"user_id": f"h-{name}", "coupon_id": coupon["id"]})
        assert r.status_code == 200, r.text
        body = {"user_id": f"h-{name}", "product_id": "p07", "coupon_id": coupon["id"],
                "quantity": 3, "pay": True}  # fmt: skip
        assert c.post("/orders", json=body).json()["reservation_id"] == res["id"]
    assert c.get("/products/p07").json()["reserved"] == 14  # 7 + 7 left
    assert c.post(f"/coupons/{pushes['ended'][1]}/end").status_code == 200

    def released(name: str) -> dict[str, Any]:
        return next(r for r in c.get("/reservations").json() if r["id"] == pushes[name][0])

    until_sync(lambda: released("expires")["status"] == "released", 15)
    until_sync(lambda: released("ended")["status"] == "released", 15)
    assert released("expires")["released"] == released("ended")["released"] == 7
    product = c.get("/products/p07").json()
    assert (product["stock"], product["reserved"], product["sold"]) == (34, 0, 6)
