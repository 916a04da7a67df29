"""The team's shared replay-score settings (issue 18): ``GET``/``PUT /team/review``.

Against the real sandbox server: every role reads them, the host and the assistant save them
(the reviewer gets the contract's 403), a save over an old version is a 409, a bad body changes
nothing, the values survive a restart, and a save reaches a teammate's room on the stream.
"""

from __future__ import annotations

from typing import Any

import pytest

from app.live.room import LiveRoom
from app.platform.client import PlatformClient
from app.platform.errors import PlatformError, StaleVersionError
from app.settings import ReviewSettings
from tests.support.polling import until

pytestmark = pytest.mark.slow

GOOD = ReviewSettings(weight_gmv=20, weight_conversion=20, weight_interaction=60,
                      basis="targets", min_history=5, target_gmv_cents=5_000_000,
                      target_conversion_percent=3.5, target_interaction=2.0).model_dump()  # fmt: skip


def test_every_role_reads_never_saved_as_version_0(sandbox_server: Any) -> None:
    srv = sandbox_server()
    for role in ("host", "assistant", "reviewer"):
        with srv.client(role) as c:
            r = c.get("/team/review")
            assert r.status_code == 200
            assert r.json() == {"version": 0, "review": {}}


def test_host_saves_reviewer_refused_stale_refused(sandbox_server: Any) -> None:
    srv = sandbox_server()
    with srv.client("host") as host, srv.client("reviewer") as reviewer:
        r = host.put("/team/review", json={"version": 0, "review": GOOD})
        assert r.status_code == 200, r.text
        assert r.json() == {"version": 1, "review": GOOD}
        r = reviewer.put("/team/review", json={"version": 1, "review": {**GOOD, "weight_gmv": 90}})
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
        # the assistant saved over version 0 too late: the host's save came first
        with srv.client("assistant") as assistant:
            stale = {"version": 0, "review": {**GOOD, "weight_gmv": 70}}
            r = assistant.put("/team/review", json=stale)
            assert r.status_code == 409
            body = r.json()
            assert body["error"]["code"] == "stale_version"
            assert "stale" in body["error"]["message"]
            assert body["current"] == {"version": 1, "review": GOOD}
        assert reviewer.get("/team/review").json() == {"version": 1, "review": GOOD}
    events = [e for e in srv.read_events(0) if e["type"] == "team_review_changed"]
    assert len(events) == 1
    assert events[0]["data"]["version"] == 1 and events[0]["data"]["review"] == GOOD
    assert events[0]["data"]["actor"]["role"] == "host"


@pytest.mark.parametrize(
    ("review", "status"),
    [
        ({**GOOD, "weight_gmv": 101}, 422),  # out of range
        ({**GOOD, "min_history": 0}, 422),
        ({**GOOD, "target_conversion_percent": 0}, 422),
        ({**GOOD, "basis": "vibes"}, 422),
        ({**GOOD, "weight_gmv": 0, "weight_conversion": 0, "weight_interaction": 0}, 422),
        ({**GOOD, "colour": "red"}, 422),  # unknown field
        ({k: v for k, v in GOOD.items() if k != "basis"}, 422),  # incomplete
        ({**GOOD, "weight_gmv": "50"}, 422),  # a string is not a number
        ({**GOOD, "weight_gmv": True}, 422),
        ({**GOOD, "notes": "x" * 2_000_000}, 413),  # beyond the body cap
    ],
)
def test_bad_bodies_change_nothing(sandbox_server: Any, review: Any, status: int) -> None:
    srv = sandbox_server()
    with srv.client("host") as host:
        assert host.put("/team/review", json={"version": 0, "review": GOOD}).status_code == 200
        seq = srv.last_seq()
        r = host.put("/team/review", json={"version": 1, "review": review})
        assert r.status_code == status, r.text
        assert "error" in r.json()
        assert host.get("/team/review").json() == {"version": 1, "review": GOOD}
        assert srv.last_seq() == seq  # no event either
        r = host.put("/team/review", json={"version": 1, "review": GOOD, "extra": 1})
        assert r.status_code == 422


def test_saved_values_survive_a_restart(sandbox_server: Any) -> None:
    srv = sandbox_server()
    with srv.client("host") as host:
        assert host.put("/team/review", json={"version": 0, "review": GOOD}).status_code == 200
    srv.restart(kill=True)  # SIGKILL: nothing flushed at exit
    with srv.client("assistant") as assistant:
        assert assistant.get("/team/review").json() == {"version": 1, "review": GOOD}


async def test_a_save_reaches_a_teammates_room(sandbox_server: Any) -> None:
    srv = sandbox_server()
    host = LiveRoom(PlatformClient(srv.url, srv.room, srv.tokens["host"], role="host"))
    mate = LiveRoom(PlatformClient(srv.url, srv.room, srv.tokens["assistant"], role="assistant"))
    heard: list[frozenset[str]] = []
    mate.subscribe(heard.append)
    try:
        for room in (host, mate):
            room.start()
            await room.wait_loaded()
        assert (mate.team_review, mate.team_review_version) == (None, 0)
        wanted = ReviewSettings.model_validate(GOOD)
        saved = await host.save_team_review(wanted)
        assert saved.version == 1
        await until(lambda: mate.team_review_version == 1, what="the teammate's room to hear")
        assert mate.team_review == wanted
        assert any("team_review" in h for h in heard)
        await until(lambda: host.team_review == wanted, what="the host's own room to hear")
        # the teammate saves over the version it heard; the host hears it
        await mate.save_team_review(wanted.model_copy(update={"weight_gmv": 80}))
        await until(lambda: host.team_review_version == 2, what="the host to hear v2")
        assert host.team_review is not None and host.team_review.weight_gmv == 80
        # a save over a version already replaced is refused and names the current one
        with pytest.raises(StaleVersionError) as caught:
            await host.adapter.set_team_review(1, GOOD)
        assert caught.value.status == 409 and caught.value.current.version == 2
        # a reloaded room reads the saved values when it loads
        again = LiveRoom(PlatformClient(srv.url, srv.room, srv.tokens["reviewer"], role="reviewer"))
        again.start()
        try:
            await again.wait_loaded()
            assert again.team_review_version == 2 and again.team_review == host.team_review
            with pytest.raises(PlatformError):  # a reviewer's console refuses before sending
                await again.save_team_review(wanted)
        finally:
            await again.stop()
            await again.adapter.close()
    finally:
        for room in (host, mate):
            await room.stop()
            await room.adapter.close()
