"""The rehearsal of issue 16: a Twitch chat with a Shopify store as one room, driven through the
console's own objects — ``open_room`` (as ui/launch.py opens a room), :class:`LiveRoom`, the
console's lottery (app/live/console_lottery.py) and its chat announcements
(app/live/chat_announce.py) — against the Twitch stand-in (EventSub over a real WebSocket, Helix
over HTTP) and the Shopify stand-in (the Admin GraphQL API over HTTP).

What a streamer would see, step by step: viewers' chat messages arrive as comments; a product
explained is on the console's card and announced in the Twitch chat; a console lottery by
keyword among the chatters is announced, entered by chat, drawn, announced with its seed and
verified (winners recomputed from the revealed seed); a discount code is created in the store;
orders placed in the store arrive in the room's orders; a flash price is applied and put back at
its end; and a console SIGKILLed mid-sale (a real process) has the price put back by the next
console that opens the room.
"""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from app.live.chat_announce import ChatAnnouncer
from app.live.console_lottery import ConsoleLotteries
from app.live.lottery_verify import commitment_of, recompute_winners, verify
from app.live.room import LiveRoom
from app.platform import models as m
from app.platform.composite import CompositeAdapter, open_room
from plugins.bilibili.standin.runner import Served
from plugins.shopify.standin.server import ShopifyStandIn
from plugins.twitch.standin import server as tw
from tests.support.polling import until
from tests.support.processes import spawn, stop

REPO = Path(__file__).resolve().parents[3]
VIEWERS = [
    tw.Account(f"viewer-token-{i}", f"30{i:02d}", f"viewer{i}", name)
    for i, name in enumerate(["Ann", "Ben", "Cleo", "Dev"], start=1)
]


class Stage:
    """The two stand-ins, served over real sockets on this test's loop, and the settings a
    console opens the room with."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.twitch = tw.TwitchStandIn([], accounts=[tw.BROADCASTER, *VIEWERS])
        self.shop = ShopifyStandIn()
        self.mug = self.shop.add_product("Enamel mug", 1500, 20)
        self.tee = self.shop.add_product("Logo tee", 2500, 10)
        self.served: list[Served] = []
        self.twitch_base = self.shop_base = ""

    async def start(self) -> None:
        for app in (self.twitch.app(), self.shop.app()):
            s = Served(app)
            await s.start()
            self.served.append(s)
        self.twitch_base, self.shop_base = (s.base for s in self.served)

    async def stop(self) -> None:
        for s in self.served:
            await s.stop()

    def chat_settings(self) -> dict[str, Any]:
        ws = self.twitch_base.replace("http://", "ws://") + "/ws"
        return {"room": "twitchdev", "eventsub_url": ws, "helix_base": self.twitch_base,
                "auth_base": self.twitch_base, "backoff_base": 0.05, "backoff_cap": 0.5}  # fmt: skip

    def shop_settings(self, state: str) -> dict[str, Any]:
        return {"base": self.shop_base, "shop": self.shop.shop, "poll_every": 0.2,
                "orders_since": 0, "state_dir": str(self.tmp_path / state)}  # fmt: skip

    async def say(self, viewer: tw.Account, text: str) -> None:
        """A viewer writes in the channel's chat (Helix, as any chat client does)."""
        async with httpx.AsyncClient(timeout=30) as client:
            r = await client.post(
                f"{self.twitch_base}/helix/chat/messages",
                headers={"Authorization": f"Bearer {viewer.token}", "Client-Id": viewer.client_id},
                json={"broadcaster_id": tw.BROADCASTER.user_id, "sender_id": viewer.user_id,
                      "message": text},
            )  # fmt: skip
        assert r.status_code == 200, r.text

    def announced(self) -> list[str]:
        """What the console said in the Twitch chat (as the broadcaster)."""
        return [
            str(b["message"]) for b in self.twitch.sent if b["sender_id"] == tw.BROADCASTER.user_id
        ]


@pytest.fixture
async def stage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Stage]:
    # the tokens reach the adapters (and the killed console) the way a user's do: not as settings
    monkeypatch.setenv("LIVEDESK_TWITCH_TOKEN", tw.BROADCASTER.token)
    monkeypatch.setenv("LIVEDESK_SHOPIFY_TOKEN", ShopifyStandIn().token)
    monkeypatch.delenv("LIVEDESK_TWITCH_CLIENT_ID", raising=False)
    s = Stage(tmp_path)
    await s.start()
    yield s
    await s.stop()


async def open_console(stage: Stage, state: str) -> LiveRoom:
    adapter = await open_room(
        "twitch", "shopify", stage.chat_settings(), stage.shop_settings(state)
    )
    assert isinstance(adapter, CompositeAdapter)
    assert adapter.platform_name == "Twitch + Shopify"
    room = LiveRoom(adapter)
    room.start()
    await until(lambda: room.online and room.bag, 60, "the room loaded and both links up")
    return room


async def close_console(room: LiveRoom) -> None:
    await room.stop()
    await room.adapter.close()


