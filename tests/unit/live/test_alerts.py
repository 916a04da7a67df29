"""Alert rules on synthetic histories: they fire when they should, once, and re-arm on clearing."""

from __future__ import annotations

from app.live.alerts import AlertBook, AlertConfig, AlertKind, evaluate
from app.live.metrics import MetricsHistory, Sample
from app.platform import models as m


def _history(online: list[int], start: float = 0.0) -> MetricsHistory:
    h = MetricsHistory()
    for i, n in enumerate(online):
        h.add(Sample(ts=start + i, online=n))
    return h


def _product(pid: str, stock: int, listed: bool = True) -> m.Product:
    return m.Product(id=pid, title=f"商品{pid}", price_cents=100, stock=stock, listed=listed)


def test_online_drop_of_20_percent_within_2_minutes_fires() -> None:
    cfg = AlertConfig()
    steady = _history([1000] * 120 + [850] * 10)  # -15 %: not yet
    assert "online_drop" not in evaluate(steady, [], cfg)
    dropped = _history([1000] * 120 + [790] * 10)  # -21 %
    alert = evaluate(dropped, [], cfg)["online_drop"]
    assert alert.kind is AlertKind.ONLINE_DROP and alert.params["percent"] == 21
    slow = _history([1000 - i * 2 for i in range(300)])  # -40 % over 5 min, ~-24 % per 2 min
    assert "online_drop" in evaluate(slow, [], cfg)
    very_slow = _history([1000 - i for i in range(300)])  # -12 % per 2 min: a slow fade
    assert "online_drop" not in evaluate(very_slow, [], cfg)


def test_a_tiny_room_does_not_alarm_on_a_few_viewers_leaving() -> None:
    assert evaluate(_history([10] * 60 + [5] * 5), [], AlertConfig()) == {}


def test_stock_below_threshold_and_sold_out_per_product() -> None:
    cfg = AlertConfig(stock_thresholds={"p2": 50})
    found = evaluate(
        _history([0]),
        [
            _product("p1", 9),
            _product("p2", 40),
            _product("p3", 10),
            _product("p4", 0),
            _product("p5", 0, listed=False),
        ],
        cfg,
    )
    assert set(found) == {"low_stock:p1", "low_stock:p2", "sold_out:p4"}
    assert found["sold_out:p4"].level == "critical"
    assert found["low_stock:p2"].params["threshold"] == 50


def test_comment_rate_collapse_against_its_5_minute_average() -> None:
    cfg = AlertConfig()
    h = MetricsHistory()
    comments = 0
    for t in range(361):
        comments += 2 if t <= 300 else 0  # 120/min for 5 min, then silence
        h.add(Sample(ts=float(t), comments=comments))
    alert = evaluate(h, [], cfg)["comment_collapse"]
    baseline = alert.params["baseline"]
    assert alert.params["rate"] == 0 and isinstance(baseline, float) and baseline > 36
    steady = MetricsHistory()
    for t in range(361):
        steady.add(Sample(ts=float(t), comments=2 * t))
    assert "comment_collapse" not in evaluate(steady, [], cfg)
    young = MetricsHistory()  # 1 minute of history: too early to judge
    for t in range(61):
        young.add(Sample(ts=float(t), comments=0 if t > 30 else 5 * t))
    assert "comment_collapse" not in evaluate(young, [], cfg)


def test_frames_dropped_hook() -> None:
    cfg = AlertConfig()
    assert "frames_dropped" in evaluate(_history([0]), [], cfg, dropped_frames_ratio=0.08)
    assert "frames_dropped" not in evaluate(_history([0]), [], cfg, dropped_frames_ratio=0.01)
    assert "frames_dropped" not in evaluate(_history([0]), [], cfg)


def test_an_alert_fires_once_stays_dismissed_and_re_fires_only_after_clearing() -> None:
    book = AlertBook()
    low = [_product("p1", 3)]
    ok = [_product("p1", 30)]
    fired, _ = book.update(_history([0]), low)
    assert [a.key for a in fired] == ["low_stock:p1"]
    assert [a.key for a in book.visible] == ["low_stock:p1"]
    fired, _ = book.update(_history([0]), low)
    assert fired == []  # still true: not again
    book.dismiss("low_stock:p1")
    assert book.visible == []
    fired, _ = book.update(_history([0]), low)
    assert fired == [] and book.visible == []  # dismissed stays dismissed while it holds
    fired, cleared = book.update(_history([0]), ok)
    assert fired == [] and cleared == ["low_stock:p1"]
    fired, _ = book.update(_history([0]), low)
    assert [a.key for a in fired] == ["low_stock:p1"] and len(book.visible) == 1


def test_visible_alerts_put_critical_first() -> None:
    book = AlertBook()
    book.update(_history([1000] * 100 + [500]), [_product("p1", 3)])
    assert [a.kind for a in book.visible] == [AlertKind.ONLINE_DROP, AlertKind.LOW_STOCK]
