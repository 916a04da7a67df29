"""The console's own lottery among commenters: the documented draw, the platform's entry rules,
the seed secret until the draw, and the room's state shaped like a platform lottery's."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from app.live.console_lottery import ConsoleLotteries
from app.live.lottery_verify import commitment_of, digest_of, recompute_winners
from app.live.room import LOTTERIES, LiveRoom
from app.platform import models as m
from app.platform.connection import ConnectionTracker
from app.platform.errors import PlatformError

SEED = bytes(range(32))


class _NoAdapter:
    room = "r1"
    role = m.Role.HOST
    connection = ConnectionTracker()


class _Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def _room() -> LiveRoom:
    room = LiveRoom(_NoAdapter())  # type: ignore[arg-type]
    room.apply_snapshot(
        m.Snapshot.model_validate({"room": "r1", "seq": 10, "bag": {"version": 1, "products": []}})
    )
    return room


def _setup() -> tuple[LiveRoom, ConsoleLotteries, _Clock, list[m.Event]]:
    room, clock = _room(), _Clock()
    local: list[m.Event] = []
    room.subscribe_local(local.extend)
    lots = ConsoleLotteries(room, clock=clock, token_bytes=lambda n: SEED[:n])
    return room, lots, clock, local


def _spec(**kw: Any) -> m.LotterySpec:
    return m.LotterySpec.model_validate(
        {"prize": "口红一支", "keyword": "福袋", "winners": 2, "duration_seconds": 60, **kw}
    )


class _Feed:
    def __init__(self, room: LiveRoom, clock: _Clock) -> None:
        self.room, self.clock = room, clock

    def comment(self, uid: str, text: str, **kw: Any) -> None:
        seq = self.room.seq + 1
        c = {"id": f"c{seq}", "user_id": uid, "nickname": f"昵称{uid}", "text": text}
        c.update({"ts": self.clock.now, **kw})
        self.room.ingest([m.parse_event({"seq": seq, "ts": self.clock.now, "type": "comment",
                                         "data": {"comment": c}})])  # fmt: skip

    def mute(self, uid: str) -> None:
        seq = self.room.seq + 1
        self.room.ingest([m.parse_event({"seq": seq, "ts": self.clock.now, "type": "user_muted",
                                         "data": {"user_id": uid, "seconds": 300}})])  # fmt: skip


def test_the_draw_is_the_documented_algorithm_and_verifies_like_a_platform_lottery() -> None:
    room, lots, clock, local = _setup()
    lot = lots.open(_spec(winners=3))
    assert lot.commitment == commitment_of(SEED) and lot.origin == "console"
    assert lot.seed is None and room.lotteries[lot.id].status == "open"
    feed = _Feed(room, clock)
    for i in range(12):
        clock.now += 1
        feed.comment(f"u{i:02d}", f"我要福袋{i}")
    clock.now = lot.ends_ts + 1
    drawn = lots.draw(lot.id)
    ids = [f"u{i:02d}" for i in range(12)]
    assert drawn.participant_ids == ids and drawn.participants_digest == digest_of(ids)
    assert drawn.winner_ids == recompute_winners(SEED, ids, 3)
    assert drawn.seed == SEED.hex() and drawn.entrants == 12
    assert drawn.winner_nicknames == [f"昵称{w}" for w in drawn.winner_ids]
    # the room's state is a platform lottery's: the panel and overlays read it, and it verifies
    assert room.lotteries[lot.id] == drawn
    v = room.verify_lottery(lot.id)
    assert v is not None and v.ok, v
    # local events only: they never moved the room's platform seq
    assert room.seq == 10 + 12
    assert [e.type for e in local][:1] == [m.EventType.LOTTERY_STARTED]
    assert local[-1].type is m.EventType.LOTTERY_DRAWN
    assert sum(e.type is m.EventType.LOTTERY_ENTERED for e in local) == 12


def test_the_seed_is_in_nothing_published_before_the_draw() -> None:
    room, lots, clock, local = _setup()
    lot = lots.open(_spec())
    feed = _Feed(room, clock)
    feed.comment("a", "福袋")
    published = b"".join(orjson.dumps(e.model_dump(mode="json")) for e in local)
    published += orjson.dumps(room.lotteries[lot.id].model_dump(mode="json"))
    assert SEED.hex().encode() not in published
    assert "SEED" not in repr(lots._open[lot.id]) and SEED.hex() not in repr(lots._open)
    clock.now = lot.ends_ts
    lots.draw(lot.id)
    assert SEED.hex() == local[-1].data.lottery.seed


def test_keyword_matching_one_entry_per_user_and_only_viewers_in_the_window() -> None:
    room, lots, clock, _ = _setup()
    lot = lots.open(_spec(keyword=" 福袋 "))
    feed = _Feed(room, clock)
    feed.comment("a", "  我要福袋  ")  # contains the stripped keyword
    feed.comment("a", "福袋福袋")  # the same user: still one entry
    feed.comment("b", "福 袋")  # does not contain it
    feed.comment("c", "福袋", role="assistant")  # operators never count
    feed.comment("d", "福袋", ts=lot.starts_ts - 5)  # written before the lottery opened
    feed.comment("e", "FUDAI 福袋")
    assert room.lotteries[lot.id].entrants == 2
    clock.now = lot.ends_ts + 0.5
    feed.comment("f", "福袋", ts=lot.ends_ts + 0.5)  # after the window
    drawn = lots.draw(lot.id)
    assert drawn.participant_ids == ["a", "e"]


def test_a_muted_user_is_out_and_only_a_new_comment_enters_again() -> None:
    room, lots, clock, _ = _setup()
    lot = lots.open(_spec())
    feed = _Feed(room, clock)
    feed.comment("a", "福袋")
    feed.comment("b", "福袋")
    assert room.lotteries[lot.id].entrants == 2
    feed.mute("a")
    assert room.lotteries[lot.id].entrants == 1, "the shown count follows the mute"
    feed.comment("a", "福袋")  # still muted at the comment's time: not in
    feed.mute("z")  # someone who never entered: nothing changes
    clock.now = lot.ends_ts
    drawn = lots.draw(lot.id)
    assert drawn.participant_ids == ["b"] and drawn.entrants == 1
    assert room.verify_lottery(lot.id).ok  # type: ignore[union-attr]


def test_followers_only_counts_followers() -> None:
    room, lots, clock, _ = _setup()
    lot = lots.open(_spec(eligibility="followers"))
    feed = _Feed(room, clock)
    feed.comment("a", "福袋", is_follower=True)
    feed.comment("b", "福袋")
    clock.now = lot.ends_ts
    assert lots.draw(lot.id).participant_ids == ["a"]


def test_no_entrants_is_a_clear_verified_result_with_no_winners() -> None:
    room, lots, clock, _ = _setup()
    lot = lots.open(_spec())
    clock.now = lot.ends_ts
    drawn = lots.draw(lot.id)
    assert drawn.status == "drawn" and drawn.entrants == 0
    assert drawn.participant_ids == [] and drawn.winner_ids == [] and drawn.winner_nicknames == []
    v = room.verify_lottery(lot.id)
    assert v is not None and v.ok


def test_a_timed_lottery_draws_after_its_window_once_and_a_manual_one_any_time() -> None:
    room, lots, clock, _ = _setup()
    timed = lots.open(_spec())
    with pytest.raises(PlatformError) as exc:
        lots.draw(timed.id)
    assert exc.value.code == "lottery_open"
    clock.now = timed.ends_ts
    lots.draw(timed.id)
    with pytest.raises(PlatformError) as exc:
        lots.draw(timed.id)
    assert exc.value.code == "lottery_drawn"
    manual = lots.open(_spec(), manual=True)
    assert manual.duration_seconds == 0 and lots.manual(manual.id)
    feed = _Feed(room, clock)
    feed.comment("a", "福袋")
    clock.now += 3
    drawn = lots.draw(manual.id)  # closes it now
    assert drawn.ends_ts == clock.now and drawn.participant_ids == ["a"]
    feed.comment("b", "福袋")  # after the draw: nothing changes
    assert room.lotteries[manual.id] == drawn


def test_a_snapshot_keeps_the_consoles_own_lotteries_and_announces_each_step() -> None:
    room, lots, clock, _ = _setup()
    changes: list[frozenset[str]] = []
    room.subscribe(changes.append)
    lot = lots.open(_spec())
    assert changes[-1] == frozenset({LOTTERIES})
    _Feed(room, clock).comment("a", "福袋")
    room.apply_snapshot(
        m.Snapshot.model_validate({"room": "r1", "seq": 40, "bag": {"version": 1, "products": []}})
    )
    assert room.lotteries[lot.id].entrants == 1 and room.lottery_commitments[lot.id]
    _Feed(room, clock).mute("a")
    assert room.lotteries[lot.id].entrants == 0, "its entrants survived the snapshot"
