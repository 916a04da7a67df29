"""The Admin API client's pure parts: money, ids, the throttle's arithmetic, the stand-in's cost
estimate, and the shop state file."""

from __future__ import annotations

from pathlib import Path

from plugins.shopify import queries as q
from plugins.shopify.graphql import Throttle, cents, decimal, endpoint, gid, query_cost, tail
from plugins.shopify.state import ShopState


def test_money_is_integer_cents_both_ways() -> None:
    assert cents("12.34") == 1234 and cents("12.3") == 1230 and cents("7") == 700
    assert cents("-0.05") == -5 and cents(19.99) == 1999
    assert decimal(1234) == "12.34" and decimal(5) == "0.05" and decimal(-250) == "-2.50"
    for n in (0, 1, 99, 100, 123456):
        assert cents(decimal(n)) == n


def test_ids_and_the_pinned_endpoint() -> None:
    assert tail("gid://shopify/Product/42") == "42"
    assert gid("Product", "42") == "gid://shopify/Product/42"
    assert gid("Product", "gid://shopify/Product/42") == "gid://shopify/Product/42"
    url = endpoint("https://{shop}.myshopify.com", "my-store")
    assert url == "https://my-store.myshopify.com/admin/api/2025-01/graphql.json"
    assert (
        endpoint("http://127.0.0.1:9/", "x") == "http://127.0.0.1:9/admin/api/2025-01/graphql.json"
    )


def test_the_throttle_waits_for_what_the_bucket_lacks() -> None:
    t = Throttle()
    status = {"maximumAvailable": 1000.0, "currentlyAvailable": 100, "restoreRate": 50.0}
    t.update(
        {"cost": {"requestedQueryCost": 271, "actualQueryCost": 200, "throttleStatus": status}}, "P"
    )
    assert t.costs["P"] == 271 and t.used == 200
    assert 3.0 < t.wait_for(271) <= 171 / 50  # 171 points missing at 50/s (a little restored)
    assert t.wait_for(50) == 0
    assert t.wait_for(5000) <= 900 / 50  # never more than a full bucket


def test_query_cost_follows_shopifys_rule_nested_connections_multiply() -> None:
    # shopify.dev "Calculating query cost": object 1, connection 2 + first × one node, scalar 0
    assert query_cost("query A($n: Int) { x(first: $n) { nodes { id } } }", {"n": 7}) == 9
    nested = "{ a(first: 3) { nodes { b(first: 4) { nodes { id } } } } }"
    assert query_cost(nested, {}) == 2 + 3 * (1 + (2 + 4 * 1))
    assert query_cost("{ shop { name currencyCode } }", {}) == 1
    assert query_cost(q.VARIANT_PRICE, {}) == 10  # a mutation
    # what the old flat estimate said was 271 points is 21,252 by Shopify's rule
    assert query_cost(q.PRODUCTS, {"first": 250}) == 21_252


def test_every_query_the_adapter_sends_is_under_shopifys_single_query_limit() -> None:
    # above 1000 points Shopify answers MAX_COST_EXCEEDED whatever the bucket holds: the
    # adapter's pages are sized to stay under it
    from plugins.shopify.adapter import PAGE_LOAD, PAGE_ORDERS, PAGE_POLL
    from plugins.shopify.standin.server import SINGLE_QUERY_MAX

    assert query_cost(q.PRODUCTS, {"first": max(PAGE_LOAD, PAGE_POLL)}) <= SINGLE_QUERY_MAX
    assert query_cost(q.ORDERS, {"first": PAGE_ORDERS}) <= SINGLE_QUERY_MAX
    for name in dir(q):
        doc = getattr(q, name)
        if isinstance(doc, str) and "first: $first" not in doc and "{" in doc:
            assert query_cost(doc, {}) <= SINGLE_QUERY_MAX, name


def test_orders_are_polled_cheaply_and_read_whole_by_id_under_the_limit() -> None:
    from plugins.shopify.adapter import DETAILS_COST, PAGE_UPDATES_MAX, SINGLE_QUERY_MAX

    # what changed: 2 points an order (the node and the page info it carries)
    assert query_cost(q.ORDER_UPDATES, {"first": PAGE_UPDATES_MAX}) == 2 + 2 * PAGE_UPDATES_MAX
    # nodes(ids:) counts each id; as many ids a query as fit under the limit
    one = query_cost(q.ORDER_DETAILS, {"ids": ["a"]})
    assert one == DETAILS_COST and query_cost(q.ORDER_DETAILS, {"ids": ["a"] * 5}) == 5 * one
    assert query_cost(q.ORDER_DETAILS, {"ids": ["a"] * (SINGLE_QUERY_MAX // one)}) <= 1000
    assert query_cost('{ nodes(ids: ["a", "b"]) { id } }', {}) == 2


def test_the_shop_state_survives_a_reload(tmp_path: Path) -> None:
    state = ShopState.load(tmp_path, "my/shop")
    assert state.order == [] and state.version == 1
    state.order = ["2", "1"]
    state.reverts["fs-1"] = {"product_id": "1", "prices": {"v": 100}}
    state.save()
    again = ShopState.load(tmp_path, "my/shop")
    assert again.order == ["2", "1"] and again.reverts["fs-1"]["prices"] == {"v": 100}
    assert again.path.parent == tmp_path  # the shop's name cannot leave the folder
    again.path.write_text("{ not json", encoding="utf-8")
    assert ShopState.load(tmp_path, "my/shop").order == []
