"""Reconnect backoff: waits grow, never exceed the cap, are spread by jitter, and reset."""

from __future__ import annotations

import random

import pytest

from app.platform.backoff import Backoff


def test_ceiling_grows_exponentially_then_stays_at_the_cap() -> None:
    b = Backoff(base=0.2, cap=5.0, factor=2.0)
    assert [b.ceiling(n) for n in range(1, 8)] == pytest.approx([0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0])
    assert b.ceiling(10_000) == 5.0  # a night-long outage neither overflows nor exceeds the cap


def test_full_jitter_stays_within_zero_and_the_ceiling() -> None:
    b = Backoff(base=0.2, cap=5.0, rng=random.Random(7))
    for _ in range(2000):
        attempt = b.attempt + 1
        delay = b.next_delay()
        assert 0.0 <= delay <= b.ceiling(attempt) <= 5.0
        if b.attempt > 30:
            b.reset()


def test_jitter_spreads_reconnects_of_many_clients() -> None:
    # 200 consoles that lost the same server do not all come back at the same instant
    delays = [Backoff(rng=random.Random(i)).next_delay() for i in range(200)] + [
        Backoff(rng=random.Random(1000 + i), attempt=5).next_delay() for i in range(200)
    ]
    first, late = delays[:200], delays[200:]
    assert len({round(d, 4) for d in first}) > 150
    assert max(first) <= 0.2 and min(first) >= 0.0
    assert max(late) <= 5.0 and max(late) - min(late) > 3.0  # spread over most of [0, cap]


def test_without_jitter_the_delay_is_the_ceiling_and_reset_starts_over() -> None:
    b = Backoff(base=0.5, cap=2.0, jitter=False)
    assert [b.next_delay() for _ in range(4)] == [0.5, 1.0, 2.0, 2.0]
    assert b.attempt == 4
    b.reset()
    assert b.next_delay() == 0.5


@pytest.mark.parametrize("kwargs", [{"base": 0}, {"cap": -1}, {"factor": 0.5}])
def test_nonsense_settings_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        Backoff(**kwargs)  # type: ignore[arg-type]
