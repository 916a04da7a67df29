"""``python -m plugins.shopify.standin``: the Shopify stand-in as a process::

    python -m plugins.shopify.standin [--products N] [--port N] [--restore R] [--bucket B]
                                      [--token-ttl S]

A store of ``--products`` products (default 12) with stock; one line on stdout says where it
listens and how to point the adapter at it: ``{"base", "env": {LIVEDESK_SHOPIFY_…}, "client_env":
{…CLIENT_ID, …CLIENT_SECRET}}`` (the second: a Dev Dashboard app's credentials, used without the
token). The admin acts over HTTP (``POST /_admin/add_order {"product_id": …}``, ``pay``,
``refund``, ``set_stock``, ``set_price``, ``drain``; see :mod:`plugins.shopify.standin.server`).
It serves on 127.0.0.1 until SIGINT/SIGTERM.
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
    ap.add_argument(
        "--token-ttl", type=float, default=86399.0, help="client-credentials tokens live"
    )
    return ap


def demo_store(n: int, options: s.Options) -> s.ShopifyStandIn:
    standin = s.ShopifyStandIn(options)
    for i in range(n):
        standin.add_product(f"Product {i + 1}", 1000 + 100 * i, 20 + i)
    return standin


async def serve(args: argparse.Namespace) -> None:
    options = s.Options(bucket=args.bucket, restore=args.restore, token_ttl=args.token_ttl)
    standin = demo_store(args.products, options)
    served = Served(standin.app(), port=args.port)
    await served.start()
    env = {
        "LIVEDESK_SHOPIFY_BASE": served.base,
        "LIVEDESK_SHOPIFY_SHOP": standin.shop,
        "LIVEDESK_SHOPIFY_TOKEN": standin.token,
    }
    client = {  # a Dev Dashboard app instead of the token: its tokens expire after --token-ttl
        "LIVEDESK_SHOPIFY_CLIENT_ID": s.CLIENT_ID,
        "LIVEDESK_SHOPIFY_CLIENT_SECRET": s.CLIENT_SECRET,
    }
    await serve_until_signalled(served, {"base": served.base, "env": env, "client_env": client})


def main(argv: list[str]) -> int:
    asyncio.run(serve(parser().parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
