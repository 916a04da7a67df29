"""Screenshots of 平台 → 在聊天中播报讲解与抽奖 on a Twitch chat + Shopify store room (the local
stand-ins, the real `livedesk` start-up): a product explained, its announcement back in the
chat feed, and the 平台 menu open on the option with its language submenu
(chat-announce-menu-zh/en.png).

    DISPLAY=:105 QT_QPA_PLATFORM=xcb PYTHONPATH=. .venv/bin/python tools/announce_screenshots.py [OUT_DIR]

Run it under Xvfb (or a desktop): menus are popups, so the shots are grabs of the screen.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from mute_screenshots import _grab
from shots import run_all, until
from twitch_screenshots import _register, _script
from twitch_shop_screenshots import PRODUCTS

SHOTS = {"chat-announce-zh": "zh_CN", "chat-announce-en": "en"}


def _prepare(out_dir: Path, lang: str) -> Any:
    async def prepare(window: Any) -> None:
        from PySide6.QtWidgets import QApplication

        room = window.room
        await until(lambda: room.online and len(room.products) >= len(PRODUCTS), 90)
        window.resize(1600, 1000)
        await room.explain(room.product_ids[0])
        await until(lambda: any(c.text.startswith("Now showing") for c in room.chat), 60)
        await asyncio.sleep(1.0)
        controls = window.announce
        menu = window.team.menu
        bar = window.menuBar()
        menu.popup(bar.mapToGlobal(bar.actionGeometry(menu.menuAction()).bottomLeft()))
        await asyncio.sleep(0.5)
        menu.setActiveAction(controls.languages.menuAction())
        geo = menu.actionGeometry(controls.languages.menuAction())
        controls.languages.popup(menu.mapToGlobal(geo.topRight()))
        await asyncio.sleep(1.0)
        QApplication.processEvents()
        _grab([window], out_dir / f"chat-announce-menu-{lang[:2]}.png", margin=0)
        controls.languages.close()
        menu.close()

    return prepare


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

    lang = SHOTS[name]
    settings = load_settings()
    save("twitch", fields_of(TwitchFactory()), {"token": s.BROADCASTER.token}, settings)
    save("shopify", fields_of(ShopifyFactory()), {"shop": SHOP, "token": TOKEN}, settings,
         commerce=True)  # fmt: skip
    settings.platform.adapter, settings.platform.commerce = "twitch", "shopify"
    save_settings(settings)
    twitch = s.TwitchStandIn(_script())
    twitch.go_live(s.BROADCASTER, "Spring sneaker drop")
    shop = ShopifyStandIn()
    for title, price, stock, was in PRODUCTS:
        shop.add_product(title, price, stock, compare_at=was)
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
        argv = ["--lang", lang, "--commerce", "shopify", "--screenshot",
                str(out.parent / f".{name}-window.png"), "--wait", "1"]  # fmt: skip
        return run(argv, prepare=_prepare(out.parent, lang))


def main(argv: list[str]) -> int:
    return run_all(__file__, SHOTS, argv, one)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
