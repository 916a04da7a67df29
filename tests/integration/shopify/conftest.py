"""Fixtures of the Shopify tests: the stand-in served on the test's loop, and the ``shopify``
adapter opened against it with its state in the test's own folder."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from app.i18n import set_language
from plugins.bilibili.standin.runner import Served
from plugins.shopify.adapter import ShopifyAdapter, ShopifyFactory
from plugins.shopify.standin.server import ShopifyStandIn
from tests.support.platforms import ensure_platform

Open = Callable[..., Awaitable[ShopifyAdapter]]


@pytest.fixture(autouse=True)
def _chinese_and_registered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    set_language("zh_CN")
    ensure_platform(
        "shopify", "plugins.shopify.adapter:ShopifyFactory", tmp_path / "entry-points", monkeypatch
    )


@pytest.fixture
async def served() -> AsyncIterator[Callable[[ShopifyStandIn], Awaitable[Served]]]:
    running: list[Served] = []

    async def start(standin: ShopifyStandIn) -> Served:
        s = Served(standin.app())
        await s.start()
        running.append(s)
        return s

    yield start
    for s in running:
        await s.stop()


@pytest.fixture
async def open_shop(
    served: Callable[[ShopifyStandIn], Awaitable[Served]], tmp_path: Path
) -> AsyncIterator[Open]:
    """``await open_shop(standin, **settings)``: the real adapter against ``standin`` (served
    once per stand-in), closed after the test."""
    opened: list[ShopifyAdapter] = []
    bases: dict[int, str] = {}

    async def open_(standin: ShopifyStandIn, **settings: Any) -> ShopifyAdapter:
        if id(standin) not in bases:
            bases[id(standin)] = (await served(standin)).base
        full = {
            "base": bases[id(standin)],
            "shop": standin.shop,
            "token": standin.token,
            "state_dir": str(tmp_path / "state"),
            "poll_every": 0.2,
            "orders_since": 0,
            **settings,
        }
        adapter = await ShopifyFactory().open(full)
        assert isinstance(adapter, ShopifyAdapter)
        opened.append(adapter)
        return adapter

    yield open_
    for a in opened:
        await a.close()
