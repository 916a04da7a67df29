"""The console recomputes a drawn lottery from the revealed seed: a tampered draw shows ✗.

The seed is checked against the commitment seen at the lottery's START: a platform that picks a
new seed once the entrants are known and sends a matching commitment with the draw is caught."""

from __future__ import annotations

import hashlib

from app.live.lottery_verify import recompute_winners, verify
from app.platform import models as m


def _drawn(seed: bytes, ids: list[str], winners: int, **over: object) -> m.Lottery:
    fields: dict[str, object] = {
        "id": "l1",
        "prize": "口红",
        "keyword": "福袋",
        "winners": winners,
        "duration_seconds": 60,
        "eligibility": "all",
        "commitment": hashlib.sha256(seed).hexdigest(),
        "status": "drawn",
        "starts_ts": 0.0,
        "ends_ts": 60.0,
        "seed": seed.hex(),
        "participant_ids": ids,
        "participants_digest": hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest(),
        "winner_ids": recompute_winners(seed, ids, winners),
    }
    fields.update(over)
    return m.Lottery.model_validate(fields)


def test_matches_the_sandbox_reference_implementation() -> None:
    from plugins.sandbox.lottery import draw_winners  # the server's own function, for parity

    seed = bytes(range(32))
    ids = [f"u{i}" for i in range(57)]
    assert recompute_winners(seed, ids, 5) == draw_winners(seed, ids, 5)
    assert recompute_winners(seed, list(reversed(ids)), 5) == recompute_winners(seed, ids, 5)
    assert len(recompute_winners(seed, ids[:3], 10)) == 3


def _start(seed: bytes) -> str:
    return hashlib.sha256(seed).hexdigest()


def test_an_honest_draw_verifies() -> None:
    seed = b"\x07" * 32
    v = verify(_drawn(seed, [f"u{i}" for i in range(20)], 3), _start(seed))
    assert v.ok and v.commitment_ok and v.digest_ok and v.winners_ok and len(v.recomputed) == 3
    assert not v.failed and not v.commitment_changed


def test_a_seed_chosen_after_the_entrants_with_a_matching_new_commitment_fails() -> None:
    ids = [f"u{i}" for i in range(20)]
    committed, chosen_later = b"\x07" * 32, b"\x09" * 32
    # the draw is consistent with itself: its commitment matches its seed, its winners the seed
    cheat = _drawn(chosen_later, ids, 3)
    v = verify(cheat, _start(committed))
    assert v.failed and not v.ok and not v.commitment_ok and v.commitment_changed
    assert v.digest_ok and v.winners_ok  # everything else checks out: only the start catches it


def test_no_commitment_seen_at_start_cannot_verify() -> None:
    seed = b"\x07" * 32
    v = verify(_drawn(seed, [f"u{i}" for i in range(20)], 3), None)
    assert v.failed and not v.ok and not v.start_seen
    assert v.problem == "未见到开始时的承诺，无法验证"


def test_a_swapped_seed_or_winner_or_participant_list_fails() -> None:
    seed = b"\x07" * 32
    ids = [f"u{i}" for i in range(20)]
    honest = _drawn(seed, ids, 3)
    start = _start(seed)
    assert not verify(honest.model_copy(update={"seed": (b"\x08" * 32).hex()}), start).commitment_ok
    assert not verify(
        honest.model_copy(update={"winner_ids": ["u0", "u1", "u2"]}), start
    ).winners_ok
    assert not verify(honest.model_copy(update={"participant_ids": ids[:-1]}), start).digest_ok
    assert verify(honest.model_copy(update={"seed": "zz"}), start).failed
    undrawn = verify(honest.model_copy(update={"status": "open", "seed": None}), start)
    assert undrawn.problem and not undrawn.drawn and not undrawn.failed
