"""How the real ``shopify`` adapter polls orders within Shopify's budget, against the stand-in:
what changed first (2 points an order), then only new orders whole by id; a backlog of new
orders read whole page by page instead; each transition once either way."""

from __future__ import annotations

import asyncio
import collections
import contextlib

from app.api import models
from plugins.shopify.standin.server import Options, ShopifyStandIn
from tests.support.polling import until

from .conftest import Open

ET = models.EventType


async def test_new_orders_are_read_whole_once_and_status_changes_cheaply(open_shop: Open) -> None:
    standin = ShopifyStandIn(Options(restore=1000))
    pid = standin.add_product("Mug", 1500, 500).id
    adapter = await open_shop(standin)
    events: list[models.Event] = []

    async def read() -> None:
        async for batch in adapter.event_batches(0):
            events.extend(batch)

    reader = asyncio.ensure_future(read())
    try:
        orders = [standin.add_order(pid, 2, customer=(str(i), f"Buyer {i}")) for i in range(5)]
        await until(lambda: len(events) >= 5, 10, "five new orders")
        details = len(standin.calls("LivedeskOrderDetails"))
        for o in orders:
            standin.pay(o.id)
        await until(
            lambda: len([e for e in events if e.type is ET.ORDER_PAID]) == 5, 10, "five payments"
        )
        await asyncio.sleep(1.0)  # more polls: nothing again
        # the payments came from what-changed reads alone: no order read whole again
        assert len(standin.calls("LivedeskOrderDetails")) == details
        created = [e.data.order for e in events if e.type is ET.ORDER_CREATED]
        paid = [e.data.order for e in events if e.type is ET.ORDER_PAID]
        assert sorted(o.id for o in created) == sorted(f"{o.id}-1" for o in orders)
        assert sorted(o.id for o in paid) == sorted(o.id for o in created)
        first = paid[0]
        assert (first.quantity, first.unit_price_cents, first.amount_cents) == (2, 1500, 3000)
        assert first.nickname.startswith("Buyer ") and first.product_title == "Mug"
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader


async def test_a_backlog_of_new_orders_is_read_whole_page_by_page(open_shop: Open) -> None:
    standin = ShopifyStandIn(Options(restore=1000))
    pid = standin.add_product("Mug", 1500, 500).id
    for i in range(30):  # before open: the first poll finds only new orders
        standin.add_order(pid, 1, customer=(str(i), f"Buyer {i}"))
    adapter = await open_shop(standin, orders_since=0)
    events: list[models.Event] = []

    async def read() -> None:
        async for batch in adapter.event_batches(0):
            events.extend(batch)

    reader = asyncio.ensure_future(read())
    try:
        await until(lambda: len(events) >= 30, 10, "the backlog")
        later = [standin.add_order(pid, 1) for _ in range(12)]
        for o in later[::2]:
            standin.pay(o.id)
        await until(lambda: len(events) >= 30 + 12 + 6, 10, "the later orders")
        await asyncio.sleep(1.0)
        assert standin.calls("LivedeskOrders")  # the poll after the backlog read whole pages
        kinds = collections.Counter((e.type, e.data.order.id) for e in events)
        assert set(kinds.values()) == {1}  # each transition once
        assert sum(1 for t, _ in kinds if t is ET.ORDER_CREATED) == 42
        assert sum(1 for t, _ in kinds if t is ET.ORDER_PAID) == 6
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader


async def test_order_polls_go_on_after_shopify_was_out_of_reach(open_shop: Open) -> None:
    from plugins.bilibili.standin.runner import Served

    standin = ShopifyStandIn(Options(restore=1000))
    pid = standin.add_product("Mug", 1500, 500).id
    served = Served(standin.app())
    await served.start()
    adapter = await open_shop(standin, base=served.base)
    port = served.port
    await served.stop()  # the network drops
    try:
        await until(
            lambda: adapter.connection.status.state.name == "RECONNECTING", 10, "reconnecting"
        )
        order = standin.add_order(pid, 1)  # sold meanwhile
        served = Served(standin.app(), port=port)
        await served.start()
        adapter.reconnect_now()
        await until(lambda: f"{order.id}-1" in adapter._orders, 15, "the order sold meanwhile")
        await until(lambda: adapter.connection.status.state.name == "CONNECTED", 10, "connected")
        assert not adapter.notes
    finally:
        await adapter.close()
        await served.stop()
