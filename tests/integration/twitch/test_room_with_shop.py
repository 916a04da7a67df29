"""A room made of two sources (app/platform/composite.py) through ``livedesk events``: the Twitch
stand-in's chat (real HTTP and EventSub WebSocket, with its session_reconnect and duplicate
delivery) plus a real sandbox server as the shop. Both kinds are printed, each event once, with
the run's seqs 1, 2, 3… across the two; the sandbox's own kinds that are the chat's (its live
session) are not."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson

from app.team.invite import make_invite
from plugins.bilibili.standin.runner import Served
from plugins.twitch.standin import server as s
from plugins.twitch.standin.__main__ import demo_script
from tests.support.processes import spawn, stop
from tests.support.sandbox_server import SandboxServer

from .conftest import endpoints
from .test_twitch_tap import EXPECTED

REPO = Path(__file__).resolve().parents[3]
WAIT = 90.0


def place_order(srv: SandboxServer, n: int) -> dict[str, Any]:
    products = httpx.get(srv.api("/products"), headers=srv.headers(), timeout=30).json()
    product = next(p for p in products["products"] if p["stock"] > 0 and p["listed"])
    body = {
        "user_id": f"buyer{n}",
        "nickname": f"Buyer {n}",
        "product_id": product["id"],
        "sku_id": product["skus"][0]["id"] if product["skus"] else None,
        "quantity": 1,
        "pay": False,
    }
    r = httpx.post(srv.api("/orders"), json=body, headers=srv.headers(), timeout=30)
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_twitch_chat_and_sandbox_orders_are_one_stream_each_event_once(
    twitch_thread: Callable[[s.TwitchStandIn], Served],
    sandbox_server: Callable[..., SandboxServer],
) -> None:
    shop = sandbox_server(live=True)  # a quiet room (no simulated audience), open for orders
    standin = s.TwitchStandIn(demo_script(), s.Options(reconnect_grace=5.0))
    served = twitch_thread(standin)
    invite = make_invite(shop.url, shop.room, "assistant", shop.tokens["assistant"])
    env = dict(os.environ, LIVEDESK_TWITCH_TOKEN=s.BROADCASTER.token)
    env.update({f"LIVEDESK_TWITCH_{k.upper()}": v for k, v in endpoints(served).items()})
    env.pop("LIVEDESK_TWITCH_CLIENT_ID", None)
    env["LIVEDESK_COMMERCE_INVITE"] = invite  # not on the command line (ps shows it)
    cmd = [sys.executable, "-m", "app.events_tap", "--platform", "twitch", "--room", "twitchdev",
           "--commerce", "sandbox", "--seconds", "20"]  # fmt: skip
    tap = spawn(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    err: list[bytes] = []
    connected = threading.Event()

    def read_err() -> None:
        assert tap.stderr is not None
        for line in tap.stderr:
            err.append(line)
            if b"twitch + sandbox" in line:
                connected.set()

    reader = threading.Thread(target=read_err, daemon=True)
    reader.start()
    try:
        assert connected.wait(WAIT), b"".join(err).decode(errors="replace")
        orders = [place_order(shop, 1)]
        time.sleep(1.0)
        orders.append(place_order(shop, 2))
        assert tap.stdout is not None
        out = tap.stdout.read()
        code = tap.wait(WAIT)
    finally:
        stop(tap)
    reader.join(5)
    stderr = b"".join(err).decode(errors="replace")
    assert code == 0, stderr
    lines = [orjson.loads(line) for line in out.splitlines()]
    assert [line["seq"] for line in lines] == list(range(1, len(lines) + 1))
    chat = [line for line in lines if line["type"] in {t for t, _ in EXPECTED}]
    assert [line["type"] for line in chat] == [t for t, _ in EXPECTED]  # each once, in order
    created = [line["data"]["order"]["id"] for line in lines if line["type"] == "order_created"]
    assert created == [o["id"] for o in orders]
    # nothing of the sandbox's chat side (its session, comments) and nothing the shop lacks
    kinds = {line["type"] for line in lines}
    assert kinds <= {t for t, _ in EXPECTED} | {"order_created", "product_updated", "room_note"}
    assert "Traceback" not in stderr
    assert not standin.undelivered
