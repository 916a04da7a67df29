"""The open-live stand-in refuses what the real API refuses, with the platform's codes: a request
signed with plugins/bilibili/signing.py is accepted once; a replayed nonce, a body changed after
signing, a stale timestamp, an unknown key id, another app or 身份码 each get their own code."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest

from plugins.bilibili.signing import open_live_headers
from plugins.bilibili.standin.open_live import OpenLiveStandin
from plugins.bilibili.standin.runner import serve_in_thread


@pytest.fixture
def served() -> Iterator[tuple[OpenLiveStandin, str]]:
    standin = OpenLiveStandin()
    with serve_in_thread(standin.app()) as s:
        yield standin, s.base


def post(base: str, path: str, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    r = httpx.post(base + path, content=body, headers=headers, timeout=30)
    assert r.status_code == 200  # the envelope carries the outcome, as on the real API
    return dict(r.json())


def test_signed_requests_are_checked_like_the_real_api(
    served: tuple[OpenLiveStandin, str],
) -> None:
    s, base = served
    body = orjson.dumps({"code": s.code, "app_id": s.app_id})

    def signed(raw: bytes = body, **kw: Any) -> dict[str, str]:
        return open_live_headers(raw, kw.pop("key_id", s.access_key_id), s.access_key_secret, **kw)

    h = signed()
    first = post(base, "/v2/app/start", body, h)
    assert first["code"] == 0 and first["data"]["anchor_info"]["room_id"] == s.room_id
    assert first["data"]["websocket_info"]["wss_link"][0].startswith("ws://127.0.0.1:")
    assert post(base, "/v2/app/start", body, h)["code"] == 4004  # the same nonce again
    other = orjson.dumps({"app_id": s.app_id, "code": s.code})  # same JSON, other bytes
    assert post(base, "/v2/app/start", other, signed())["code"] == 4012
    assert (
        post(base, "/v2/app/start", body, signed(timestamp=int(time.time()) - 3600))["code"] == 4003
    )
    assert post(base, "/v2/app/start", body, signed(key_id="someone-else"))["code"] == 4001
    forged = dict(signed(), Authorization="0" * 64)
    assert post(base, "/v2/app/start", body, forged)["code"] == 4002
    # a second game while the first runs: 7002; another app: 8002; another 身份码: 7007
    assert post(base, "/v2/app/start", body, signed())["code"] == 7002
    wrong_app = orjson.dumps({"code": s.code, "app_id": s.app_id + 1})
    assert post(base, "/v2/app/start", wrong_app, signed(wrong_app))["code"] == 8002
    wrong_code = orjson.dumps({"code": "NOPE", "app_id": s.app_id})
    assert post(base, "/v2/app/start", wrong_code, signed(wrong_code))["code"] == 7007
    # end answers 0, then 7000 (already ended) — both count as ended for a client
    game_id = first["data"]["game_info"]["game_id"]
    end = orjson.dumps({"app_id": s.app_id, "game_id": game_id})
    assert post(base, "/v2/app/end", end, signed(end))["code"] == 0
    assert post(base, "/v2/app/end", end, signed(end))["code"] == 7000
    beat = orjson.dumps({"game_id": game_id})
    assert post(base, "/v2/app/heartbeat", beat, signed(beat))["code"] == 7003


def test_a_start_right_after_an_end_is_cooling_down(served: tuple[OpenLiveStandin, str]) -> None:
    s, base = served
    s.cooldown = 600.0
    body = orjson.dumps({"code": s.code, "app_id": s.app_id})
    key, secret = s.access_key_id, s.access_key_secret
    game_id = post(base, "/v2/app/start", body, open_live_headers(body, key, secret))["data"][
        "game_info"
    ]["game_id"]
    end = orjson.dumps({"app_id": s.app_id, "game_id": game_id})
    assert post(base, "/v2/app/end", end, open_live_headers(end, key, secret))["code"] == 0
    assert post(base, "/v2/app/start", body, open_live_headers(body, key, secret))["code"] == 7001
