"""A console that dies mid-sale: opens the ``shopify`` adapter, starts a flash sale, writes
``started`` to the marker file and waits to be killed (the test SIGKILLs it).

``python -m tests.integration.shopify.holder BASE SHOP TOKEN STATE_DIR PRODUCT_ID PRICE SECONDS MARKER``
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from app.api import models
from plugins.shopify.adapter import ShopifyFactory


async def main(argv: list[str]) -> None:
    base, shop, token, state_dir, product_id, price, seconds, marker = argv
    settings = {"base": base, "shop": shop, "token": token, "state_dir": state_dir}
    adapter = await ShopifyFactory().open(settings)
    spec = models.FlashSaleSpec(
        product_id=product_id, price_cents=int(price), quantity=5, duration_seconds=int(seconds)
    )
    await adapter.start_flash_sale(spec)
    Path(marker).write_text("started", encoding="utf-8")  # noqa: ASYNC240 (one tiny write)
    await asyncio.sleep(3600)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
