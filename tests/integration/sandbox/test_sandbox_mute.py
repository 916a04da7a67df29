"""Timed mutes and unmute on the real sandbox (issue 20): durations (seconds, 本场, 永久) and their
bounds, ``DELETE /users/{id}/mute`` (idempotent, operators only), the ``user_unmuted`` event
for each way a mute ends (lifted, expired, its session over), and the snapshot's details."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from app.platform.models import Snapshot, parse_event

DEADLINE = 30.0  # a busy machine: waits are for events, with generous deadlines


def err(r: httpx.Response) -> dict[str, Any]:
    return dict(r.json()["error"])


def says(srv: Any, user_id: str, text: str = "还能说话吗") -> httpx.Response:
    body = {"user_id": user_id, "nickname": user_id, "text": text}
    return srv.client().post("/_debug/viewer-comment", json=body)


def events(srv: Any, after: int, etype: str) -> list[dict[str, Any]]:
    found = [e for e in srv.read_events(after) if e["type"] == etype]
    for e in found:
        parse_event(e)  # the console's model accepts what the platform sends
    return found


@pytest.fixture
def srv(sandbox_server: Any) -> Any:
    return sandbox_server(debug_routes=True, live=True)


def test_unmute_lifts_a_mute_once_and_is_idempotent(srv: Any) -> None:
    c = srv.client("assistant")
    r = c.post("/users/u7/mute", json={"seconds": 300, "nickname": "小七"})
    assert r.status_code == 200, r.text
    assert r.json()["until_ts"] == pytest.approx(time.time() + 300, abs=DEADLINE)
    assert says(srv, "u7").status_code == 409
    before = srv.last_seq()
    r = c.delete("/users/u7/mute")
    assert r.status_code == 200 and r.json() == {"user_id": "u7", "unmuted": True}
    assert says(srv, "u7").status_code == 200  # the viewer can comment again
    (ev,) = events(srv, before, "user_unmuted")
    assert ev["data"]["user_id"] == "u7" and ev["data"]["nickname"] == "小七"
    assert ev["data"]["reason"] == "operator" and ev["data"]["actor"]["role"] == "assistant"
    # again, and for a user never muted: 200, nothing happens, no event
    seq = srv.last_seq()
    assert c.delete("/users/u7/mute").json() == {"user_id": "u7", "unmuted": False}
    assert c.delete("/users/nobody/mute").json() == {"user_id": "nobody", "unmuted": False}
    assert srv.last_seq() == seq
    # a repeat with the same Idempotency-Key replays the first answer
    c.post("/users/u8/mute", json={"nickname": "小八"})
    h = {"Idempotency-Key": "k-unmute-u8"}
    first = c.delete("/users/u8/mute", headers=h)
    again = c.delete("/users/u8/mute", headers=h)
    assert first.json()["unmuted"] is True and again.json()["unmuted"] is True
    assert again.headers.get("Idempotent-Replayed") == "true"


def test_unmute_roles_and_bounds(srv: Any) -> None:
    srv.client().post("/users/u1/mute")
    r = srv.client("reviewer").delete("/users/u1/mute")
    assert r.status_code == 403 and err(r)["code"] == "forbidden"
    r = httpx.delete(srv.api("/users/u1/mute"))
    assert r.status_code == 401 and err(r)["code"] == "unauthorized"
    assert srv.client().get("/snapshot").json()["muted_users"][0]["user_id"] == "u1"
    r = srv.client().delete(f"/users/{'u' * 129}/mute")
    assert r.status_code == 422 and err(r)["code"] == "invalid_value"
    assert srv.client().delete("/users/bad%20id/mute").status_code == 422
    assert srv.client("assistant").delete("/users/u1/mute").json()["unmuted"] is True


def test_mute_durations_and_their_bounds(srv: Any) -> None:
    c = srv.client()
    for bad, field in (
        ({"seconds": 0}, "seconds"),
        ({"seconds": 30 * 86400 + 1}, "seconds"),
        ({"seconds": 1.5}, "seconds"),
        ({"until_session_end": "yes"}, "until_session_end"),
        ({"seconds": 60, "until_session_end": True}, "until_session_end"),
    ):
        r = c.post("/users/u1/mute", json=bad)
        assert r.status_code == 422 and err(r)["field"] == field, (bad, r.text)
    assert srv.last_seq() == 1  # only the session's start: nothing refused left a trace
    before = srv.last_seq()
    assert c.post("/users/u1/mute", json={"seconds": 300, "nickname": "一"}).status_code == 200
    assert c.post("/users/u2/mute", json={"until_session_end": True, "nickname": "二"}).is_success
    assert c.post("/users/u3/mute", json={"nickname": "三"}).status_code == 200  # 永久
    muted = events(srv, before, "user_muted")
    session_id = srv.client().get("/snapshot").json()["session"]["id"]
    assert [(e["data"]["seconds"], e["data"]["session_id"]) for e in muted] == [
        (300, None),
        (None, session_id),
        (None, None),
    ]
    snap = Snapshot.model_validate(c.get("/snapshot").json())
    by_user = {mu.user_id: mu for mu in snap.muted_users}
    assert by_user["u1"].nickname == "一" and by_user["u1"].until_ts is not None
    assert by_user["u2"].session_id == session_id and by_user["u2"].until_ts is None
    assert by_user["u3"].session_id is None and by_user["u3"].until_ts is None
    assert all(mu.actor is not None and mu.actor.role == "host" for mu in by_user.values())

    # the session ends: the 本场 mute ends with it (user_unmuted, reason session_ended); the
    # timed and the permanent ones stay
    seq = srv.last_seq()
    assert c.post(f"/sessions/{session_id}/end").status_code == 200
    (lifted,) = events(srv, seq, "user_unmuted")
    assert lifted["data"]["user_id"] == "u2" and lifted["data"]["reason"] == "session_ended"
    assert "actor" not in lifted["data"]
    left = {mu["user_id"] for mu in c.get("/snapshot").json()["muted_users"]}
    assert left == {"u1", "u3"}
    # 本场 without a live session is refused, with nothing changed
    seq = srv.last_seq()
    r = c.post("/users/u4/mute", json={"until_session_end": True})
    assert r.status_code == 409 and err(r)["code"] == "not_live"
    assert srv.last_seq() == seq


def test_a_timed_mute_expires_by_itself_and_says_so(srv: Any) -> None:
    c = srv.client()
    before = srv.last_seq()
    assert c.post("/users/u5/mute", json={"seconds": 1, "nickname": "五"}).status_code == 200
    assert says(srv, "u5").status_code == 409
    deadline = time.monotonic() + DEADLINE
    while not events(srv, before, "user_unmuted"):
        assert time.monotonic() < deadline, "no user_unmuted after the mute's end"
        time.sleep(0.1)
    (ev,) = events(srv, before, "user_unmuted")
    assert ev["data"] == {"user_id": "u5", "nickname": "五", "reason": "expired"}
    assert says(srv, "u5").status_code == 200
    assert c.get("/snapshot").json()["muted_users"] == []


def test_mutes_and_their_details_survive_a_restart(sandbox_server: Any) -> None:
    srv = sandbox_server(live=True)
    srv.client().post("/users/u6/mute", json={"nickname": "六"})
    srv.restart()
    (mu,) = srv.client().get("/snapshot").json()["muted_users"]
    assert mu["user_id"] == "u6" and mu["nickname"] == "六" and mu["until_ts"] is None
    assert srv.client().delete("/users/u6/mute").json()["unmuted"] is True
