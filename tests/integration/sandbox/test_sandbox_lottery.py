"""The verifiable lottery, recomputed independently from the event log alone."""

from __future__ import annotations

import asyncio
import hashlib
import time
from typing import Any

import httpx

from app.live.room import LiveRoom
from app.platform import models as m
from app.platform.client import PlatformClient
from tests.support.polling import until


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


# --- the console's check against a platform that cheats (D7) -----------------------------------
async def _room(srv: Any) -> LiveRoom:
    room = LiveRoom(PlatformClient(srv.url, srv.room, srv.tokens["host"], role="host"))
    room.start()
    await asyncio.wait_for(room.wait_loaded(), 30)
    await until(lambda: room.online, 30, "the event stream to connect")
    return room


async def _run_lottery(
    srv: Any, room: LiveRoom, http: httpx.AsyncClient, keyword: str, *, cheat: bool
) -> str:
    lot = await room.start_lottery(
        m.LotterySpec(prize="保温杯", keyword=keyword, winners=2, duration_seconds=2)
    )
    for i in range(6):
        uid = f"v{keyword.encode().hex()[:12]}-{i}"  # a platform user id is ASCII
        body = {"user_id": uid, "nickname": f"观众{i}", "text": keyword}
        (await http.post("/_debug/viewer-comment", json=body)).raise_for_status()
    await until(lambda: time.time() > lot.ends_ts + 0.2, 20, "the lottery window to close")
    if cheat:  # a seed picked now, with a matching new commitment sent with the draw
        r = await http.post(f"/_debug/lotteries/{lot.id}/cheat-draw")
        assert r.status_code == 200, r.text
        assert r.json()["commitment"] != lot.commitment
    else:
        await room.draw_lottery(lot.id)
    await until(
        lambda: getattr(room.lotteries.get(lot.id), "status", None) == "drawn",
        30,
        "the draw to reach the console",
    )
    return lot.id


async def test_the_console_catches_a_seed_chosen_after_the_entrants(sandbox_server: Any) -> None:
    srv = sandbox_server(debug_routes=True)
    room = await _room(srv)
    late: LiveRoom | None = None
    try:
        async with httpx.AsyncClient(base_url=srv.api(), headers=srv.headers(), timeout=30) as h:
            honest = await _run_lottery(srv, room, h, "好运", cheat=False)
            cheat = await _run_lottery(srv, room, h, "福袋", cheat=True)
        ok = room.verify_lottery(honest)
        assert ok is not None and ok.ok and not ok.failed
        bad = room.verify_lottery(cheat)
        assert bad is not None and bad.failed and bad.commitment_changed
        # the draw is consistent with itself; only the commitment seen at start exposes it
        drawn = room.lotteries[cheat]
        assert hashlib.sha256(bytes.fromhex(drawn.seed or "")).hexdigest() == drawn.commitment
        assert bad.digest_ok and bad.winners_ok and not bad.commitment_ok

        # a console that connects after the draw never saw the start: it cannot vouch for it
        late = await _room(srv)
        unseen = late.verify_lottery(honest)
        assert unseen is not None and unseen.failed
        assert unseen.problem == "未见到开始时的承诺，无法验证"
    finally:
        for r in (room, late):
            if r is not None:
                await r.stop()
                await r.adapter.close()


async def test_a_cheat_draw_that_is_refused_changes_nothing(sandbox_server: Any) -> None:
    srv = sandbox_server(debug_routes=True)
    c = srv.client()
    lot = c.post(
        "/lotteries",
        json={"prize": "杯", "keyword": "抽", "winners": 1, "duration_seconds": 600},
    ).json()
    r = c.post(f"/_debug/lotteries/{lot['id']}/cheat-draw")
    assert r.status_code == 409 and r.json()["error"]["code"] == "lottery_open"
    assert c.get(f"/lotteries/{lot['id']}").json()["commitment"] == lot["commitment"]
    assert c.post("/_debug/lotteries/nope/cheat-draw").status_code == 404
