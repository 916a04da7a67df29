"""The overlay page server's port: fixed (Browser Source URLs survive a restart), and when another
program holds it, a free one is used and the server says so."""

from __future__ import annotations

import socket

import httpx

from app.overlays.layout import Kind
from app.overlays.server import DEFAULT_PORT, OverlayServer
from app.settings import ObsSettings


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_default_port_is_fixed_and_the_settings_use_it() -> None:
    assert ObsSettings().overlay_server_port == DEFAULT_PORT != 0
    assert OverlayServer().port == DEFAULT_PORT


async def test_same_port_after_a_restart_and_a_page_url_per_overlay() -> None:
    port = _free_port()
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
