"""The sandbox's drill routes (plugins/sandbox/drill.py), served by every sandbox: a network loss
drops the event streams and refuses new ones (503, which a client retries) until it ends — early
on ``seconds: 0`` — while ``/_debug/`` stays reachable; a viewer drop empties part of the room;
complaints are posted as viewers' comments. Host token only; bad bodies are 422."""

from __future__ import annotations

import time
from typing import Any

import httpx
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from tests.support.polling import until_sync


def online(srv: Any) -> int:
    return int(
        httpx.get(srv.api("/snapshot"), headers=srv.headers(), timeout=30).json()["metrics"][
            "online"
        ]
    )


def test_an_outage_drops_and_refuses_streams_until_it_ends(sandbox_server: Any) -> None:
    srv = sandbox_server()
    with connect(srv.events_url(0, srv.tokens["host"]), open_timeout=30) as ws:
        r = httpx.post(srv.api("/_debug/drill/outage"), json={"seconds": 60},
                       headers=srv.headers(), timeout=30)  # fmt: skip
        assert r.status_code == 200 and r.json() == {"outage_s": 60}
        try:
            while True:
                ws.recv(timeout=30)
        except ConnectionClosed:
            pass  # the open stream dropped
    try:
        connect(srv.events_url(0, srv.tokens["host"]), open_timeout=30)
        raise AssertionError("a stream was accepted during the outage")
    except InvalidStatus as exc:
        assert exc.response.status_code == 503  # retryable, not a refusal of the token
    t0 = time.monotonic()
    r = httpx.post(srv.api("/_debug/drill/outage"), json={"seconds": 0}, headers=srv.headers(),
                   timeout=30)  # fmt: skip
    assert r.status_code == 200 and time.monotonic() - t0 < 10  # /_debug/ reachable meanwhile
    with connect(srv.events_url(0, srv.tokens["host"]), open_timeout=30):
        pass  # accepted again
    assert httpx.get(srv.api(), headers=srv.headers(), timeout=30).status_code == 200


def test_viewer_drop_and_complaints(sandbox_server: Any) -> None:
    srv = sandbox_server(viewers=200, live=True, seed=3)
    until_sync(lambda: online(srv) >= 80, 60, "the room to fill")
    before = online(srv)
    r = httpx.post(srv.api("/_debug/drill/viewer-drop"), json={"share": 0.5},
                   headers=srv.headers(), timeout=30)  # fmt: skip
    assert r.status_code == 200 and r.json()["left"] >= before // 3
    until_sync(lambda: online(srv) <= before * 0.7, 30, "the room to empty by half")
    r = httpx.post(srv.api("/_debug/drill/complaints"), json={"count": 3, "texts": ["差评！"]},
                   headers=srv.headers(), timeout=30)  # fmt: skip
    assert r.status_code == 200 and r.json() == {"posted": 3}
    for bad in ({"share": 1.5}, {"share": -1}, {"nope": 1}):
        r = httpx.post(srv.api("/_debug/drill/viewer-drop"), json=bad, headers=srv.headers(),
                       timeout=30)  # fmt: skip
        assert r.status_code == 422, bad
    r = httpx.post(srv.api("/_debug/drill/outage"), json={"seconds": 5},
                   headers=srv.headers("assistant"), timeout=30)  # fmt: skip
    assert r.status_code == 403
