"""Screenshots of a two-source room: Twitch chat (the local Twitch stand-in) with a Shopify store
(the local Shopify stand-in) as its shop — the product queue, orders and coupons from the store,
chat, cheers and subs from Twitch — in English and Chinese. The real `livedesk` start-up with
``--commerce shopify``, real window. The store sells in US dollars: the console shows ``$``
everywhere the catalogue's money is; next to each console shot, ``…-overlay-card.png`` is the
product card the overlay puts on stream for the product being explained.

    PYTHONPATH=. .venv/bin/python tools/twitch_shop_screenshots.py [OUT_DIR]
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from shots import run_all, until
from twitch_screenshots import _register, _script

SHOTS = {"twitch-shopify-console-en": "en", "twitch-shopify-console-zh": "zh_CN"}
PRODUCTS = [
    ("Retro Runner sneaker — white/blue", 8900, 40, 12900),
    ("Canvas tote, sand", 2400, 120, None),
    ("Merino crew socks (3 pairs)", 1900, 75, 2500),
    ("Court classic low — black", 9900, 18, None),
    ("Waxed cotton cap", 3200, 60, None),
]
CUSTOMERS = [("7001", "Alice Chen"), ("7002", "Bob Rivera"), ("7003", "Chloe Park")]


def _checkouts(standin: Any, stop: threading.Event) -> None:
    """A few checkouts as the stream goes on (what the store's customers do), half paid."""
    ids = list(standin.products)
    n = 0
    while not stop.wait(1.5) and n < 8:
        order = standin.add_order(ids[n % 2], 1 + n % 2, customer=CUSTOMERS[n % 3])
        if n % 2 == 0:
            standin.pay(order.id)
        n += 1


#: where the overlay card of the running shot goes (set by :func:`one`)
CARD_OUT: list[Path] = []


async def _prepare(window: Any) -> None:
    from app.overlays.controller import derive
    from app.overlays.images import ImageCache
    from app.overlays.layout import Kind
    from app.overlays.render import OverlayRenderer

    room = window.room
    await until(lambda: room.online and room.metrics.paid_messages >= 2, 90)
    await until(lambda: len(room.products) >= len(PRODUCTS), 60)
    await until(lambda: len(room.orders) >= 4, 60)
    await room.explain(room.product_ids[0])  # the sneaker on stage (and on stream)
    await until(lambda: room.explaining is not None, 30)
    window.resize(1600, 1000)
    card = derive(room, 0.0, ImageCache(), {}).product
    if CARD_OUT and card is not None:
        OverlayRenderer("16:9").render(Kind.PRODUCT, card).save(str(CARD_OUT[0]))


def one(name: str, out: Path) -> int:
    from app.platform.credentials import save
    from app.platform.fields import fields_of
    from app.settings import load_settings, save_settings
    from plugins.bilibili.standin.runner import serve_in_thread
    from plugins.shopify.adapter import ShopifyFactory
    from plugins.shopify.standin.server import SHOP, TOKEN, ShopifyStandIn
    from plugins.twitch.adapter import TwitchFactory
    from plugins.twitch.standin import server as s
    from ui.launch import run

    CARD_OUT[:] = [out.with_name(out.stem + "-overlay-card.png")]
    # what the streamer entered in 平台 → 连接平台… (this process's keyring holds the tokens)
    settings = load_settings()
    save("twitch", fields_of(TwitchFactory()), {"token": s.BROADCASTER.token}, settings)
    shop_values = {"shop": SHOP, "token": TOKEN}
    save("shopify", fields_of(ShopifyFactory()), shop_values, settings, commerce=True)
    settings.platform.adapter, settings.platform.commerce = "twitch", "shopify"
    save_settings(settings)
    twitch = s.TwitchStandIn(_script())
    twitch.go_live(s.BROADCASTER, "Spring sneaker drop")
    shop = ShopifyStandIn()
    for title, price, stock, was in PRODUCTS:
        shop.add_product(title, price, stock, compare_at=was)
    stop = threading.Event()
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        _register(Path(tmp))
        served = stack.enter_context(serve_in_thread(twitch.app()))
        store = stack.enter_context(serve_in_thread(shop.app()))
        os.environ.update(
            LIVEDESK_TWITCH_TOKEN=s.BROADCASTER.token,
            LIVEDESK_TWITCH_EVENTSUB_URL=served.base.replace("http://", "ws://") + "/ws",
            LIVEDESK_TWITCH_HELIX_BASE=served.base,
            LIVEDESK_TWITCH_AUTH_BASE=served.base,
            LIVEDESK_SHOPIFY_BASE=store.base,
            LIVEDESK_SHOPIFY_SHOP=SHOP,
            LIVEDESK_SHOPIFY_TOKEN=TOKEN,
        )
        buyers = threading.Thread(target=_checkouts, args=(shop, stop), daemon=True)
        buyers.start()
        try:
            return run(["--lang", SHOTS[name], "--commerce", "shopify", "--screenshot",
                        str(out), "--wait", "4"], prepare=_prepare)  # fmt: skip
        finally:
            stop.set()


def main(argv: list[str]) -> int:
    return run_all(__file__, SHOTS, argv, one)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
