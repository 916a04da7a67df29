"""A console that dies mid-sale, as the console opens its room: ``open_room`` (Twitch chat +
Shopify shop, the same call ui/launch.py makes), a :class:`LiveRoom` following it, a flash sale
started through the room; then ``started`` is written to the marker file and it waits to be
killed (the rehearsal SIGKILLs it).

``python -m tests.integration.rehearsal.console_child SETTINGS_JSON PRODUCT_ID PRICE SECONDS MARKER``
— the settings file holds ``{"chat": {...}, "shop": {...}}`` without tokens: those come from
``LIVEDESK_TWITCH_TOKEN`` / ``LIVEDESK_SHOPIFY_TOKEN`` (never on a command line).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import orjson

from app.live.room import LiveRoom
from app.platform import models
from app.platform.composite import open_room


async def main(argv: list[str]) -> None:
    settings_file, product_id, price, seconds, marker = argv
    settings = orjson.loads(Path(settings_file).read_bytes())  # noqa: ASYNC240 (one tiny read)
    adapter = await open_room("twitch", "shopify", settings["chat"], settings["shop"])
    room = LiveRoom(adapter)
    room.start()
    await room.wait_loaded()
    for _ in range(2400):  # both links up (an action is refused offline), within two minutes
        if room.online:
            break
        await asyncio.sleep(0.05)
    spec = models.FlashSaleSpec(
        product_id=product_id, price_cents=int(price), quantity=5, duration_seconds=int(seconds)
    )
    await room.start_flash_sale(spec)
    Path(marker).write_text("started", encoding="utf-8")  # noqa: ASYNC240 (one tiny write)
    await asyncio.sleep(3600)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
