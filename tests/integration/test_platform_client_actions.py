"""Every action of the console's platform client against the real sandbox server.

What an operator would notice: a click does what it says once (even when the network hiccups
and the client retries), a refused action says why (which field, which role, whose newer bag),
and an action while the platform is down fails loudly instead of vanishing.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from typing import Any

import httpx
import pytest

from app import i18n
from app.platform.client import PlatformClient
from app.platform.errors import OfflineError, PlatformError, StaleVersionError
from app.platform.models import Bag, CouponKind, CouponSpec, FlashSaleSpec, LotterySpec, Role


def client_for(srv: Any, role: str = "host", **kwargs: Any) -> PlatformClient:
    return PlatformClient(srv.url, srv.room, srv.tokens[role], role=role, **kwargs)


async def viewer_comment(srv: Any, user_id: str, text: str) -> str:
    async with httpx.AsyncClient(trust_env=False) as http:
        r = await http.post(
            srv.api("/_debug/viewer-comment"),
            json={"user_id": user_id, "nickname": "小红", "text": text},
            headers=srv.headers(),
        )
    assert r.status_code == 200, r.text
    return str(r.json()["comment"]["id"])


async def test_every_action_works_and_is_visible_in_the_snapshot(sandbox_server: Any) -> None:
    srv = sandbox_server(debug_routes=True)
    async with client_for(srv) as host:
        snap = await host.snapshot()
        assert snap.room == srv.room and len(snap.bag.products) >= 20

        session = await host.start_session()
        assert session.status == "live" and session.rtmp_url
        target = await host.stream_target(session.id)  # the key: the host's, on its own route
        assert target.rtmp_url == session.rtmp_url and target.stream_key.get_secret_value()

        bag = await host.products()
        assert bag == (await host.snapshot()).bag
        ids = [p.id for p in bag.products]
        reordered = await host.reorder(bag.version, [ids[1], ids[0], *ids[2:]])
        assert [p.id for p in reordered.products][:2] == [ids[1], ids[0]]
        assert reordered.version != bag.version

        product = await host.update_product(ids[0], price_cents=12_900, stock=7)
        assert (product.price_cents, product.stock) == (12_900, 7)
        assert (await host.update_product(ids[0], listed=False)).listed is False
        await host.update_product(ids[0], listed=True)

        await host.explain(ids[0])
        snap = await host.snapshot()
        assert snap.explaining is not None and snap.explaining.product_id == ids[0]
        await host.stop_explain(ids[0])
        assert (await host.snapshot()).explaining is None

        coupon = await host.issue_coupon(
            CouponSpec(
                kind=CouponKind.THRESHOLD,
                name="满199减30",
                threshold_cents=19_900,
                amount_cents=3_000,
                quantity=100,
                valid_seconds=600,
            )
        )
        assert coupon.status == "active" and coupon.remaining == 100
        ended = await host.end_coupon(coupon.id)
        assert ended.id == coupon.id and ended.status == "ended"

        sale = await host.start_flash_sale(
            FlashSaleSpec(product_id=ids[2], price_cents=9_900, quantity=20, duration_seconds=60)
        )
        assert sale.product_id == ids[2] and sale.status == "active"
        assert any(f.id == sale.id for f in (await host.snapshot()).flash_sales)

        lottery = await host.start_lottery(
            LotterySpec(prize="围巾一条", keyword="想要", winners=1, duration_seconds=1)
        )
        assert len(lottery.commitment) == 64 and lottery.status == "open"
        await viewer_comment(srv, "u777", "想要")
        await asyncio.sleep(1.3)
        drawn = await host.draw_lottery(lottery.id)
        assert drawn.status == "drawn" and drawn.winner_ids == ["u777"] and drawn.seed

        mine = await host.send_comment("欢迎来到直播间！<b>不是HTML</b>")
        assert mine.role == "host" and mine.text == "欢迎来到直播间！<b>不是HTML</b>"
        theirs = await viewer_comment(srv, "u888", "有M码吗？")
        await host.pin_comment(theirs)
        pinned = (await host.snapshot()).pinned_comment
        assert pinned is not None and pinned.id == theirs
        await host.hide_comment(theirs)
        await host.mute_user("u888", seconds=300)
        async with httpx.AsyncClient(trust_env=False) as http:
            r = await http.post(
                srv.api("/_debug/viewer-comment"),
                json={"user_id": "u888", "text": "再说一句"},
                headers=srv.headers(),
            )
        assert r.status_code == 409  # the muted viewer can no longer comment

        async with httpx.AsyncClient(trust_env=False) as http:
            r = await http.post(
                srv.api("/orders"),
                json={"user_id": "u9", "product_id": ids[3], "quantity": 2, "pay": True},
                headers=srv.headers(),
            )
        assert r.status_code == 200, r.text
        orders = await host.orders()
        assert [(o.user_id, o.quantity, o.status) for o in orders] == [("u9", 2, "paid")]
        assert await host.orders(after_seq=orders[-1].seq) == []

        ended_session = await host.end_session(session.id)
        assert ended_session.status == "ended"


async def test_refusals_name_the_field_the_role_and_the_newer_bag(sandbox_server: Any) -> None:
    srv = sandbox_server()
    async with client_for(srv) as host, client_for(srv, "assistant") as assistant:
        async with client_for(srv, "reviewer") as reviewer:
            pid = (await host.products()).products[0].id

            with pytest.raises(PlatformError) as bad:
                await host.update_product(pid, price_cents=0)
            assert (bad.value.status, bad.value.field) == (422, "price_cents")
            with pytest.raises(PlatformError) as bad:
                await host.update_product(pid, stock=-3)
            assert (bad.value.status, bad.value.field) == (422, "stock")
            assert bad.value.message  # something to show the operator

            # a reviewer may look but not touch
            assert (await reviewer.snapshot()).room == srv.room
            with pytest.raises(PlatformError) as denied:
                await reviewer.send_comment("我来捣乱")
            assert denied.value.status == 403
            # an assistant runs the room but does not start the broadcast
            with pytest.raises(PlatformError) as denied:
                await assistant.start_session()
            assert denied.value.status == 403
            assert assistant.role is Role.ASSISTANT

            # two operators reorder from the same version: the second learns the first's order
            bag = await host.products()
            ids = [p.id for p in bag.products]
            first = await host.reorder(bag.version, [*ids[1:], ids[0]])
            with pytest.raises(StaleVersionError) as stale:
                await assistant.reorder(bag.version, list(reversed(ids)))
            assert stale.value.status == 409 and stale.value.code == "stale_version"
            assert isinstance(stale.value.current, Bag)
            assert stale.value.current == first  # the bag as it is now, ready to retry on
            assert await host.products() == first  # nothing was overwritten

            with pytest.raises(PlatformError) as missing:
                await host.end_coupon("no-such-coupon")
            assert missing.value.status == 404


async def test_a_retry_after_a_timeout_reuses_the_key_and_issues_one_coupon(
    sandbox_server: Any,
) -> None:
    srv = sandbox_server()
    keys: list[str] = []

    async def remember(request: httpx.Request) -> None:
        if request.method == "POST":
            keys.append(request.headers["Idempotency-Key"])

    # a short timeout, so freezing the server for a moment forces the client to retry
    client = client_for(
        srv,
        action_timeout=0.5,
        retry_delays=(0.2, 0.2, 0.5, 1.0),
        event_hooks={"request": [remember]},
    )
    spec = CouponSpec(kind=CouponKind.NO_THRESHOLD, amount_cents=500, quantity=10, valid_seconds=60)
    before = len((await client.snapshot()).coupons)
    os.kill(srv.proc.pid, signal.SIGSTOP)  # the request reaches the socket, no answer comes
    thaw = threading.Timer(1.2, os.kill, (srv.proc.pid, signal.SIGCONT))
    thaw.start()
    try:
        coupon = await client.issue_coupon(spec)
    finally:
        thaw.join()
        os.kill(srv.proc.pid, signal.SIGCONT)
    try:
        assert len(keys) >= 2, "the freeze should have forced at least one retry"
        assert len(set(keys)) == 1, "every retry of one action carries the same key"
        coupons = (await client.snapshot()).coupons
        assert len(coupons) == before + 1
        assert coupons[-1].id == coupon.id
        # and a fresh action gets a fresh key
        await client.issue_coupon(spec)
        assert keys[-1] != keys[0]
        assert len((await client.snapshot()).coupons) == before + 2
    finally:
        await client.close()


async def test_the_same_key_sent_twice_has_one_effect(sandbox_server: Any) -> None:
    srv = sandbox_server()
    async with client_for(srv) as host:
        body = {"kind": "no_threshold", "amount_cents": 800, "quantity": 5, "valid_seconds": 60}
        first = await host._call("POST", "/coupons", json=body, idempotency_key="double-click-1")
        second = await host._call("POST", "/coupons", json=body, idempotency_key="double-click-1")
        assert first == second
        assert len((await host.snapshot()).coupons) == 1


async def test_an_action_while_the_platform_is_down_raises_offline(sandbox_server: Any) -> None:
    srv = sandbox_server()
    async with client_for(srv) as host:
        await host.snapshot()  # a pooled connection to a server that then dies
        srv.kill()
        t0 = time.monotonic()
        with pytest.raises(OfflineError) as off:
            await host.send_comment("有人吗？")
        assert time.monotonic() - t0 < 10
        assert "未连接" in off.value.message or "无法连接" in off.value.message
        assert "未执行" in off.value.message  # one language: the UI's (English via the catalog)
        assert "not sent" in i18n.load_catalog("en")[off.value.message]
        with pytest.raises(OfflineError):
            await host.snapshot()


async def test_an_action_while_the_link_is_reconnecting_fails_at_once(sandbox_server: Any) -> None:
    srv = sandbox_server()
    async with client_for(srv) as host:
        from app.platform.connection import LinkState

        stream = host.event_batches((await host.snapshot()).seq)
        pending = asyncio.ensure_future(anext(stream))
        deadline = time.monotonic() + 30
        while host.connection.status.state is not LinkState.CONNECTED:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.02)
        srv.kill()
        while host.connection.status.state is not LinkState.RECONNECTING:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.02)
        t0 = time.monotonic()
        with pytest.raises(OfflineError) as off:
            await host.issue_coupon(
                CouponSpec(
                    kind=CouponKind.NO_THRESHOLD, amount_cents=500, quantity=1, valid_seconds=60
                )
            )
        assert time.monotonic() - t0 < 3  # no pointless retries against a platform known down
        assert off.value.message.startswith("平台未连接")
        pending.cancel()
