"""The team routes (issue 20): invites and the connected consoles, host only, bounded.

Against the real sandbox server with real clients on loopback.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from app.platform.client import PlatformClient, clean_client_name
from app.platform.errors import PlatformError

pytestmark = pytest.mark.slow


def test_invites_are_the_hosts_alone_and_never_hold_the_host_token(sandbox_server: Any) -> None:
    srv = sandbox_server()
    with srv.client("host") as host:
        r = host.get("/invites")
        assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
        body = r.json()
        assert body["tokens"] == {
            "assistant": srv.tokens["assistant"],
            "reviewer": srv.tokens["reviewer"],
        }
        assert srv.tokens["host"] not in r.text
    for role in ("assistant", "reviewer"):
        with srv.client(role) as other:
            for route in ("/invites", "/members"):
                r = other.get(route)
                assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    r = httpx.get(srv.api() + "/members", timeout=30)
    assert r.status_code == 401


async def test_members_lists_connected_consoles_by_role_and_name(sandbox_server: Any) -> None:
    srv = sandbox_server()
    consoles = [
        PlatformClient(srv.url, srv.room, srv.tokens["host"], role="host", client_name="主播机"),
        PlatformClient(
            srv.url, srv.room, srv.tokens["assistant"], role="assistant", client_name="场控\n机"
        ),
        PlatformClient(srv.url, srv.room, srv.tokens["reviewer"], role="reviewer"),
        PlatformClient(srv.url, srv.room, srv.tokens["reviewer"], role="reviewer"),
    ]
    readers = [
        asyncio.ensure_future(anext(aiter(c.event_batches(srv.last_seq())))) for c in consoles
    ]
    host = consoles[0]
    try:
        got: list[Any] = []

        async def four() -> bool:
            got[:] = (await host.members()).members
            return len(got) == 4

        deadline = asyncio.get_running_loop().time() + 30
        while not await four():
            assert asyncio.get_running_loop().time() < deadline, got
            await asyncio.sleep(0.1)
        assert sorted(m.role.value for m in got) == ["assistant", "host", "reviewer", "reviewer"]
        names = {m.client for m in got}
        assert {"主播机", "场控机", None} == names  # the newline was cleaned away
        assert all(m.since_ts > 0 for m in got)
        with pytest.raises(PlatformError) as err:
            await consoles[1].members()
        assert err.value.code == "forbidden"
        for c in consoles[2:]:
            await c.close()
        deadline = asyncio.get_running_loop().time() + 30
        while (await host.members()).count != 2:
            assert asyncio.get_running_loop().time() < deadline
            await asyncio.sleep(0.1)
    finally:
        for r in readers:
            r.cancel()
        for c in consoles:
            await c.close()


@pytest.mark.parametrize("bad", ["", " ", "a" * 65, "x\ny", "x\u2028y", "\x00"])
def test_a_bad_client_name_is_refused_before_the_upgrade(sandbox_server: Any, bad: str) -> None:
    srv = sandbox_server()
    r = httpx.get(
        srv.api() + "/events",
        params={"client": bad, "token": srv.tokens["reviewer"]},
        headers={
            "Connection": "Upgrade",
            "Upgrade": "websocket",
            "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        },
        timeout=30,
    )
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "client"


def test_clean_client_name() -> None:
    assert clean_client_name("studio-pc\r\n") == "studio-pc"
    assert clean_client_name("x" * 100) == "x" * 64
    assert clean_client_name("\n") is None


def test_the_members_listing_is_bounded() -> None:
    from plugins.sandbox.team_api import MAX_LISTED, Members

    members = Members()
    keys = [members.join("reviewer", f"pc{i}") for i in range(MAX_LISTED + 50)]
    listing = members.listing()
    assert listing["count"] == MAX_LISTED + 50 and len(listing["members"]) == MAX_LISTED
    assert listing["members"][0]["client"] == "pc0"  # oldest first
    for key in keys:
        members.leave(key)
    assert members.listing() == {"count": 0, "members": []}
