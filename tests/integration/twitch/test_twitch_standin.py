"""The Twitch stand-in behaves like Twitch (and the Twitch CLI's mock server) towards a client
that is not LiveDesk's adapter: 4003 when nothing is subscribed in time, 4001 on inbound
traffic, 4004 after the reconnect grace, 4007 for a bad reconnect URL, Helix's error answers,
and the device code flow."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import orjson
import websockets

from plugins.bilibili.standin.runner import Served
from plugins.twitch import payloads as p
from plugins.twitch.helix import Helix, HelixError
from plugins.twitch.standin import server as s

Start = Callable[[s.TwitchStandIn], Any]
FAST = s.Options(keepalive=0.5, unused_timeout=0.5, reconnect_grace=0.5)
ME = s.BROADCASTER


def ws_url(served: Served) -> str:
    return served.base.replace("http://", "ws://") + "/ws"


async def _closed_with(ws: websockets.ClientConnection) -> tuple[int | None, list[str]]:
    """Read until the server closes: its close code and the message types seen."""
    seen: list[str] = []
    try:
        async with asyncio.timeout(10):
            async for raw in ws:
                seen.append(orjson.loads(raw)["metadata"]["message_type"])
    except websockets.ConnectionClosed:
        pass
    return (ws.close_code, seen)


def _helix(served: Served, token: str = ME.token) -> Helix:
    return Helix(token, ME.client_id, helix_base=served.base, auth_base=served.base)


async def test_a_session_with_nothing_subscribed_is_closed_4003(twitch_standin: Start) -> None:
    served: Served = await twitch_standin(s.TwitchStandIn([], FAST))
    async with websockets.connect(ws_url(served)) as ws:
        code, seen = await _closed_with(ws)
    assert code == 4003 and seen[0] == "session_welcome"


async def test_any_message_from_the_client_is_closed_4001(twitch_standin: Start) -> None:
    served: Served = await twitch_standin(s.TwitchStandIn([], s.Options()))
    async with websockets.connect(ws_url(served)) as ws:
        await ws.recv()
        await ws.send("hello?")
        code, _ = await _closed_with(ws)
    assert code == 4001


async def test_the_welcome_and_keepalives_are_shaped_as_twitch_documents(
    twitch_standin: Start,
) -> None:
    served: Served = await twitch_standin(s.TwitchStandIn([], s.Options(keepalive=0.3)))
    async with websockets.connect(ws_url(served)) as ws:
        welcome = orjson.loads(await ws.recv())
        keepalive = orjson.loads(await asyncio.wait_for(ws.recv(), 5))
    session = welcome["payload"]["session"]
    assert welcome["metadata"]["message_type"] == "session_welcome"
    assert session["status"] == "connected" and session["reconnect_url"] is None
    assert session["keepalive_timeout_seconds"] == 0.3 and session["id"]
    assert welcome["metadata"]["message_timestamp"].endswith("000Z")  # nanoseconds
    assert keepalive == {"metadata": keepalive["metadata"], "payload": {}}
    assert keepalive["metadata"]["message_type"] == "session_keepalive"


async def test_a_client_that_stays_after_session_reconnect_is_closed_4004_and_a_bad_url_4007(
    twitch_standin: Start,
) -> None:
    standin = s.TwitchStandIn([s.reconnect()], FAST)
    served: Served = await twitch_standin(standin)
    helix = _helix(served)
    try:
        async with websockets.connect(ws_url(served)) as ws:
            welcome = orjson.loads(await ws.recv())
            sid = welcome["payload"]["session"]["id"]
            await helix.subscribe(p.CHEER, "1", {"broadcaster_user_id": ME.user_id}, sid)
            reconnect = orjson.loads(await ws.recv())
            url = reconnect["payload"]["session"]["reconnect_url"]
            code, _ = await _closed_with(ws)  # never moved over
        assert reconnect["metadata"]["message_type"] == "session_reconnect"
        assert reconnect["payload"]["session"]["keepalive_timeout_seconds"] is None
        assert code == 4004
        async with websockets.connect(url) as again:  # the grace has passed: no longer valid
            code, _ = await _closed_with(again)
        assert code == 4007
    finally:
        await helix.aclose()


async def test_helix_answers_with_twitchs_errors(twitch_standin: Start) -> None:
    expired = s.Account("stale", ME.user_id, ME.login, ME.display_name, expired=True)
    standin = s.TwitchStandIn([], s.Options(), accounts=[ME, expired])
    served: Served = await twitch_standin(standin)
    helix, stale = _helix(served), _helix(served, "stale")
    try:
        async with websockets.connect(ws_url(served)) as ws:
            sid = orjson.loads(await ws.recv())["payload"]["session"]["id"]
            cond = {"broadcaster_user_id": ME.user_id}
            made = await helix.subscribe(p.CHEER, "1", cond, sid)
            assert made["status"] == "enabled" and made["transport"]["session_id"] == sid
            errors = []
            for call in (
                helix.subscribe(p.CHEER, "1", cond, sid),  # the same again
                helix.subscribe(p.CHEER, "2", cond, sid),  # no such version
                helix.subscribe(p.CHEER, "1", cond, "no-such-session"),
                stale.subscribe(p.CHEER, "1", cond, sid),
            ):
                try:
                    await call
                except HelixError as exc:
                    errors.append((exc.status, exc.message))
        assert [status for status, _ in errors] == [409, 400, 400, 401]
        assert "does not exist" in errors[2][1]
        async with httpx.AsyncClient() as http:
            r = await http.get(
                served.base + "/oauth2/validate", headers={"Authorization": "OAuth stale"}
            )
        assert r.status_code == 401 and r.json() == {
            "status": 401,
            "message": "invalid access token",
        }
    finally:
        await helix.aclose()
        await stale.aclose()


async def test_the_device_code_flow_gives_a_token_once_the_streamer_agrees(
    twitch_standin: Start,
) -> None:
    standin = s.TwitchStandIn([], s.Options())
    served: Served = await twitch_standin(standin)
    client = Helix("", ME.client_id, helix_base=served.base, auth_base=served.base)
    try:
        code = await client.start_device_flow(p.ALL_SCOPES)
        assert code.user_code in code.verification_uri and code.interval > 0 < code.expires_in
        assert await client.poll_device_token(code.device_code, p.ALL_SCOPES) is None  # pending
        standin.approve_device(code.user_code, ME)
        token = await client.poll_device_token(code.device_code, p.ALL_SCOPES)
        assert token
        mine = _helix(served, token)
        info = await mine.validate()
        await mine.aclose()
        assert info.user_id == ME.user_id and info.scopes == frozenset(p.ALL_SCOPES)
        assert info.expires_in > 0
    finally:
        await client.aclose()


async def test_device_login_shows_the_code_and_returns_the_token_once_approved(
    twitch_standin: Start,
) -> None:
    standin = s.TwitchStandIn([], s.Options(device_interval=0.05))
    served: Served = await twitch_standin(standin)
    client = Helix("", ME.client_id, helix_base=served.base, auth_base=served.base)
    shown: list[str] = []

    def show(code: Any) -> None:
        shown.append(code.user_code)
        asyncio.get_running_loop().call_later(0.3, standin.approve_device, code.user_code, ME)

    try:
        token = await asyncio.wait_for(client.device_login(p.ALL_SCOPES, show), 10)
    finally:
        await client.aclose()
    assert len(shown) == 1 and token in standin.accounts
    polls = [st for _, _, st in standin.calls("/oauth2/token")]
    assert polls[-1] == 200 and set(polls[:-1]) == {400}  # pending until approved
