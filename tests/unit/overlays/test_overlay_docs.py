"""Every overlay page URL the docs give answers on the real overlay server (docs/obs.md once gave
``/overlay/card``, a 404 pasted into OBS's Browser Source), and the docs name every overlay."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from app.overlays.layout import Kind
from app.overlays.server import DEFAULT_PORT, OverlayServer

DOCS = Path(__file__).resolve().parents[3] / "docs"
#: an overlay page path (``/overlay/product``), bare or in a full URL; ``{kind}`` placeholders
#: are not paths and do not match
OVERLAY_PATH = re.compile(r"/overlay/[A-Za-z0-9_.-]+")
#: a full URL on the overlay server's port (``http://127.0.0.1:4480/…``)
SERVER_URL = re.compile(rf"https?://(?:127\.0\.0\.1|localhost):{DEFAULT_PORT}(/[^\s`)\"'<>]*)?")


def documented_paths() -> dict[str, list[str]]:
    """Path → the docs that give it."""
    found: dict[str, list[str]] = {}
    for doc in sorted(DOCS.glob("*.md")):
        text = doc.read_text(encoding="utf-8")
        paths = OVERLAY_PATH.findall(text)
        paths += [m.group(1) or "/" for m in SERVER_URL.finditer(text)]
        for p in paths:
            found.setdefault(p.rstrip(".,;:"), []).append(doc.name)
    return found


async def test_every_overlay_url_in_the_docs_answers_200() -> None:
    paths = documented_paths()
    assert paths, "the docs give no overlay URL (did the pattern or the docs change?)"
    server = OverlayServer(port=0)
    await server.start()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            status = {p: (await http.get(p)).status_code for p in sorted(paths)}
    finally:
        await server.stop()
    broken = {p: (s, paths[p]) for p, s in status.items() if s != 200}
    assert not broken, f"overlay URLs in the docs that do not answer 200: {broken}"
    # and the docs tell the operator the page of every overlay there is
    assert {f"/overlay/{k.value}" for k in Kind} <= set(paths)
