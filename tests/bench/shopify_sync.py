"""Benchmark: a 2,000-product Shopify store's bag loaded, and 1,000 orders a minute polled, within
Shopify's cost-based throttle (issue 16), through the real ``shopify`` adapter and the stand-in.

The stand-in (plugins/shopify/standin) runs on this loop with Shopify's leaky bucket (``--bucket``
1000 points, ``--restore`` 100 points/s: today's Standard plan; Advanced 200, Plus 1000) and
Shopify's cost rule (nested connections multiply: a page of 10 products asks for 852 points).

(1) catalogue, twice on stores of ``--products`` products: as the adapter loads it (one bulk
    operation above ``BULK_ABOVE`` products: ``catalogue``) and page by page (``bulk=off``:
    ``catalogue_paged``, the way before bulk operations; ``--skip-paged`` leaves it out).
    ``ShopifyFactory().open()`` (the shop query and the first products page: ``open_s``), then
    the rest in the background until ``adapter.loaded`` (``seconds``), order polls running
    meanwhile. Reported: queries, throttled answers, points used by every query
    (``cost_used_all``), and for pages ``floor_s``: the least time the throttle allows for
    them ((their cost − bucket) / restore rate). Baseline in the same run: the same pages
    fetched raw (httpx, one after the other) from a stand-in without a throttle: ``raw_s``.
(2) orders, on the bulk-loaded store: ``--rate`` orders a minute created for ``--seconds`` (a
    checkout each, half of them paid two seconds later) while the adapter polls. Reported:
    orders seen, each transition once (``duplicates`` must be 0), lag from creation to the
    adapter's event (p50/p95/max, seconds), polls, queries of each kind, throttled answers,
    points used against the budget (what the catalogue left in the bucket + restore ×
    seconds), ``cost_per_order`` (points used / orders) and what the restore rate sustains with
    it (``sustainable_per_min`` = restore × 60 / cost_per_order); ``full_query_cost_per_order``:
    what one order costs read whole by the one-query poll used before (the stand-in's rule on a
    page of 100), for comparison. Baseline: one orders query answered raw (median ms) by the
    unthrottled stand-in.

Prints ONE JSON line. Usage: ``.venv/bin/python tests/bench/shopify_sync.py [--products 2000]
[--rate 1000] [--seconds 30] [--restore 100] [--skip-paged]``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from app.api import models
from plugins.bilibili.standin.runner import Served
from plugins.shopify import queries as q
from plugins.shopify.adapter import PAGE_LOAD, ShopifyAdapter, ShopifyFactory
from plugins.shopify.graphql import API_VERSION
from plugins.shopify.standin.server import LOCATION, Options, ShopifyStandIn, actual_cost


def make_store(n: int, options: Options) -> ShopifyStandIn:
    standin = ShopifyStandIn(options)
    for i in range(n):
        standin.add_product(f"Product {i + 1}", 500 + i, 100)
    return standin


async def raw_pages(base: str, standin: ShopifyStandIn) -> tuple[float, int, int]:
    """Every products page fetched raw: (seconds, pages, what they cost by Shopify's rule)."""
    url = f"{base}/admin/api/{API_VERSION}/graphql.json"
    headers = {"X-Shopify-Access-Token": standin.token}
    pages, cost, after = 0, 0, None
    async with httpx.AsyncClient(timeout=30) as http:
        t0 = time.perf_counter()
        while True:
            variables = {"first": PAGE_LOAD, "after": after, "location": LOCATION, "query": None}
            r = await http.post(
                url, json={"query": q.PRODUCTS, "variables": variables}, headers=headers
            )
            data = r.json()["data"]
            conn = data["products"]
            cost += actual_cost(data)
            pages += 1
            if not conn["pageInfo"]["hasNextPage"]:
                break
            after = conn["pageInfo"]["endCursor"]
        return time.perf_counter() - t0, pages, cost


async def raw_orders_ms(base: str, standin: ShopifyStandIn, rounds: int = 20) -> float:
    url = f"{base}/admin/api/{API_VERSION}/graphql.json"
    headers = {"X-Shopify-Access-Token": standin.token}
    times = []
    async with httpx.AsyncClient(timeout=30) as http:
        for _ in range(rounds):
            t0 = time.perf_counter()
            variables = {"query": "updated_at:>='1970-01-01T00:00:00Z'", "after": None}
            r = await http.post(
                url, json={"query": q.ORDERS, "variables": variables}, headers=headers
            )
            r.raise_for_status()
            times.append(time.perf_counter() - t0)
    return round(statistics.median(times) * 1000, 2)


def pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    return round(s[min(len(s) - 1, int(p * len(s)))], 3)


async def load(
    a: argparse.Namespace, standin: ShopifyStandIn, base: str, state: str, bulk: str
) -> tuple[ShopifyAdapter, dict[str, Any]]:
    """The store opened and its catalogue loaded by the adapter (``bulk``: on/off)."""
    settings = {"base": base, "shop": standin.shop, "token": standin.token, "state_dir": state,
                "poll_every": a.poll_every, "bulk": bulk}  # fmt: skip
    t0 = time.perf_counter()
    adapter = await ShopifyFactory().open(settings)
    open_s = time.perf_counter() - t0
    assert isinstance(adapter, ShopifyAdapter)
    await adapter.loaded.wait()
    load_s = time.perf_counter() - t0
    bag = await adapter.products()
    assert len(bag.products) == a.products, len(bag.products)
    return adapter, {
        "method": adapter.load_method,
        "open_s": round(open_s, 2),
        "seconds": round(load_s, 2),
        "queries": adapter.admin.queries,
        "product_pages": len(standin.calls("LivedeskProducts")),
        "bulk_operations": len(standin.bulk),
        "throttled": adapter.admin.throttled,
        "waited_s": round(adapter.admin.throttle.waited, 2),
        "cost_used_all": int(adapter.admin.throttle.used),
        "notes": adapter.notes,
    }


async def run(a: argparse.Namespace) -> dict[str, Any]:
    options = Options(bucket=a.bucket, restore=a.restore)
    standin = make_store(a.products, options)
    raw = make_store(a.products, Options(bucket=1e12, restore=1e12))
    served, served_raw = Served(standin.app()), Served(raw.app())
    await served.start()
    await served_raw.start()
    out: dict[str, Any] = {"bench": "shopify_sync", "products": a.products}
    try:
        raw_s, pages, catalogue_cost = await raw_pages(served_raw.base, raw)
        paging = {
            "pages": pages,
            "catalogue_cost": catalogue_cost,  # what the pages cost by Shopify's rule
            "page_requested_cost": standin.requested_cost(q.PRODUCTS, {"first": PAGE_LOAD}),
            "bucket": a.bucket,
            "restore_per_s": a.restore,
            "floor_s": round(max(0.0, (catalogue_cost - a.bucket) / a.restore), 2),
            "raw_s": round(raw_s, 3),
        }
        with tempfile.TemporaryDirectory() as state:
            adapter, out["catalogue"] = await load(a, standin, served.base, state, "on")
            try:
                out["orders"] = await orders_phase(a, standin, adapter)
                out["orders"]["raw_query_ms"] = await raw_orders_ms(served_raw.base, raw)
                out["orders"]["full_query_cost_per_order"] = full_cost_per_order(raw)
            finally:
                await adapter.close()
        if not a.skip_paged:
            paged = make_store(a.products, options)
            served_paged = Served(paged.app())
            await served_paged.start()
            try:
                with tempfile.TemporaryDirectory() as state:
                    adapter, out["catalogue_paged"] = await load(
                        a, paged, served_paged.base, state, "off"
                    )
                    await adapter.close()
            finally:
                await served_paged.stop()
            out["catalogue_paged"].update(paging)
        else:
            out["catalogue_paged"] = paging
    finally:
        await served.stop()
        await served_raw.stop()
    return out


def full_cost_per_order(standin: ShopifyStandIn) -> float:
    """What an order read whole by the one-query poll (``LivedeskOrders``) costs: the stand-in's
    rule on a page of 100 one-line orders."""
    pid = next(iter(standin.products))
    for n in range(100):
        standin.add_order(pid, 1, customer=(str(n), f"Buyer {n}"))
    data = standin._op_orders({"first": 100, "query": ""})
    return round(actual_cost(data) / len(data["orders"]["nodes"]), 2)


async def orders_phase(
    a: argparse.Namespace, standin: ShopifyStandIn, adapter: ShopifyAdapter
) -> dict[str, Any]:
    seen: dict[str, float] = {}  # event key → when the adapter handed it over
    duplicates = 0

    async def read() -> None:
        nonlocal duplicates
        async for batch in adapter.event_batches(0):
            now = time.time()
            for e in batch:
                if e.type in (models.EventType.ORDER_CREATED, models.EventType.ORDER_PAID):
                    key = f"{e.type}:{e.data.order.id}"
                    if key in seen:
                        duplicates += 1
                    seen.setdefault(key, now)

    reader = asyncio.ensure_future(read())
    created: dict[str, float] = {}
    paid_at: dict[str, float] = {}
    pid = next(iter(standin.products))
    throttled0, queries0, used0 = (
        adapter.admin.throttled,
        adapter.admin.queries,
        adapter.admin.throttle.used,
    )
    polls0 = adapter.polls
    updates0 = len(standin.calls("LivedeskOrderUpdates"))
    details0 = len(standin.calls("LivedeskOrderDetails"))
    available0 = adapter.admin.throttle.now_available()  # the catalogue left the bucket so
    interval = 60.0 / a.rate
    t0 = time.time()
    n = 0
    pending_pay: list[tuple[float, int]] = []
    while time.time() - t0 < a.seconds:
        due = t0 + n * interval
        await asyncio.sleep(max(0.0, due - time.time()))
        order = standin.add_order(pid, 1, customer=(str(n), f"Buyer {n}"))
        created[f"{order.id}-1"] = order.created
        if n % 2 == 0:
            pending_pay.append((order.created + 2.0, order.id))
        now = time.time()
        while pending_pay and pending_pay[0][0] <= now:
            _, oid = pending_pay.pop(0)
            standin.pay(oid)
            paid_at[f"{oid}-1"] = time.time()
        n += 1
    for _, oid in pending_pay:
        standin.pay(oid)
        paid_at[f"{oid}-1"] = time.time()
    want = len(created) + len(paid_at)
    for _ in range(300):  # up to 30 s for the last orders
        if len(seen) >= want:
            break
        await asyncio.sleep(0.1)
    elapsed = time.time() - t0
    reader.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await reader
    lags = [
        seen[f"order_created:{k}"] - ts for k, ts in created.items() if f"order_created:{k}" in seen
    ]
    pay_lags = [
        seen[f"order_paid:{k}"] - ts for k, ts in paid_at.items() if f"order_paid:{k}" in seen
    ]
    used = adapter.admin.throttle.used - used0
    return {
        "rate_per_min": a.rate,
        "seconds": a.seconds,
        "orders": len(created),
        "created_seen": len(lags),
        "paid": len(paid_at),
        "paid_seen": len(pay_lags),
        "duplicates": duplicates,
        "lag_p50_s": pct(lags, 0.5),
        "lag_p95_s": pct(lags, 0.95),
        "lag_max_s": pct(lags, 1.0),
        "paid_lag_p95_s": pct(pay_lags, 0.95),
        "polls": adapter.polls - polls0,
        "queries": adapter.admin.queries - queries0,
        "update_queries": len(standin.calls("LivedeskOrderUpdates")) - updates0,
        "detail_queries": len(standin.calls("LivedeskOrderDetails")) - details0,
        "throttled": adapter.admin.throttled - throttled0,
        "cost_used": int(used),
        "cost_per_order": round(used / max(1, len(created)), 2),
        "sustainable_per_min": int(a.restore * 60 / max(0.01, used / max(1, len(created)))),
        "bucket_at_start": int(available0),
        "cost_budget": int(available0 + a.restore * elapsed),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--products", type=int, default=2000)
    ap.add_argument("--rate", type=float, default=1000.0, help="orders a minute")
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--bucket", type=float, default=1000.0)
    ap.add_argument("--restore", type=float, default=100.0)
    ap.add_argument("--poll-every", type=float, default=1.0)
    ap.add_argument("--skip-paged", action="store_true")
    a = ap.parse_args()
    print(json.dumps(asyncio.run(run(a)), ensure_ascii=False))


if __name__ == "__main__":
    main()
