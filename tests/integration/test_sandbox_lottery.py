"""The verifiable lottery, recomputed independently from the event log alone."""

from __future__ import annotations

import hashlib
import time
from typing import Any


def recompute(events: list[dict[str, Any]], lottery_id: str) -> tuple[list[str], list[str], str]:
    """Participants, winners and digest from the log, following docs/platform-api.md only."""
    started = next(
        e
        for e in events
        if e["type"] == "lottery_started" and e["data"]["lottery"]["id"] == lottery_id
    )
    drawn = next(
        e
        for e in events
        if e["type"] == "lottery_drawn" and e["data"]["lottery"]["id"] == lottery_id
    )
    lot, result = started["data"]["lottery"], drawn["data"]["lottery"]
    keyword = lot["keyword"].strip()
    participants: set[str] = set()
    for e in events:
        if not started["seq"] < e["seq"] < drawn["seq"]:
            continue
        if e["type"] == "user_muted":
            participants.discard(e["data"]["user_id"])
        if e["type"] != "comment":
            continue
        c = e["data"]["comment"]
        if c["role"] != "viewer" or not (lot["starts_ts"] <= c["ts"] <= lot["ends_ts"]):
            continue
        if keyword not in c["text"].strip():
            continue
        if lot["eligibility"] == "followers" and not c["is_follower"]:
            continue
        participants.add(c["user_id"])
    seed = bytes.fromhex(result["seed"])
    assert hashlib.sha256(seed).hexdigest() == lot["commitment"]
    pool = sorted(participants)
    ids = list(pool)
    chosen = []
    for i in range(min(lot["winners"], len(pool))):
        h = hashlib.sha256(seed + i.to_bytes(4, "big")).digest()
        chosen.append(pool.pop(int.from_bytes(h, "big") % len(pool)))
    digest = hashlib.sha256("\n".join(ids).encode()).hexdigest()
    return ids, chosen, digest


def test_lottery_is_recomputable_from_the_log(sandbox_server: Any) -> None:
    srv = sandbox_server(debug_routes=True)
    c = srv.client()

    def say(uid: str, text: str, follower: bool = True) -> None:
        r = c.post(
            "/_debug/viewer-comment",
            json={"user_id": uid, "nickname": f"观众{uid}", "text": text, "is_follower": follower},
        )
        assert r.status_code == 200, r.text

    say("u0", "抽奖 too early")  # before the lottery: not a participant
    lot = c.post(
        "/lotteries",
        json={
            "prize": "保温杯",
            "keyword": "抽奖",
            "winners": 3,
            "duration_seconds": 8,
            "eligibility": "followers",
        },
    ).json()
    for i in range(1, 13):
        say(f"u{i}", f" 我要抽奖{i} ")
    say("u1", "抽奖抽奖")  # twice: counted once
    say("u20", "抽奖", follower=False)  # not a follower
    say("u21", "抽 奖")  # no keyword
    say("u22", "抽奖")
    c.post("/users/u22/mute", json={"seconds": 300})  # muted after entering: removed
    c.post("/comments", json={"text": "抽奖开始啦"})  # staff: excluded
    assert c.post(f"/lotteries/{lot['id']}/draw").status_code == 409
    deadline = time.monotonic() + 30
    while True:
        r = c.post(f"/lotteries/{lot['id']}/draw")
        if r.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    say("u30", "抽奖")  # after the window
    drawn = r.json()
    assert r.status_code == 200 and drawn["status"] == "drawn"
    assert c.post(f"/lotteries/{lot['id']}/draw").status_code == 409

    events = srv.read_events(0)
    ids, winners, digest = recompute(events, lot["id"])
    assert ids == [f"u{i}" for i in sorted(range(1, 13), key=str)]
    assert drawn["participant_ids"] == ids
    assert drawn["winner_ids"] == winners and len(winners) == 3
    assert drawn["participants_digest"] == digest
    assert drawn["winner_nicknames"] == [f"观众{w}" for w in winners]
    entered = [e for e in events if e["type"] == "lottery_entered"]
    assert len(entered) == 13  # u1..u12 and u22 (removed later by the mute)
    assert [e["data"]["entrants"] for e in entered][:3] == [1, 2, 3]


def test_lottery_with_a_live_audience(sandbox_server: Any) -> None:
    srv = sandbox_server(viewers=400, live=True, seed=5, extra=["--rate", "1500"])
    c = srv.client()
    lot = c.post(
        "/lotteries", json={"prize": "口红", "keyword": "好运", "winners": 2, "duration_seconds": 4}
    ).json()
    deadline = time.monotonic() + 60
    while True:
        r = c.post(f"/lotteries/{lot['id']}/draw")
        if r.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert r.status_code == 200
    drawn = r.json()
    events = srv.read_events(0)
    ids, winners, digest = recompute(events, lot["id"])
    assert drawn["participant_ids"] == ids and drawn["winner_ids"] == winners
    assert drawn["participants_digest"] == digest
    assert len(ids) >= 2, "the simulated audience enters lotteries by typing the keyword"
