"""Live metrics: 1 Hz history, rates, derived values, distinct buyers, money text."""

from __future__ import annotations

from typing import Any

from app.format import money
from app.live.metrics import MetricsHistory, MetricsTracker, Sample
from app.live.room import LiveRoom
from app.platform import models as m
from app.platform.connection import ConnectionTracker


class _NoAdapter:
    room = "r1"
    role = m.Role.HOST
    connection = ConnectionTracker()


def _ev(seq: int, type_: str, data: dict[str, Any]) -> m.Event:
    return m.parse_event({"seq": seq, "ts": 1000.0 + seq, "type": type_, "data": data})


def _order(oid: str, user: str, cents: int, status: str = "created") -> dict[str, Any]:
    return {
        "order": {
            "id": oid,
            "user_id": user,
            "nickname": f"买家{user}",
            "product_id": "p1",
            "quantity": 1,
            "unit_price_cents": cents,
            "amount_cents": cents,
            "status": status,
            "created_ts": 2000.0,
        }
    }


def test_money_is_yuan_with_thousands_and_two_decimals() -> None:
    assert money(1234567) == "¥12,345.67"
    assert money(5) == "¥0.05"
    assert money(0) == "¥0.00"
    assert money(-150) == "-¥1.50"


def test_derived_values_conversion_uv_value_and_average_order() -> None:
    s = Sample(ts=0, uv=200, buyers=10, orders=20, gmv_cents=100_000)
    assert s.conversion == 0.05
    assert s.uv_value_cents == 500
    assert s.avg_order_cents == 5000
    empty = Sample(ts=0)
    assert empty.conversion == 0 and empty.uv_value_cents == 0 and empty.avg_order_cents == 0


def test_comment_rate_per_minute_over_the_trailing_window() -> None:
    h = MetricsHistory()
    for t in range(181):  # 3 minutes: 2 comments/s, then the last minute 0.5/s
        comments = 2 * t if t <= 120 else 240 + (t - 120) // 2
        h.add(Sample(ts=float(t), comments=comments))
    assert h.rate_per_min(lambda s: s.comments, 60) == 30.0
    assert h.rate_per_min(lambda s: s.comments, 180) == (270 * 60) / 180
    rates = h.rates(lambda s: s.comments, seconds=600, window=60)
    assert rates[60][1] == 120.0  # at t=60: 120 comments in the minute before
    assert rates[-1] == (180.0, 30.0)


def test_history_is_bounded_and_ignores_samples_from_the_past() -> None:
    h = MetricsHistory(seconds=10)
    for t in range(50):
        h.add(Sample(ts=float(t), online=t))
    h.add(Sample(ts=3.0, online=999))
    assert len(h) == 11 and h.latest is not None and h.latest.online == 49
    assert [s.ts for s in h.since(3)] == [46.0, 47.0, 48.0, 49.0]


def test_tracker_counts_distinct_buyers_from_order_events_and_resets_per_session() -> None:
    room = LiveRoom(_NoAdapter())  # type: ignore[arg-type]
    room.apply_snapshot(
        m.Snapshot.model_validate({"room": "r1", "seq": 1, "bag": {"version": 1, "products": []}})
    )
    clock = iter(range(100, 200))
    tracker = MetricsTracker(room, clock=lambda: float(next(clock)))
    room.ingest(
        [
            _ev(2, "order_created", _order("o1", "u1", 1000)),
            _ev(3, "order_created", _order("o2", "u2", 3000)),
            _ev(4, "order_created", _order("o3", "u1", 2000)),  # same buyer again
            _ev(5, "order_paid", _order("o1", "u1", 1000, "paid")),
            _ev(6, "viewers", {"online": 30, "uv": 40}),
        ]
    )
    s = tracker.tick()
    assert s.buyers == 2 and s.orders == 3 and s.gmv_cents == 6000 and s.paid_gmv_cents == 1000
    assert s.conversion == 2 / 40 and s.avg_order_cents == 2000 and s.uv_value_cents == 150
    session = {"id": "s2", "status": "live", "started_ts": 3000.0}
    room.ingest([_ev(7, "session_started", {"session": session})])
    assert tracker.buyers == 0 and len(tracker.history) == 0
    tracker.close()
