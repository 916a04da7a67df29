"""The interaction rate (app/live/interaction.py) and its drop alert (app/live/alerts.py) on a
MetricsHistory fed second by second: it fires on a drop against the previous N minutes, not
before both spans are in the history, not off-air, and the thresholds come from the settings."""

from __future__ import annotations

import pytest

from app.live.alerts import AlertBook, AlertConfig, AlertKind, config_from, evaluate, problems
from app.live.interaction import interaction_rate
from app.live.metrics import HISTORY_SECONDS, CarriedCount, MetricsHistory, Sample
from app.settings import AlertSettings

T0 = 1_000.0


def history(per_min: list[int], online: int = 100) -> MetricsHistory:
    """One sample a second; each minute adds ``per_min[i]`` interactions (comments, likes and
    gifts in the ratio 3 : 5 : 2), spread evenly over its seconds."""
    h = MetricsHistory()
    total = 0.0
    h.add(Sample(ts=T0, online=online))
    for minute, n in enumerate(per_min):
        for sec in range(1, 61):
            total += n / 60
            t = int(total)
            h.add(
                Sample(
                    ts=T0 + minute * 60 + sec,
                    online=online,
                    comments=t * 3 // 10,
                    likes=t * 5 // 10,
                    gifts=t - t * 3 // 10 - t * 5 // 10,
                )
            )
    return h


def test_the_rate_is_interactions_per_viewer_per_minute() -> None:
    assert interaction_rate(600, 100, 2.0) == 3.0
    assert interaction_rate(600, 0, 2.0) == 0.0  # nobody online: nothing to judge
    assert interaction_rate(0, 100, 2.0) == 0.0
    h = history([300] * 6)  # 300 a minute among 100 viewers
    assert h.interaction_rate(60) == pytest.approx(3.0, abs=0.02)
    assert h.interaction_rate(300, before=60) == pytest.approx(3.0, abs=0.02)
    assert h.interaction_rate(600) is None  # the history does not reach back that far


def test_fires_on_a_drop_of_ten_percent_against_the_previous_five_minutes() -> None:
    cfg = AlertConfig()  # −10 % against the previous 5 minutes, a 1-minute window
    steady = evaluate(history([300] * 6), [], cfg)
    assert "interaction_drop" not in steady
    slight = evaluate(history([300] * 5 + [280]), [], cfg)  # −6.7 %: not yet
    assert "interaction_drop" not in slight
    alert = evaluate(history([300] * 5 + [250]), [], cfg)["interaction_drop"]  # −16.7 %
    assert alert.kind is AlertKind.INTERACTION_DROP and alert.level == "warning"
    assert alert.params["percent"] == 17 and alert.params["minutes"] == 5
    assert alert.params["baseline"] == "3.00" and alert.params["rate"] == "2.50"


def test_nothing_is_judged_before_the_window_fills() -> None:
    cfg = AlertConfig()
    # 5 minutes of history, the last one silent: the baseline (5 min) and the window (1 min)
    # after it need 6
    h = history([300] * 4 + [0])
    assert h.latest is not None and h.latest.ts - T0 == 300
    assert "interaction_drop" not in evaluate(h, [], cfg)
    # the same collapse one minute later, once both spans are in, fires
    assert "interaction_drop" in evaluate(history([300] * 5 + [0]), [], cfg)


def test_not_while_off_air_and_cleared_when_the_session_ends() -> None:
    book = AlertBook()
    h = history([300] * 5 + [100])
    fired, _ = book.update(h, [], live=False)
    assert fired == []
    fired, _ = book.update(h, [], live=True)
    assert [a.key for a in fired] == ["interaction_drop"]
    fired, cleared = book.update(h, [], live=False)  # 下播: the audience leaving is expected
    assert fired == [] and cleared == ["interaction_drop"]


def test_an_almost_empty_room_is_not_judged() -> None:
    assert "interaction_drop" not in evaluate(history([30] * 5 + [0], online=5), [], AlertConfig())


def test_thresholds_come_from_the_settings() -> None:
    s = AlertSettings(interaction_drop_percent=50, interaction_baseline_minutes=2)
    cfg = config_from(s)
    assert cfg.interaction_drop_ratio == 0.5 and cfg.interaction_baseline_minutes == 2
    assert "interaction_drop" not in evaluate(history([300] * 3 + [250]), [], cfg)
    assert "interaction_drop" in evaluate(history([300] * 3 + [100]), [], cfg)
    assert config_from(AlertSettings()) == AlertConfig()  # the defaults are the rules' own


def test_settings_that_cannot_work_are_named() -> None:
    assert problems(AlertSettings()) == []
    bad = AlertSettings(comment_window_s=300, comment_baseline_s=120)
    assert any("均值时长必须长于评论速度当前窗口" in p for p in problems(bad))
    long = AlertSettings(interaction_baseline_minutes=14, interaction_window_s=120)
    assert 14 * 60 + 120 > HISTORY_SECONDS
    assert any(f"{HISTORY_SECONDS // 60} 分钟" in p for p in problems(long))


def test_gifts_counted_by_the_console_survive_a_snapshot_that_resets_them() -> None:
    # a reconnect's snapshot from a platform that does not count gifts sets the room's count
    # back to 0; the tracker carries what it had, so the rate sees no interactions vanish
    count = CarriedCount()
    assert [count(v) for v in (0, 5, 40, 0, 3, 9)] == [0, 5, 40, 40, 43, 49]
    count.reset()  # a new session starts from nothing
    assert count(2) == 2


def test_the_shown_rate_reads_the_first_minute_as_it_fills() -> None:
    """The 互动率 tile in a show's first minute: the rate over the seconds there are (not 0.00
    while the chat flows), from a few seconds on; the drop alert still waits for full windows."""
    full = history([300])  # 300 interactions a minute among 100 viewers: 3.0
    first = MetricsHistory()
    for s in list(full.samples)[:31]:  # the first 30 s
        first.add(s)
    assert first.interaction_rate(60) is None  # not judged yet
    assert first.shown_interaction_rate() == pytest.approx(3.0, abs=0.15)
    just = MetricsHistory()
    for s in list(full.samples)[:3]:  # 2 s: too little to say anything
        just.add(s)
    assert just.shown_interaction_rate() == 0.0
    assert full.shown_interaction_rate() == full.interaction_rate(60)
