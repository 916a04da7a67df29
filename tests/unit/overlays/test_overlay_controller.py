"""OverlayController: room state → overlay state (ends hide things), pushes to every sink, the local
overlay server pushes the same state over its WebSocket, PNG writes are atomic."""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path

import httpx
import websockets

from app.overlays.controller import OverlayController, derive
from app.overlays.images import ImageCache
from app.overlays.layout import Kind
from app.overlays.png import write_atomic
from app.overlays.render import OverlayRenderer
from app.overlays.server import OverlayServer
from app.overlays.state import OverlayState
from app.platform import models as m
from tests.support.overlay_room import OverlayRoom

NOW = 1_800_000_000.0


def _room() -> OverlayRoom:
    return OverlayRoom(
        products={
            "p1": m.Product(
                id="p1", title="普洱茶", price_cents=12900, stock=40, image_url="/static/p1.png"
            )
        },
        explaining=m.Explaining(product_id="p1", since_ts=NOW),
        coupons={
            "c1": m.Coupon(
                id="c1",
                kind=m.CouponKind.THRESHOLD,
                amount_cents=2000,
                threshold_cents=19900,
                quantity=100,
                claimed=30,
                valid_seconds=60,
                created_ts=NOW,
                ends_ts=NOW + 60,
            )
        },
        flash_sales={
            "f1": m.FlashSale(
                id="f1",
                product_id="p1",
                price_cents=9900,
                quantity=20,
                sold=5,
                status="active",
                starts_ts=NOW - 10,
                ends_ts=NOW + 30.5,
            )
        },
        lotteries={
            "l1": m.Lottery(
                id="l1",
                prize="耳机",
                keyword="想要",
                winners=2,
                duration_seconds=60,
                eligibility="all",
                commitment="x",
                status="open",
                starts_ts=NOW,
                ends_ts=NOW + 60,
                entrants=12,
            )
        },
    )


def test_derive_maps_room_state() -> None:
    room = _room()
    s = derive(room, NOW, ImageCache("http://127.0.0.1:9"), {})  # type: ignore[arg-type]
    assert s.product is not None
    assert s.product.flash_price_cents == 9900 and s.product.stock_left == 15
    assert s.product.image_url == "http://127.0.0.1:9/static/p1.png"
    assert s.coupon is not None and s.coupon.remaining == 70
    assert s.flash_sale is not None and s.flash_sale.seconds_left == 31
    assert s.lottery is not None and s.lottery.entrants == 12
    later = derive(room, NOW + 31, ImageCache(), {})  # type: ignore[arg-type]
    assert later.flash_sale is None  # ended by time: hidden
    assert later.product is not None and later.product.flash_price_cents is None
    assert derive(room, NOW + 61, ImageCache(), {}).coupon is None  # type: ignore[arg-type]
    drawn = room.lotteries["l1"].model_copy(
        update={"status": "drawn", "winner_nicknames": ["阿花", "小明"]}
    )
    room.lotteries["l1"] = drawn
    seen: dict[str, float] = {}
    s = derive(room, NOW + 62, ImageCache(), seen)  # type: ignore[arg-type]
    assert s.lottery is None and s.winners is not None and s.winners.nicknames == ("阿花", "小明")
    assert derive(room, NOW + 62 + 61, ImageCache(), seen).winners is None  # type: ignore[arg-type]


def test_a_red_envelope_rain_shows_its_countdown_and_grabs_then_hides() -> None:
    room = _room()
    rain = m.RedEnvelopeRain(
        id="re1", total_cents=10000, count=50, split="random", min_cents=1, eligibility="all",
        status="scheduled", starts_ts=NOW + 10, ends_ts=NOW + 40, remaining=50,
        remaining_cents=10000,
    )  # fmt: skip
    room.red_envelopes["re1"] = rain
    s = derive(room, NOW, ImageCache(), {})  # type: ignore[arg-type]
    card = s.red_envelope
    assert card is not None and card.scheduled and card.seconds_left == 10
    best = m.RedEnvelopeGrab(user_id="u1", nickname="阿花", amount_cents=980)
    room.red_envelopes["re1"] = rain.model_copy(
        update={"status": "active", "grabbed": 7, "remaining_cents": 8000, "best": best}
    )
    card = derive(room, NOW + 15, ImageCache(), {}).red_envelope  # type: ignore[arg-type]
    assert card is not None and not card.scheduled and card.seconds_left == 25
    assert (card.grabbed, card.count, card.best_nickname, card.best_cents) == (7, 50, "阿花", 980)
    room.red_envelopes["re1"] = rain.model_copy(update={"status": "ended"})
    assert derive(room, NOW + 16, ImageCache(), {}).red_envelope is None  # type: ignore[arg-type]


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[OverlayState, set[Kind]]] = []

    async def apply(self, state: OverlayState, changed: set[Kind]) -> None:
        self.calls.append((state, changed))


async def test_controller_pushes_changes_and_ticks(qapp: object) -> None:
    room = _room()
    room.explaining = None
    t = [time.time()]
    for fs in list(room.flash_sales.values()):
        room.flash_sales[fs.id] = fs.model_copy(
            update={"starts_ts": t[0] - 1, "ends_ts": t[0] + 30}
        )
    sink = Recorder()
    ctl = OverlayController(room, OverlayRenderer(), [sink], clock=lambda: t[0])  # type: ignore[arg-type]
    ctl.start()
    await ctl.settled()
    first = sink.calls[-1][0]
    assert first.flash_sale is not None and first.product is None
    # an action: the coupon ends → the coupon is hidden, nothing else re-sent
    room.coupons["c1"] = room.coupons["c1"].model_copy(update={"status": "ended"})
    room.changed("coupons")
    await ctl.settled()
    assert sink.calls[-1][1] == {Kind.COUPON} and sink.calls[-1][0].coupon is None
    # a second passes → the countdown ticks by itself
    n = len(sink.calls)
    t[0] += 1.0
    for _ in range(300):
        if len(sink.calls) > n:
            break
        await asyncio.sleep(0.01)
    assert Kind.FLASH_SALE in sink.calls[-1][1]
    await ctl.stop()


async def test_overlay_server_pushes_state_over_websocket() -> None:
    server = OverlayServer()
    await server.start()
    try:
        assert server.url.startswith("http://127.0.0.1:")
        async with httpx.AsyncClient() as http:
            page = await http.get(server.url + "/overlay/coupon")
            assert page.status_code == 200 and "WebSocket" in page.text
            assert (await http.get(server.url + "/overlay/nope")).status_code == 404
        room = _room()
        state = derive(room, NOW, ImageCache(), {})  # type: ignore[arg-type]
        async with websockets.connect(f"ws://127.0.0.1:{server.port}/ws") as ws:
            hello = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert hello["state"]["coupon"] is None
            await server.apply(state, {Kind.COUPON})
            pushed = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert pushed["state"]["coupon"]["amount_cents"] == 2000
            assert pushed["changed"] == ["coupon"]
    finally:
        await server.stop()


def test_overlay_server_refuses_non_loopback() -> None:
    import pytest

    with pytest.raises(ValueError):
        OverlayServer(host="0.0.0.0")


def test_png_write_is_atomic(tmp_path: Path) -> None:
    target = tmp_path / "card.png"
    write_atomic(target, b"old")
    inode = os.stat(target).st_ino
    write_atomic(target, b"new-content")
    assert target.read_bytes() == b"new-content"
    assert os.stat(target).st_ino != inode  # replaced by rename, never rewritten in place
    assert [p.name for p in tmp_path.iterdir()] == ["card.png"]  # no temp file left
