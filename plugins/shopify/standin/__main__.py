"""``python -m plugins.shopify.standin``: the Shopify stand-in as a process::

    python -m plugins.shopify.standin [--products N] [--port N] [--restore R] [--bucket B]

A store of ``--products`` products (default 12) with stock; one line on stdout says where it
listens and how to point the adapter at it: ``{"base", "env": {LIVEDESK_SHOPIFY_…}}``. The
admin acts over HTTP (``POST /_admin/add_order {"product_id": …}``, ``pay``, ``refund``,
``set_stock``, ``set_price``, ``drain``; see :mod:`plugins.shopify.standin.server`). It serves
on 127.0.0.1 until SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from plugins.bilibili.standin.runner import Served, serve_until_signalled
from plugins.shopify.standin import server as s


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m plugins.shopify.standin")
    ap.add_argument("--products", type=int, default=12)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--bucket", type=float, default=1000.0)
    ap.add_argument("--restore", type=float, default=50.0, help="points restored per second")
    return ap


def demo_store(n: int, options: s.Options) -> s.ShopifyStandIn:
    standin = s.ShopifyStandIn(options)
    for i in range(n):
        standin.add_product(f"Product {i + 1}", 1000 + 100 * i, 20 + i)
    return standin


async def serve(args: argparse.Namespace) -> None:
    standin = demo_store(args.products, s.Options(bucket=args.bucket, restore=args.restore))
    served = Served(standin.app(), port=args.port)
    await served.start()
    env = {
        "LIVEDESK_SHOPIFY_BASE": served.base,
        "LIVEDESK_SHOPIFY_SHOP": standin.shop,
        "LIVEDESK_SHOPIFY_TOKEN": standin.token,
    }
    await serve_until_signalled(served, {"base": served.base, "env": env})


def main(argv: list[str]) -> int:
    asyncio.run(serve(parser().parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
