"""The ``shopify`` adapter in process against the stand-in: the catalogue over two pages, price
and stock edits (and an admin's edit meanwhile), orders polled into events once each, the
throttle, discount codes, flash prices put back (also after the console was killed mid-sale),
and open()'s refusals."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time
from pathlib import Path

import orjson
import pytest

from app.api import PlatformError, StaleVersionError, models
from plugins.shopify.adapter import ShopifyAdapter
from plugins.shopify.standin.server import Options, ShopifyStandIn
from tests.support.polling import patience, until
from tests.support.processes import spawn, stop

from .conftest import Open

ET = models.EventType


def store(n: int = 3, options: Options | None = None) -> ShopifyStandIn:
    standin = ShopifyStandIn(options)
    for i in range(n):
        standin.add_product(f"Mug {i + 1}", 1500 + i, 10 + i)
    return standin


class Collector:
    """Reads the adapter's events in the background, as the console does."""

    def __init__(self, adapter: ShopifyAdapter) -> None:
        self.events: list[models.Event] = []
        self._task = asyncio.ensure_future(self._read(adapter))

    async def _read(self, adapter: ShopifyAdapter) -> None:
        async for batch in adapter.event_batches(0):
            self.events += batch

    def of(self, *types: ET) -> list[models.Event]:
        return [e for e in self.events if e.type in types]

    async def close(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


async def test_a_two_page_catalogue_is_loaded_with_prices_stock_and_images(
    open_shop: Open,
) -> None:
    # a store on a plan that restores 500 points a second (the default 50 would make the
    # 31 pages of this test take half a minute)
    standin = store(300, Options(restore=500))
    standin.add_product("Teapot", 4999, 3, variants=3)
    adapter = await open_shop(standin, bulk="off")  # pages (a bulk load: test_shopify_bulk.py)
    events = Collector(adapter)
    assert len((await adapter.products()).products) == 10  # open() returns after a page
    await asyncio.wait_for(adapter.loaded.wait(), patience(20))
    bag = await adapter.products()
    assert len(bag.products) == 301
    assert len(standin.calls("LivedeskProducts")) == 31  # pages of 10: Shopify's cost limit
    # every query stayed under Shopify's single-query limit (none refused MAX_COST_EXCEEDED)
    assert all(cost <= 1000 for _, cost, _ in standin.requests)
    # the later pages reach a room already loaded as product updates
    await until(lambda: len(events.of(ET.PRODUCT_UPDATED)) == 291, within=10, what="291 updates")
    await events.close()
    first = bag.products[0]
    assert (first.title, first.price_cents, first.stock) == ("Mug 1", 1500, 10)
    assert first.image_url and first.image_url.startswith("https://")
    teapot = bag.products[-1]
    assert teapot.stock == 9 and len(teapot.skus) == 3  # three variants of 3 each
    snap = await adapter.snapshot()
    assert snap.room == standin.shop and len(snap.bag.products) == 301
    assert (await adapter.room_info()).title == "LiveDesk Demo Store"


async def test_the_queue_order_is_livedesks_own_and_kept_per_shop(open_shop: Open) -> None:
    standin = store(3)
    adapter = await open_shop(standin)
    bag = await adapter.products()
    ids = [p.id for p in bag.products]
    reordered = await adapter.reorder(bag.version, list(reversed(ids)))
    assert [p.id for p in reordered.products] == list(reversed(ids))
    assert reordered.version == bag.version + 1
    with pytest.raises(StaleVersionError) as stale:
        await adapter.reorder(bag.version, ids)
    assert stale.value.current.version == reordered.version
    await adapter.close()
    again = await open_shop(standin)  # the same state folder: the order is still LiveDesk's
    assert [p.id for p in (await again.products()).products] == list(reversed(ids))


async def test_a_price_edit_is_written_to_shopify_and_reported(open_shop: Open) -> None:
    standin = store(2)
    adapter = await open_shop(standin)
    events = Collector(adapter)
    pid = (await adapter.products()).products[0].id
    product = await adapter.update_product(pid, price_cents=1299)
    assert product.price_cents == 1299 and standin.price_of(pid) == 1299
    await until(lambda: events.of(ET.PRODUCT_UPDATED), within=5, what="product_updated")
    assert events.of(ET.PRODUCT_UPDATED)[-1].data.product.price_cents == 1299
    await events.close()


async def test_a_price_changed_in_shopifys_admin_is_not_overwritten(open_shop: Open) -> None:
    standin = store(1)
    adapter = await open_shop(standin)
    pid = (await adapter.products()).products[0].id
    standin.set_price(pid, 2222)  # the merchant, in Shopify's admin
    with pytest.raises(PlatformError) as refused:
        await adapter.update_product(pid, price_cents=999)
    assert refused.value.code == "changed_in_shopify"
    assert "Shopify 后台" in refused.value.message
    assert standin.price_of(pid) == 2222
    assert refused.value.current.price_cents == 2222
    assert (await adapter.products()).products[0].price_cents == 2222  # the console now shows it


async def test_a_stock_edit_uses_compare_quantity_and_an_admin_edit_meanwhile_wins(
    open_shop: Open,
) -> None:
    standin = store(1)
    adapter = await open_shop(standin)
    pid = (await adapter.products()).products[0].id
    assert (await adapter.update_product(pid, stock=40)).stock == 40
    assert standin._product(pid).variants[0].available == 40
    standin.set_stock(pid, 7)  # someone counted the shelf in Shopify's admin
    with pytest.raises(PlatformError) as refused:
        await adapter.update_product(pid, stock=50)
    assert refused.value.code == "changed_in_shopify"
    assert standin._product(pid).variants[0].available == 7  # nothing overwritten
    assert (await adapter.products()).products[0].stock == 7


async def test_orders_are_polled_into_events_each_transition_once(open_shop: Open) -> None:
    standin = store(2)
    adapter = await open_shop(standin)
    events = Collector(adapter)
    pid = (await adapter.products()).products[0].id
    started = time.monotonic()
    order = standin.add_order(pid, 2, customer=("9", "Bob"))
    await until(lambda: events.of(ET.ORDER_CREATED), within=5, what="order_created")
    assert time.monotonic() - started < patience(5)
    created = events.of(ET.ORDER_CREATED)[0].data.order
    assert (created.product_id, created.quantity, created.amount_cents) == (pid, 2, 3000)
    assert created.nickname == "Bob" and created.status == "created"
    standin.pay(order.id)
    await until(lambda: events.of(ET.ORDER_PAID), within=5, what="order_paid")
    standin.refund(order.id)
    await until(lambda: events.of(ET.ORDER_REFUNDED), within=5, what="order_refunded")
    polls = adapter.polls
    await until(lambda: adapter.polls >= polls + 3, within=5, what="three more polls")
    kinds = [e.type for e in events.of(ET.ORDER_CREATED, ET.ORDER_PAID, ET.ORDER_REFUNDED)]
    assert kinds == [ET.ORDER_CREATED, ET.ORDER_PAID, ET.ORDER_REFUNDED]
    seqs = [e.seq for e in events.events]
    assert seqs == list(range(1, len(seqs) + 1))
    assert [o.status for o in await adapter.orders()] == ["refunded"]
    # the cursor follows Shopify's clock (the Date header), a few seconds back, not our own
    assert adapter.admin.date is not None and abs(adapter.admin.date - time.time()) < 5
    # an order first seen already paid: created and paid, once each
    standin.add_order(pid, 1, financial="PAID")
    await until(lambda: len(events.of(ET.ORDER_PAID)) == 2, within=5, what="second order_paid")
    assert len(events.of(ET.ORDER_CREATED)) == 2
    await events.close()


@pytest.mark.parametrize("http", [200, 429])
async def test_a_drained_bucket_is_waited_for_and_nothing_is_lost(
    open_shop: Open, http: int
) -> None:
    # a drained bucket: a catalogue page asks for 852 points, restored at 400 a second
    standin = store(40, Options(restore=400, throttled_http=http))
    standin.drain()
    adapter = await open_shop(standin)
    await asyncio.wait_for(adapter.loaded.wait(), patience(20))
    assert len((await adapter.products()).products) == 40
    # the bucket's state in each answer made the adapter wait instead of being refused
    assert adapter.admin.throttle.waited > 0.5
    events = Collector(adapter)
    pid = (await adapter.products()).products[0].id
    for _ in range(30):  # three pages of orders in one poll, with the bucket drained again
        standin.add_order(pid)
    standin.drain()  # behind the adapter's back: its next query is answered THROTTLED
    await until(lambda: len(events.of(ET.ORDER_CREATED)) == 30, within=30, what="30 orders")
    assert standin.throttled >= 1 and adapter.admin.throttled >= 1
    assert len({e.data.order.id for e in events.of(ET.ORDER_CREATED)}) == 30
    await events.close()


async def test_discount_codes_are_created_and_deactivated(open_shop: Open) -> None:
    standin = store(1)
    adapter = await open_shop(standin)
    kinds = models.CouponKind
    threshold = await adapter.issue_coupon(
        models.CouponSpec(
            kind=kinds.THRESHOLD,
            name="满100减20",
            threshold_cents=10000,
            amount_cents=2000,
            quantity=50,
            valid_seconds=600,
        )
    )
    code = threshold.name.split()[-1]
    made = standin.discount_by_code(code)
    assert made is not None and made.status == "ACTIVE" and made.input["usageLimit"] == 50
    assert made.input["minimumRequirement"]["subtotal"]["greaterThanOrEqualToSubtotal"] == "100.00"
    assert made.input["customerGets"]["value"]["discountAmount"]["amount"] == "20.00"
    percent = await adapter.issue_coupon(
        models.CouponSpec(kind=kinds.DISCOUNT, percent_off=15, quantity=5, valid_seconds=60)
    )
    pmade = standin.discount_by_code(percent.name)
    assert pmade is not None and pmade.input["customerGets"]["value"] == {"percentage": 0.15}
    assert "minimumRequirement" not in pmade.input
    ended = await adapter.end_coupon(threshold.id)
    assert ended.status == "ended" and made.status == "EXPIRED"
    assert {c.id: c.status for c in (await adapter.snapshot()).coupons} == {
        threshold.id: "ended",
        percent.id: "active",
    }


async def test_a_flash_price_is_applied_and_put_back(open_shop: Open) -> None:
    standin = store(1)
    adapter = await open_shop(standin)
    events = Collector(adapter)
    pid = (await adapter.products()).products[0].id
    sale = await adapter.start_flash_sale(
        models.FlashSaleSpec(product_id=pid, price_cents=999, quantity=10, duration_seconds=1)
    )
    assert sale.status == "active" and standin.price_of(pid) == 999
    assert adapter.state.reverts  # on disk while the sale runs
    await until(lambda: events.of(ET.FLASH_SALE_ENDED), within=10, what="the sale's end")
    assert standin.price_of(pid) == 1500
    assert not adapter.state.reverts
    assert (await adapter.products()).products[0].price_cents == 1500
    await events.close()


async def test_a_console_killed_mid_sale_has_the_price_put_back_at_the_next_open(
    open_shop: Open, served: object, tmp_path: Path
) -> None:
    standin = store(1)
    first = await open_shop(standin)  # serves the stand-in and gives its base
    base = first.admin.url.split("/admin/")[0]
    pid = (await first.products()).products[0].id
    await first.close()
    marker = tmp_path / "started"
    args = [
        base,
        standin.shop,
        standin.token,
        str(tmp_path / "state"),
        pid,
        "777",
        "6",
        str(marker),
    ]
    child = spawn([sys.executable, "-m", "tests.integration.shopify.holder", *args])
    try:
        await until(marker.exists, within=30, what="the child's sale")
        assert standin.price_of(pid) == 777
        child.send_signal(signal.SIGKILL)
        await until(lambda: child.poll() is not None, within=10, what="the child's death")
    finally:
        stop(child)
    saved = orjson.loads(next((tmp_path / "state").glob("*.json")).read_bytes())
    (ends,) = (r["ends_ts"] for r in saved["reverts"].values())  # written before the price
    await until(lambda: time.time() > ends + 0.5, within=10, what="the sale's end, no console")
    assert standin.price_of(pid) == 777  # nobody put it back
    again = await open_shop(standin)
    assert standin.price_of(pid) == 1500
    assert not again.state.reverts and again.notes
    assert (await again.products()).products[0].price_cents == 1500


async def test_open_refuses_a_wrong_token_an_unknown_shop_and_missing_scopes(
    open_shop: Open,
) -> None:
    standin = store(1)
    with pytest.raises(PlatformError) as bad_token:
        await open_shop(standin, token="shpat_wrong")
    assert bad_token.value.code == "credentials" and "令牌" in bad_token.value.message
    assert "shpat_wrong" not in bad_token.value.message
    good = await open_shop(standin)
    base = good.admin.url.split("/admin/")[0]
    with pytest.raises(PlatformError) as no_shop:
        await open_shop(standin, base=base + "/{shop}", shop="nobody")
    assert no_shop.value.code == "no_room" and "nobody" in no_shop.value.message
    assert await open_shop(standin, base=base + "/{shop}")  # the right shop under {shop}
    narrow = ShopifyStandIn(scopes=("read_products",))
    with pytest.raises(PlatformError) as scopes:
        await open_shop(narrow)
    assert "write_inventory" in scopes.value.message and "read_orders" in scopes.value.message


async def test_stock_sold_and_admin_edits_reach_the_console_as_product_updates(
    open_shop: Open,
) -> None:
    standin = store(2)
    adapter = await open_shop(standin, products_every=0.3)
    events = Collector(adapter)
    first, second = (p.id for p in (await adapter.products()).products)
    standin.add_order(first, 3)  # a checkout takes 3 of 10
    standin.set_price(second, 1234)  # the merchant, in Shopify's admin

    def shown() -> dict[str, tuple[int, int]]:
        return {
            e.data.product.id: (e.data.product.stock, e.data.product.price_cents)
            for e in events.of(ET.PRODUCT_UPDATED)
        }

    await until(lambda: len(shown()) == 2, within=10, what="both products updated")
    assert shown() == {first: (7, 1500), second: (11, 1234)}
    # what the console shows is what Shopify has: a stock edit from it is not refused
    assert (await adapter.update_product(first, stock=20)).stock == 20
    await events.close()


async def test_a_flash_price_changed_in_the_admin_meanwhile_is_kept(open_shop: Open) -> None:
    standin = store(1)
    adapter = await open_shop(standin)
    events = Collector(adapter)
    pid = (await adapter.products()).products[0].id
    await adapter.start_flash_sale(
        models.FlashSaleSpec(product_id=pid, price_cents=999, quantity=10, duration_seconds=1)
    )
    standin.set_price(pid, 1111)  # the merchant overrides the sale price
    await until(lambda: events.of(ET.FLASH_SALE_ENDED), within=10, what="the sale's end")
    assert standin.price_of(pid) == 1111
    assert any("Shopify 后台" in n for n in adapter.notes)
    await events.close()


async def test_a_live_room_on_the_store_follows_edits_orders_coupons_and_a_flash_sale(
    open_shop: Open,
) -> None:
    from app.live.room import LiveRoom

    standin = store(2)
    adapter = await open_shop(standin)
    room = LiveRoom(adapter)
    room.start()
    try:
        await room.wait_loaded()
        pid = room.bag[0].id
        assert [p.title for p in room.bag] == ["Mug 1", "Mug 2"]
        await room.update_product(pid, price_cents=1800)
        await until(lambda: room.product(pid).price_cents == 1800, 10, "the new price")
        order = standin.add_order(pid, 1)
        standin.pay(order.id)
        await until(lambda: room.metrics.paid_orders == 1, 10, "the paid order")
        assert room.metrics.orders == 1 and room.metrics.paid_gmv_cents == 1800
        coupon = await room.issue_coupon(
            models.CouponSpec(
                kind=models.CouponKind.NO_THRESHOLD, amount_cents=500, quantity=3, valid_seconds=60
            )
        )
        await until(lambda: coupon.id in room.coupons, 10, "the coupon")
        spec = models.FlashSaleSpec(product_id=pid, price_cents=990, quantity=5, duration_seconds=1)
        sale = await room.start_flash_sale(spec)
        await until(lambda: room.flash_sales.get(sale.id) is not None, 10, "the sale")
        await until(
            lambda: getattr(room.flash_sales.get(sale.id), "status", None) == "ended",
            10,
            "the sale's end",
        )
        await until(lambda: room.product(pid).price_cents == 1800, 10, "the price back")
    finally:
        await room.stop()


async def test_shopifys_user_errors_are_sentences_and_explaining_is_the_consoles(
    open_shop: Open,
) -> None:
    standin = store(2)
    adapter = await open_shop(standin)
    first, second = (p.id for p in (await adapter.products()).products)
    standin.delete_product(second)  # gone in Shopify's admin, still in the console's list
    with pytest.raises(PlatformError) as refused:
        await adapter.update_product(second, stock=5)
    assert refused.value.code == "rejected"
    assert refused.value.message.startswith("Shopify 拒绝了操作：")
    assert "inventory item could not be found" in refused.value.message
    with pytest.raises(PlatformError) as gone:
        await adapter.update_product(second, price_cents=100)
    assert gone.value.code == "changed_in_shopify" and gone.value.current is None
    await adapter.explain(first)
    snap = await adapter.snapshot()
    assert snap.explaining is not None and snap.explaining.product_id == first
    await adapter.stop_explain(first)
    assert (await adapter.snapshot()).explaining is None


async def test_a_yen_store_has_prices_edits_orders_and_codes_in_whole_yen(open_shop: Open) -> None:
    # JPY has no minor unit: Shopify writes ¥1,500 as "1500.0", and LiveDesk's "cents" are yen
    standin = ShopifyStandIn(Options(currency="JPY"))
    standin.add_product("Tea bowl", 1500, 4)
    adapter = await open_shop(standin)
    events = Collector(adapter)
    snap = await adapter.snapshot()
    assert snap.currency == "JPY"
    product = snap.bag.products[0]
    assert product.price_cents == 1500  # not 150,000
    edited = await adapter.update_product(product.id, price_cents=1280)
    assert edited.price_cents == 1280 and standin.price_of(product.id) == 1280
    standin.add_order(product.id, 2)
    await until(lambda: events.of(ET.ORDER_CREATED), within=5, what="order_created")
    assert events.of(ET.ORDER_CREATED)[0].data.order.amount_cents == 2560
    await events.close()
    spec = models.CouponSpec(
        kind=models.CouponKind.THRESHOLD,
        threshold_cents=3000,
        amount_cents=500,
        quantity=10,
        valid_seconds=600,
    )
    await adapter.issue_coupon(spec)
    made = next(iter(standin.discounts.values())).input
    assert made["customerGets"]["value"]["discountAmount"]["amount"] == "500"
    assert made["minimumRequirement"]["subtotal"]["greaterThanOrEqualToSubtotal"] == "3000"
