"""The overlay page as an OBS Browser Source user gets it, in a real browser (headless Chromium):
the product card shows the image and the original/flash price like the PNG card, and every state
change arrives over the WebSocket without reloading the page."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import websockets

from app.overlays.layout import Kind
from app.overlays.server import OverlayServer
from app.overlays.state import OverlayState, ProductCard
from tests.support.polling import patience
from tests.support.processes import spawn, stop

try:
    from tests.conftest import require_tool
except ImportError:  # pragma: no cover
    require_tool = None  # type: ignore[assignment]


class Page:
    """One tab of a headless Chromium, driven over the DevTools protocol."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.n = 0

    async def js(self, expression: str) -> Any:
        self.n += 1
        await self.ws.send(json.dumps({"id": self.n, "method": "Runtime.evaluate",
                                       "params": {"expression": expression,
                                                  "returnByValue": True}}))  # fmt: skip
        while True:
            reply = json.loads(await asyncio.wait_for(self.ws.recv(), patience(20)))
            if reply.get("id") == self.n:
                return reply["result"]["result"].get("value")


def _launch(exe: str, profile: Path, url: str) -> subprocess.Popen[bytes]:
    # spawn: its own process group (the renderer and GPU helpers go with it), SIGKILLed with us
    return spawn(
        [exe, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--remote-debugging-port=0", f"--user-data-dir={profile}", url],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


@pytest.fixture
async def browser(tmp_path: Path) -> AsyncIterator[Callable[[str], Any]]:
    exe = require_tool("chromium") if require_tool else shutil.which("chromium")
    if exe is None:
        pytest.skip("chromium is not installed")
    procs: list[subprocess.Popen[bytes]] = []
    sockets: list[Any] = []

    async def open_page(url: str) -> Page:
        profile = tmp_path / f"chromium-{len(procs)}"
        proc = _launch(exe, profile, url)
        procs.append(proc)
        active = profile / "DevToolsActivePort"
        deadline = time.monotonic() + patience(60)
        while not (active.exists() and active.read_text().strip()):
            assert proc.poll() is None, "chromium exited"
            assert time.monotonic() < deadline, "chromium did not open its DevTools port"
            await asyncio.sleep(0.1)
        port = int(active.read_text().split()[0])
        import httpx

        async with httpx.AsyncClient(timeout=30) as http:
            deadline = time.monotonic() + patience(30)
            while True:
                targets = (await http.get(f"http://127.0.0.1:{port}/json")).json()
                pages = [t for t in targets if t.get("type") == "page" and t["url"] == url]
                if pages:
                    break
                assert time.monotonic() < deadline, f"chromium did not open {url}: {targets}"
                await asyncio.sleep(0.1)
        ws = await websockets.connect(pages[0]["webSocketDebuggerUrl"], max_size=None)
        sockets.append(ws)
        return Page(ws)

    try:
        yield open_page
    finally:
        for ws in sockets:
            await ws.close()
        for proc in procs:
            stop(proc)


async def test_product_page_updates_live_without_reload(
    browser: Callable[[str], Any], sandbox_server: Callable[..., Any]
) -> None:
    srv = sandbox_server()
    server = OverlayServer(port=0)
    await server.start()
    try:
        page: Page = await browser(server.page_url(Kind.PRODUCT))
        deadline = time.monotonic() + patience(30)
        while await page.js("document.body.dataset.updates") != "1":
            # the page has loaded and its WebSocket delivered the first state
            assert time.monotonic() < deadline, "the page's first state never came"
            await asyncio.sleep(0.05)
        assert await page.js("document.getElementById('product').classList.contains('on')") is False
        await page.js("window.sameDocument = 42")  # gone if the page were ever reloaded

        card = ProductCard("p01", "春秋款宽松连帽卫衣 纯棉加厚", 12900, original_price_cents=19900,
                           stock_left=320, image_url=f"{srv.url}/static/products/p01.png")  # fmt: skip
        await server.apply(OverlayState(product=card), {Kind.PRODUCT})

        async def text(element: str) -> Any:
            return await page.js(f"document.getElementById('{element}').textContent")

        async def until(check: Callable[[], Any], what: str) -> None:
            deadline = time.monotonic() + patience(20)
            while not await check():
                assert time.monotonic() < deadline, what
                await asyncio.sleep(0.05)

        await until(lambda: page.js("document.getElementById('product').classList.contains('on')"),
                    "the card shown")  # fmt: skip
        assert await text("p-title") == card.title
        assert await text("p-price") == "¥129"
        assert await text("p-was") == "¥199"  # the original price, struck through
        assert await page.js("getComputedStyle(document.getElementById('p-was'))"
                             ".textDecorationLine") == "line-through"  # fmt: skip
        assert (
            await page.js("getComputedStyle(document.getElementById('p-flash')).display") == "none"
        )
        await until(lambda: page.js("document.getElementById('p-img').naturalWidth > 0"),
                    "the product image loaded")  # fmt: skip

        # a flash sale starts: the flash price and its badge, the old price struck through
        flash = replace(card, flash_price_cents=9900, stock_left=50)
        await server.apply(OverlayState(product=flash), {Kind.PRODUCT})
        await until(lambda: page.js("document.getElementById('p-price').textContent === '¥99'"),
                    "the flash price shown")  # fmt: skip
        assert (
            await page.js("getComputedStyle(document.getElementById('p-flash')).display") != "none"
        )
        assert await text("p-was") == "¥199" and await text("p-stock") == "仅剩 50 件"

        # a store selling in US dollars: the page writes what the state says, "$89" (it never
        # formats money itself, so it cannot put a ¥ before dollars)
        usd = ProductCard("p02", "Retro Runner sneaker", 8900, original_price_cents=12900,
                          stock_left=40, currency="USD")  # fmt: skip
        await server.apply(OverlayState(product=usd), {Kind.PRODUCT})
        await until(lambda: page.js("document.getElementById('p-price').textContent === '$89'"),
                    "the dollar price shown")  # fmt: skip
        assert await text("p-was") == "$129"

        # the explain ends: the card goes away — all in the same document, never reloaded
        await server.apply(OverlayState(), {Kind.PRODUCT})
        await until(
            lambda: page.js("!document.getElementById('product').classList.contains('on')"),
            "the card hidden",
        )
        assert await page.js("window.sameDocument") == 42
        assert int(await page.js("document.body.dataset.updates")) == 5
    finally:
        await server.stop()


async def test_the_page_of_an_english_room_reads_english(browser: Callable[[str], Any]) -> None:
    """A Twitch room's viewers read English: every card on the all-overlays page, headings and
    labels included, has no Chinese (the page has no words of its own: they come with the state,
    in the room's chat language); the same state in Chinese reads Chinese."""
    from app.overlays.state import (
        CouponCard,
        FlashSaleCard,
        LotteryCard,
        QuizCard,
        RedEnvelopeCard,
        WinnersCard,
    )

    server = OverlayServer(port=0)
    await server.start()
    try:
        page: Page = await browser(server.page_url())
        english = OverlayState(
            product=ProductCard("p02", "Retro Runner sneaker", 8900, 12900, 6900, 3,
                                currency="USD"),
            coupon=CouponCard("c1", "", None, 20, 5000, 12, 100, "USD"),
            flash_sale=FlashSaleCard("f1", "Water bottle", 1999, 3499, 7, 30, 59, True, "USD"),
            lottery=LotteryCard("l1", "Signed hoodie", "hoodie", 42, 318, 3, "ab" * 32),
            winners=WinnersCard("l0", "Tote bag", ("alice", "bob")),
            quiz=QuizCard("q1", "Best shade?", ("Ruby", "Rose"), (3, 1), 4, 0, "revealed",
                          correct=0, correct_count=3),
            red_envelope=RedEnvelopeCard("r1", "", 88800, 200, 37, 70000, 45, False,
                                         "nightowl", 1288, "USD"),
            language="en",
        )  # fmt: skip
        await server.apply(english, set(Kind))

        async def until(check: str, what: str) -> None:
            deadline = time.monotonic() + patience(30)
            while not await page.js(check):
                assert time.monotonic() < deadline, what
                await asyncio.sleep(0.05)

        await until("document.getElementById('p-stock').textContent === 'Only 3 left'",
                    "the English product card")  # fmt: skip
        text = await page.js("document.body.innerText")
        cjk = re.findall(r"[\u3001-\u303f\u4e00-\u9fff\uff01-\uff5e]+", text)
        assert not cjk, f"Chinese on the English page: {cjk}\n{text}"
        for shown in ("Now showing", "Flash price", "$69", "20% off", "Starts soon", "Giveaway",
                      'Comment "hoodie" to enter', "Winners", "alice, bob", "Answer revealed",
                      "Correct: 3 · Answered: 4", "Red-envelope rain", "Luckiest: nightowl $12.88"):  # fmt: skip
            assert shown in text, f"{shown!r} not on the page:\n{text}"
        assert await page.js("document.documentElement.lang") == "en"

        # the operator sets the chat language to Chinese: the next state reads Chinese
        await server.apply(replace(english, language="zh_CN"), set(Kind))
        await until("document.getElementById('p-stock').textContent === '仅剩 3 件'",
                    "the Chinese product card")  # fmt: skip
        text = await page.js("document.body.innerText")
        assert "正在讲解" in text and "评论“hoodie”参与" in text and "8折" in text
        assert await page.js("document.documentElement.lang") == "zh-CN"
    finally:
        await server.stop()
