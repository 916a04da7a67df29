"""The lottery's winners are a pure, documented function of (seed, participants, winners)."""

from __future__ import annotations

import hashlib

from plugins.sandbox.lottery import (
    commitment,
    draw_winners,
    keyword_matches,
    participants_digest,
)


def reference(seed: bytes, ids: list[str], winners: int) -> list[str]:
    pool = sorted(ids)
    chosen = []
    for i in range(min(winners, len(pool))):
        h = hashlib.sha256(seed + i.to_bytes(4, "big")).digest()
        chosen.append(pool.pop(int.from_bytes(h, "big") % len(pool)))
    return chosen


def test_same_inputs_same_winners_regardless_of_order() -> None:
    seed = bytes(range(32))
    ids = [f"u{i}" for i in range(50)]
    a = draw_winners(seed, ids, 5)
    b = draw_winners(seed, list(reversed(ids)), 5)
    assert a == b == reference(seed, ids, 5)
    assert len(set(a)) == 5 and set(a) <= set(ids)


def test_different_seed_changes_winners() -> None:
    ids = [f"u{i}" for i in range(200)]
    assert draw_winners(b"\x01" * 32, ids, 3) != draw_winners(b"\x02" * 32, ids, 3)


def test_more_winners_than_participants_takes_everyone_once() -> None:
    ids = ["b", "a", "c"]
    assert sorted(draw_winners(b"s" * 32, ids, 10)) == ["a", "b", "c"]
    assert draw_winners(b"s" * 32, [], 3) == []


def test_digest_and_commitment_are_the_documented_hashes() -> None:
    seed = b"\x07" * 32
    assert commitment(seed) == hashlib.sha256(seed).hexdigest()
    assert participants_digest(["u2", "u10", "u1"]) == hashlib.sha256(b"u1\nu10\nu2").hexdigest()


def test_keyword_is_a_substring_after_strip() -> None:
    assert keyword_matches("抽奖", "  我要抽奖！ ")
    assert keyword_matches(" 666 ", "6666")
    assert not keyword_matches("抽奖", "抽 奖")
    assert not keyword_matches("  ", "anything")
