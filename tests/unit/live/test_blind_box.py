"""The blind box (盲盒): the pool's canonical encoding, the commitment over seed and pool, the
prize function (hand-checked vectors), the console's draw, and verification that fails when the
pool was changed after the start."""

from __future__ import annotations

import hashlib

import pytest

from app.live import blind_box
from app.live.lottery_verify import verify
from app.platform import models as m
from app.platform.errors import PlatformError
from tests.unit.live.test_console_lottery import SEED, _Feed, _setup, _spec


def _pool(mode: str = "counts", **prizes: int) -> m.PrizePool:
    items = prizes or {"口红": 1, "贴纸": 2}
    return m.PrizePool.model_validate(
        {"mode": mode, "prizes": [{"name": k, "n": v} for k, v in items.items()]}
    )


def test_the_pool_encoding_is_canonical_json_in_the_pools_order() -> None:
    assert blind_box.pool_bytes(_pool()) == (
        '{"mode":"counts","prizes":[{"n":1,"name":"口红"},{"n":2,"name":"贴纸"}]}'.encode()
    )
    # the commitment covers seed and pool: sha256(seed + pool_bytes), checked by hand
    assert blind_box.commitment_of(SEED, _pool()) == (
        "bbd567693e96a604fc94b5fd39d73de2350a1adfc4eebbdc7d87bd6d6ca5c567"
    )
    assert blind_box.commitment_of(SEED, _pool()) != hashlib.sha256(SEED).hexdigest()
    # another order, count or mode is another pool, so another commitment
    others = [_pool(**{"贴纸": 2, "口红": 1}), _pool(**{"口红": 1, "贴纸": 3}), _pool("weights")]
    assert len({blind_box.commitment_of(SEED, p) for p in [_pool(), *others]}) == 4


def test_prizes_by_hand_for_counts_and_weights() -> None:
    # h_i = sha256(SEED + b"prize" + i as 4 bytes): h0 % 3 = 2, h1 % 2 = 1, h1 % 3 = 0, h2 % 3 = 0
    # counts [口红 1, 贴纸 2]: r=2 → 贴纸 (left 1,1); r=1 → 贴纸 (left 1,0); r=0 → 口红
    assert blind_box.recompute_prizes(SEED, _pool(), 3) == ["贴纸", "贴纸", "口红"]
    # weights [口红 1, 贴纸 2], with replacement: r=2 → 贴纸; r=0 → 口红; r=0 → 口红
    assert blind_box.recompute_prizes(SEED, _pool("weights"), 3) == ["贴纸", "口红", "口红"]
    # counts never give a prize more often than it exists
    many = blind_box.recompute_prizes(SEED, _pool(**{"a": 3, "b": 5, "c": 1}), 9)
    assert sorted(many) == sorted(["a"] * 3 + ["b"] * 5 + ["c"])


def test_a_pool_too_small_or_with_duplicate_names_is_refused_at_the_start() -> None:
    _, lots, _, _ = _setup()
    with pytest.raises(PlatformError) as e:
        lots.open(_spec(winners=4), manual=True, pool=_pool())
    assert "3" in e.value.message and "4" in e.value.message
    dup = m.PrizePool.model_validate(
        {"mode": "weights", "prizes": [{"name": "a", "n": 1}, {"name": "a", "n": 2}]}
    )
    assert blind_box.pool_problem(dup, 1)
    assert blind_box.pool_problem(_pool("weights"), 100) is None  # weights never run out


def test_the_console_draws_a_blind_box_that_verifies_and_a_tampered_pool_fails() -> None:
    room, lots, clock, _ = _setup()
    lot = lots.open(_spec(winners=3), manual=True, pool=_pool())
    assert lot.commitment == blind_box.commitment_of(SEED, _pool()) and lot.pool == _pool()
    feed = _Feed(room, clock)
    for i in range(6):
        feed.comment(f"u{i}", "福袋")
    drawn = lots.draw(lot.id)
    assert drawn.winner_prizes == blind_box.recompute_prizes(SEED, _pool(), 3)
    assert len(drawn.winner_prizes or []) == len(drawn.winner_ids or []) == 3
    v = room.verify_lottery(lot.id)
    assert v is not None and v.ok and v.prizes_ok, v
    # the pool shown at the draw differs from the one committed at the start: fails
    swapped = drawn.model_copy(update={"pool": _pool(**{"口红": 2, "贴纸": 1})})
    bad = verify(swapped, lot.commitment)
    assert bad.failed and not bad.commitment_ok
    # announced prizes that the seed does not give: fails
    lied = drawn.model_copy(update={"winner_prizes": ["口红", "口红", "口红"]})
    bad = verify(lied, lot.commitment)
    assert bad.failed and not bad.prizes_ok and bad.commitment_ok
