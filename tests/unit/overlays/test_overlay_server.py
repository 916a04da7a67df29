"""The overlay page server's port: fixed (Browser Source URLs survive a restart), and when another
program holds it, a free one is used and the server says so. A page that stops reading is
dropped and holds up neither the other pages nor the PNG overlays; only this machine's pages
(loopback Host, own Origin) are served."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import socket
import time
import tracemalloc
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from websockets.exceptions import InvalidStatus

from app.obs.connection import ObsConnection
from app.overlays.controller import OverlayController
from app.overlays.layout import Kind
from app.overlays.obs_sink import ObsOverlaySink
from app.overlays.render import OverlayRenderer
from app.overlays.server import DEFAULT_PORT, OverlayServer
from app.overlays.state import OverlayState, ProductCard
from app.settings import ObsSettings
from tests.support.polling import until
from tests.support.ports import free_port


def test_the_default_port_is_fixed_and_the_settings_use_it() -> None:
    assert ObsSettings().overlay_server_port == DEFAULT_PORT != 0
    assert OverlayServer().port == DEFAULT_PORT


async def test_same_port_after_a_restart_and_a_page_url_per_overlay() -> None:
    port = free_port()
    server = OverlayServer(port=port)
    await server.start()
    try:
        assert server.port == port and server.note is None
        urls = server.page_urls()
        assert urls[Kind.PRODUCT] == f"http://127.0.0.1:{port}/overlay/product"
        assert set(urls) == set(Kind)
        async with httpx.AsyncClient() as http:
            for url in urls.values():
                assert (await http.get(url)).status_code == 200
    finally:
        await server.stop()
    again = OverlayServer(port=port)
    await again.start()  # at once: the port is free again (TIME_WAIT does not block it)
    try:
        assert again.port == port and again.note is None
    finally:
        await again.stop()


async def test_a_taken_port_falls_back_to_a_free_one_and_says_so() -> None:
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    taken = int(holder.getsockname()[1])
    server = OverlayServer(port=taken)
    try:
        await server.start()
        assert server.port != taken
        assert server.note is not None and str(taken) in server.note
        assert str(server.port) in server.note
        async with httpx.AsyncClient() as http:
            assert (await http.get(server.page_url(Kind.COUPON))).status_code == 200
    finally:
        await server.stop()
        holder.close()


# --- a page that stops reading (D8) and pages of other sites -------------------------------------
def _stalled_ws(port: int) -> socket.socket:
    """A WebSocket client that connects and then never reads (a tiny receive buffer, so the
    server's sends back up at once, like a frozen Browser Source)."""
    s = socket.socket()
    s.setsockopt(
        socket.SOL_SOCKET, socket.SO_RCVBUF, 1024
    )  # before connect: the window stays small
    s.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(
        (
            f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    return s


_OVERLAY_PATH = [
    tracemalloc.Filter(True, pattern)
    for pattern in ("*/app/overlays/*", "*/websockets/*", "*/asyncio/*", "*/json/*")
]


def _held_by_overlays(before: tracemalloc.Snapshot, after: tracemalloc.Snapshot) -> int:
    """Bytes allocated by the overlay server, its websockets and the loop, held at ``after``
    and not at ``before``."""
    diff = after.filter_traces(_OVERLAY_PATH).compare_to(
        before.filter_traces(_OVERLAY_PATH), "filename"
    )
    return sum(d.size_diff for d in diff)


def _state(i: int) -> OverlayState:
    # ~8 KB a message: a few hundred of them are far beyond every socket buffer
    card = ProductCard("p1", f"第 {i} 次更新 " + "云南高山古树普洱茶" * 300, 12900, stock_left=i)
    return OverlayState(product=card)


def _closed_by_server(s: socket.socket) -> bool:
    """True once the server has dropped the connection (EOF or reset after the unread data)."""
    s.setblocking(False)
    try:
        while True:
            if not s.recv(1 << 20):
                return True
    except BlockingIOError:
        return False
    except ConnectionResetError:
        return True


class _Rig:
    """The console's overlay outputs — the PNG sink (rendering real images; no OBS needed for
    that) and the page server — fed by one controller, with one page that reads and one that
    connected and never reads."""

    def __init__(self, server: OverlayServer, tmp_path: Path) -> None:
        self.server = server
        renderer = OverlayRenderer()
        self.png = ObsOverlaySink(ObsConnection(), renderer, tmp_path / "png")
        self.controller = OverlayController(None, renderer, [self.png, server])
        self.last: dict[str, Any] = {}  # the reading page's newest state (only: memory is measured)

    def reading_page_has(self, i: int) -> bool:
        return (self.last.get("product") or {}).get("stock_left") == i

    async def read(self, ws: Any) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            async for message in ws:
                self.last = json.loads(message)["state"]

    async def updates(self, first: int, last: int) -> None:
        """Updates ``first``..``last``, the feeds running every few (like a busy live room)."""
        for i in range(first, last + 1):
            self.controller.set_state(_state(i))
            if i % 5 == 0:
                await asyncio.sleep(0)

    async def everyone_has(self, i: int) -> float:
        """Seconds until the reading page and the PNG overlay show update ``i``."""
        t0 = time.monotonic()
        await until(lambda: self.reading_page_has(i), 20, f"the reading page to get update {i}")
        await asyncio.wait_for(self.controller.settled(), 20)  # the PNG overlay too
        assert self.png.state == _state(i) and self.png.path(Kind.PRODUCT).stat().st_size > 0
        return time.monotonic() - t0


async def test_a_page_that_stops_reading_holds_up_no_other_page_nor_the_png_overlays(
    qapp: object, tmp_path: Path
) -> None:
    server = OverlayServer(port=0, send_timeout=3600)  # never dropped in this test: not waited on
    await server.start()
    rig = _Rig(server, tmp_path)
    rig.controller.start()
    stalled = _stalled_ws(server.port)
    url = f"ws://127.0.0.1:{server.port}/ws"
    try:
        async with websockets.connect(url, max_size=2**22, ping_interval=None) as ws:
            reader = asyncio.ensure_future(rig.read(ws))
            await until(lambda: server.clients == 2, 20, "both pages to connect")
            tracemalloc.start()
            before = tracemalloc.take_snapshot()
            lags = []
            for step in range(10):  # 2,000 updates; after each 200, everyone is up to date
                await rig.updates(step * 200 + 1, step * 200 + 200)
                lags.append(await rig.everyone_has(step * 200 + 200))
            after = tracemalloc.take_snapshot()
            tracemalloc.stop()
            # what the overlay path holds at the end (a queue per page would hold most of the
            # 2,000 × ~8 KB updates for the stalled page), counting only memory allocated by it —
            # not a worker thread another test left finishing its work in this process
            grew = _held_by_overlays(before, after)
            # the stalled page is still there, its push stuck since a few hundred KB: not waited on
            assert server.clients == 2 and server.blocked == 1
            assert max(lags) < 20, lags
            assert grew < 2_000_000, f"the overlay path holds {grew} bytes more: a queue per page?"
            reader.cancel()
    finally:
        stalled.close()
        await rig.controller.stop()
        await server.stop()


async def test_a_page_that_stops_reading_is_dropped(qapp: object, tmp_path: Path) -> None:
    server = OverlayServer(port=0, send_timeout=1.0)
    await server.start()
    rig = _Rig(server, tmp_path)
    rig.controller.start()
    stalled = _stalled_ws(server.port)
    url = f"ws://127.0.0.1:{server.port}/ws"
    try:
        async with websockets.connect(url, max_size=2**22, ping_interval=None) as ws:
            reader = asyncio.ensure_future(rig.read(ws))
            await until(lambda: server.clients == 2, 20, "both pages to connect")
            await rig.updates(1, 2000)
            await rig.everyone_has(2000)
            await until(lambda: server.dropped == 1, 60, "the stalled page to be dropped")
            await until(lambda: _closed_by_server(stalled), 20, "its connection to be closed")
            assert server.clients == 1
            await rig.updates(2001, 2001)  # the reading page goes on
            await rig.everyone_has(2001)
            reader.cancel()
    finally:
        stalled.close()
        await rig.controller.stop()
        await server.stop()


async def test_requests_for_another_host_or_from_another_site_are_refused() -> None:
    server = OverlayServer(port=0)
    await server.start()
    port = server.port
    try:
        async with httpx.AsyncClient() as http:
            for path in ("/", "/overlay/product", "/state"):
                ok = await http.get(f"http://127.0.0.1:{port}{path}")
                assert ok.status_code == 200
                assert (await http.get(f"http://localhost:{port}{path}")).status_code == 200
                # DNS rebinding: a foreign name pointed at 127.0.0.1
                r = await http.get(
                    f"http://127.0.0.1:{port}{path}", headers={"Host": f"evil.example:{port}"}
                )
                assert r.status_code == 403 and "product" not in r.text
                r = await http.get(
                    f"http://127.0.0.1:{port}{path}",
                    headers={"Origin": "https://evil.example"},
                )
                assert r.status_code == 403
        url = f"ws://127.0.0.1:{port}/ws"
        # our own pages (OBS Browser Source loads them over http) and non-browser clients
        for origin in (None, f"http://127.0.0.1:{port}", f"http://localhost:{port}"):
            async with websockets.connect(url, origin=origin) as ws:  # type: ignore[arg-type]
                assert "state" in json.loads(await asyncio.wait_for(ws.recv(), 10))
        for origin in ("https://evil.example", "null", f"http://127.0.0.1:{port + 1}"):
            with pytest.raises(InvalidStatus) as refused:
                async with websockets.connect(url, origin=origin):  # type: ignore[arg-type]
                    pass
            assert refused.value.response.status_code == 403

        # DNS rebinding on the WebSocket: a foreign Host (raw handshake: clients set Host)
        def handshake(host: str) -> bytes:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                key = base64.b64encode(os.urandom(16)).decode()
                s.sendall(
                    (
                        f"GET /ws HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
                        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                        "Sec-WebSocket-Version: 13\r\n\r\n"
                    ).encode()
                )
                return s.recv(4096).split(b"\r\n", 1)[0]

        ok = await asyncio.to_thread(handshake, f"127.0.0.1:{port}")
        assert ok == b"HTTP/1.1 101 Switching Protocols"
        assert b" 403 " in await asyncio.to_thread(handshake, f"evil.example:{port}")
    finally:
        await server.stop()