async def test_a_twitch_chat_and_a_shopify_store_rehearse_a_whole_sale(stage: Stage) -> None:
    room = await open_console(stage, "console")
    told: list[str] = []
    announcer = ChatAnnouncer(room, on_failure=told.append)
    lotteries = ConsoleLotteries(room)
    try:
        assert announcer.available  # Twitch lets the console write in the chat
        mug = f"gid://shopify/Product/{stage.mug.id}"
        assert [p.title for p in room.bag] == ["Enamel mug", "Logo tee"]
        mug_id = next(p.id for p in room.bag if p.title == "Enamel mug")

        # 1. the chat: viewers' messages are the room's comments
        await stage.say(VIEWERS[0], "hi from Twitch!")
        await until(
            lambda: any(c.text == "hi from Twitch!" for c in room.chat), 30, "the viewer's line"
        )

        # 2. explain: the console's card (Shopify has none), announced in the Twitch chat
        await room.explain(mug_id)
        await until(lambda: room.explaining is not None, 30, "the product on the card")
        assert room.explaining is not None and room.explaining.product_id == mug_id
        await until(lambda: stage.announced(), 30, "the explain in the chat")
        assert stage.announced() == ["Now showing: Enamel mug — $15.00"]
        # Twitch echoes it back: the chat feed shows the host's own line
        await until(
            lambda: any(c.text.startswith("Now showing") for c in room.chat), 30, "the echo"
        )

        # 3. a console lottery by keyword among the chatters, drawn and verified
        spec = m.LotterySpec(prize="Enamel mug", keyword="!mug", winners=2, duration_seconds=60)
        lot = lotteries.open(spec, manual=True)
        await until(lambda: len(stage.announced()) == 2, 30, "the lottery in the chat")
        opened = stage.announced()[1]
        assert opened.startswith("Lottery open: type !mug to enter") and lot.commitment in opened
        for viewer in VIEWERS[:3]:
            await stage.say(viewer, "!mug")
        await stage.say(VIEWERS[3], "what is this?")  # no keyword: not in
        await until(lambda: room.lotteries[lot.id].entrants == 3, 30, "three entrants")
        drawn = lotteries.draw(lot.id)
        check = room.verify_lottery(lot.id)
        assert check is not None and check.ok
        seed = bytes.fromhex(drawn.seed or "")
        assert commitment_of(seed) == lot.commitment  # the seed is the one committed to
        ids = sorted(v.user_id for v in VIEWERS[:3])
        assert drawn.participant_ids == ids
        assert recompute_winners(seed, ids, 2) == drawn.winner_ids
        assert verify(drawn, lot.commitment).ok
        await until(lambda: len(stage.announced()) == 3, 30, "the draw in the chat")
        said = stage.announced()[2]
        assert said.startswith("Lottery drawn: Enamel mug · winners: ")
        assert drawn.seed is not None and drawn.seed in said
        assert all(n in said for n in drawn.winner_nicknames or [])
        # the viewers' five lines are the room's comments; the console's own three are not
        await until(lambda: room.metrics.comments == 5, 30, "the viewers' comments counted")
        await until(
            lambda: sum(c.text.startswith(("Now showing", "Lottery")) for c in room.chat) == 3,
            30,
            "the console's three lines back in the feed",
        )
        assert room.metrics.comments == 5

        # 4. a discount code, created in the store
        coupon = await room.issue_coupon(
            m.CouponSpec(kind=m.CouponKind.DISCOUNT, percent_off=10, quantity=20, valid_seconds=600)
        )
        await until(lambda: coupon.id in room.coupons, 30, "the coupon in the room")
        made = stage.shop.discount_by_code(coupon.name)
        assert made is not None and made.status == "ACTIVE"
        assert made.input["customerGets"]["value"] == {"percentage": 0.1}

        # 5. orders placed in the store are polled into the room's orders
        order = stage.shop.add_order(stage.tee.id, 2, customer=("7001", "Alice"))
        stage.shop.pay(order.id)
        await until(lambda: room.metrics.paid_orders == 1, 30, "the paid order")
        (line,) = {o.id: o for o in room.orders}.values()
        assert line.product_title == "Logo tee" and line.quantity == 2
        assert line.amount_cents == 5000 and line.status == "paid"

        # 6. a flash price, applied in the store and put back at its end
        sale = await room.start_flash_sale(
            m.FlashSaleSpec(product_id=mug_id, price_cents=999, quantity=5, duration_seconds=2)
        )
        assert stage.shop.price_of(mug) == 999
        await until(lambda: sale.id in room.flash_sales, 30, "the sale in the room")
        await until(
            lambda: room.flash_sales[sale.id].status == "ended", 30, "the sale's end in the room"
        )
        assert stage.shop.price_of(mug) == 1500
        await until(lambda: room.bag[0].price_cents == 1500, 30, "the price back in the room")
        assert not told, told  # every announcement went out
    finally:
        announcer.close()
        lotteries.close()
        await close_console(room)

    # 7. a console killed mid-sale: the next console that opens the room puts the price back
    marker = stage.tmp_path / "started"
    settings = stage.tmp_path / "child-settings.json"
    settings.write_bytes(
        orjson.dumps({"chat": stage.chat_settings(), "shop": stage.shop_settings("killed")})
    )
    args = [str(settings), mug_id, "777", "3", str(marker)]
    child = spawn([sys.executable, "-m", "tests.integration.rehearsal.console_child", *args],
                  cwd=REPO)  # fmt: skip
    try:
        await until(marker.exists, 60, "the child console's sale")
        assert stage.shop.price_of(mug) == 777
        child.send_signal(signal.SIGKILL)
        await until(lambda: child.poll() is not None, 10, "the child's death")
    finally:
        stop(child)
    saved = orjson.loads(next((stage.tmp_path / "killed").glob("*.json")).read_bytes())
    (ends,) = (r["ends_ts"] for r in saved["reverts"].values())  # on disk before the price
    await until(lambda: time.time() > ends + 0.5, 15, "the sale's end, with no console")
    assert stage.shop.price_of(mug) == 777  # nobody put it back
    again = await open_console(stage, "killed")
    try:
        assert stage.shop.price_of(mug) == 1500
        assert next(p for p in again.bag if p.id == mug_id).price_cents == 1500
        assert isinstance(again.adapter, CompositeAdapter) and again.adapter.notes
    finally:
        await close_console(again)
