"""A large Shopify catalogue through the real ``shopify`` adapter against the stand-in: loaded as
one bulk operation (its JSONL read, every variant kept), the fallback to pages with a note when
the bulk operation fails, waiting for another bulk operation of the app, and LiveDesk's saved
queue order applied to products that arrive after open()."""

from __future__ import annotations

import asyncio
from pathlib import Path

import orjson

from app.api import models
from app.live.room import LiveRoom
from plugins.shopify import queries as q
from plugins.shopify.adapter import BULK_ABOVE
from plugins.shopify.standin.server import Options, ShopifyStandIn
from tests.support.polling import patience, until

from .conftest import Open


def store(n: int, options: Options | None = None) -> ShopifyStandIn:
    standin = ShopifyStandIn(options)
    for i in range(n):
        standin.add_product(f"Bowl {i + 1}", 900 + i, 5 + i % 7)
    return standin


async def test_a_large_catalogue_is_loaded_as_one_bulk_operation(open_shop: Open) -> None:
    # the older Standard plan's 50 points a second: pages would take ~40 s for this store
    standin = store(BULK_ABOVE + 350, Options(restore=50))
    vase = standin.add_product("Vase", 2500, 2, variants=25)  # more variants than a page asks
    adapter = await open_shop(standin)
    assert len((await adapter.products()).products) == 10  # open() returns after a page
    await asyncio.wait_for(adapter.loaded.wait(), patience(15))
    bag = await adapter.products()
    assert len(bag.products) == BULK_ABOVE + 351
    assert adapter.load_method == "bulk" and len(standin.bulk) == 1
    assert len(standin.calls("LivedeskProducts")) == 1  # the first page only
    assert not adapter.notes
    by_id = {p.id: p for p in bag.products}
    assert (by_id[str(vase.id)].stock, len(by_id[str(vase.id)].skus)) == (50, 25)
    last = next(p for p in standin.products.values() if p.title == f"Bowl {BULK_ABOVE + 350}")
    shown = by_id[str(last.id)]
    assert (shown.title, shown.price_cents, shown.stock) == (
        last.title,
        last.variants[0].price,
        last.variants[0].available,
    )
    assert shown.image_url and shown.image_url.startswith("https://")


async def test_a_failed_bulk_operation_falls_back_to_pages_with_a_note(open_shop: Open) -> None:
    standin = store(BULK_ABOVE + 50, Options(restore=1000, bulk_error="INTERNAL_SERVER_ERROR"))
    adapter = await open_shop(standin)
    await asyncio.wait_for(adapter.loaded.wait(), patience(20))
    assert len((await adapter.products()).products) == BULK_ABOVE + 50
    assert adapter.load_method == "pages"
    assert len(standin.calls("LivedeskProducts")) == (BULK_ABOVE + 50) // 10
    assert len(adapter.notes) == 1
    assert "批量导出" in adapter.notes[0] and "INTERNAL_SERVER_ERROR" in adapter.notes[0]
    assert "逐页加载" in adapter.notes[0]


async def test_another_bulk_operation_of_the_app_is_waited_for(open_shop: Open) -> None:
    # a console closed mid-load left its bulk operation running: Shopify runs one at a time
    standin = store(BULK_ABOVE + 20, Options(bulk_objects_per_s=200))  # ~1.4 s each
    other = {"query": "{ products { edges { node { id variants { edges { node { id } } } } } } }"}
    assert standin._op_bulk_run(other)["bulkOperationRunQuery"]["userErrors"] == []
    again = standin._op_bulk_run(other)
    assert again["bulkOperationRunQuery"]["userErrors"][0]["code"] == "OPERATION_IN_PROGRESS"
    adapter = await open_shop(standin)
    await asyncio.wait_for(adapter.loaded.wait(), patience(20))
    assert adapter.load_method == "bulk" and len(standin.bulk) == 2
    assert len((await adapter.products()).products) == BULK_ABOVE + 20


async def test_products_arriving_after_open_take_their_saved_queue_positions(
    open_shop: Open, tmp_path: Path
) -> None:
    for bulk in ("on", "off"):
        standin = store(BULK_ABOVE + 30, Options(restore=2000))
        ids = [str(pid) for pid in sorted(standin.products)]
        # the queue the operator arranged last time: the store's last products first, and one
        # product deleted in Shopify since
        saved = [ids[-1], ids[-2], ids[3], "999999", ids[0]]
        state = tmp_path / bulk
        state.mkdir()
        (state / f"{standin.shop}.json").write_bytes(
            orjson.dumps({"order": saved, "version": 7, "reverts": {}})
        )
        adapter = await open_shop(standin, state_dir=str(state), bulk=bulk)
        room = LiveRoom(adapter)
        room.start()
        try:
            await room.wait_loaded()
            await asyncio.wait_for(adapter.loaded.wait(), patience(20))
            want = [ids[-1], ids[-2], ids[3], ids[0]] + [
                i for i in ids if i not in (ids[-1], ids[-2], ids[3], ids[0])
            ]
            await until(
                lambda: [p.id for p in room.bag] == want,  # noqa: B023 (awaited here)
                10,
                "the saved order in the room",
            )
            assert room.bag_version == 7
            assert [p.id for p in (await adapter.products()).products] == want
            assert adapter.load_method == ("bulk" if bulk == "on" else "pages")
        finally:
            await room.stop()
            await adapter.close()
        assert isinstance(room.bag[0], models.Product)


async def test_the_stand_ins_bulk_operation_looks_like_shopifys(open_shop: Open) -> None:
    import httpx

    standin = store(3, Options(bulk_objects_per_s=20))  # 9 objects: ~0.45 s
    standin.add_product("Vase", 2500, 2, variants=2)
    adapter = await open_shop(standin)
    run = await adapter.admin.run(
        "LivedeskBulkRun",
        "mutation LivedeskBulkRun($query: String!) { bulkOperationRunQuery(query: $query) "
        "{ bulkOperation { id status } userErrors { field message code } } }",
        {"query": "{ products { edges { node { id variants { edges { node { id } } } } } } }"},
    )
    op = run["bulkOperationRunQuery"]["bulkOperation"]
    assert op["status"] == "CREATED" and op["id"].startswith("gid://shopify/BulkOperation/")
    assert standin.calls("LivedeskBulkRun")[-1][1] == 10  # a mutation's cost
    statuses = []
    while True:
        state = (await adapter._call("LivedeskBulkStatus", q.BULK_STATUS, {}))[
            "currentBulkOperation"
        ]
        statuses.append(state["status"])
        if state["status"] == "COMPLETED":
            break
        assert state["url"] is None
        await asyncio.sleep(0.05)
    assert "RUNNING" in statuses and state["objectCount"] == "9"
    assert state["rootObjectCount"] == "4"
    async with httpx.AsyncClient() as http:  # a signed storage URL: no token
        lines = [orjson.loads(x) for x in (await http.get(state["url"])).content.splitlines()]
    products = [x for x in lines if "__parentId" not in x]
    variants = [x for x in lines if "__parentId" in x]
    assert len(products) == 4 and len(variants) == 5
    order = [x["id"] for x in lines]
    for v in variants:  # each variant after its product, pointing at it
        assert order.index(v["__parentId"]) < order.index(v["id"])
