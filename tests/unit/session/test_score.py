"""The replay score (app/session/score.py): the maths by hand, the history basis with several
recorded files, and the raw values read from a real recording."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.live.interaction import interaction_rate
from app.session.replay import SessionFile
from app.session.schema import SUFFIX
from app.session.score import Raw, previous, raw_of, read_raw, score, score_all, score_file
from app.settings import ReviewSettings
from tests.support.scored_sessions import recording
from tests.support.session_files import T0, valid


def raw(name: str, ts: float, gmv: int, conv: float, inter: float) -> Raw:
    return Raw(Path(name), ts, gmv, conv, inter)


def parts(sc: object) -> dict[str, tuple[float, float, float, str]]:
    return {c.name: (c.raw, c.normalised, c.weight, c.basis) for c in sc.components}  # type: ignore[attr-defined]


def test_targets_score_by_hand() -> None:
    # targets ¥10,000 / 5 % / 1.0; weights 50 / 30 / 20
    r = raw("a", T0, 500_000, 0.04, 1.5)
    sc = score(r, [])
    assert parts(sc) == {
        "gmv": (500_000, 50.0, 50, "target"),  # ¥5,000 of ¥10,000
        "conversion": (0.04, 80.0, 30, "target"),  # 4 % of 5 %
        "interaction": (1.5, 100.0, 20, "target"),  # above target: capped at 100
    }
    assert sc.total == pytest.approx((50 * 50 + 30 * 80 + 20 * 100) / 100)  # 69.0
    assert sc.total == 69.0 and sc.history == 0


def test_weights_and_targets_are_the_teams() -> None:
    cfg = ReviewSettings(
        weight_gmv=1,
        weight_conversion=0,
        weight_interaction=3,
        target_gmv_cents=200_000,
        target_interaction=2.0,
    )
    sc = score(raw("a", T0, 100_000, 0.5, 0.5), [], cfg)
    # gmv 50 (weight 1), interaction 25 (weight 3), conversion ignored (weight 0)
    assert sc.total == round((50 + 3 * 25) / 4, 1)  # 31.25, one decimal
    with pytest.raises(ValueError):
        ReviewSettings(weight_gmv=0, weight_conversion=0, weight_interaction=0)


def test_history_median_twice_is_full_marks() -> None:
    hist = [
        raw("h1", T0 + 1, 100_000, 0.02, 0.4),
        raw("h2", T0 + 2, 300_000, 0.04, 0.6),
        raw("h3", T0 + 3, 200_000, 0.03, 0.5),
    ]
    # medians: ¥2,000, 3 %, 0.5 → targets ¥4,000, 6 %, 1.0
    r = raw("now", T0 + 10, 200_000, 0.09, 0.25)
    sc = score(r, previous(r, hist))
    assert parts(sc) == {
        "gmv": (200_000, 50.0, 50, "history"),  # the typical session scores 50
        "conversion": (0.09, 100.0, 30, "history"),  # 9 % ≥ twice the median: capped
        "interaction": (0.25, 25.0, 20, "history"),
    }
    assert sc.total == 60.0 and sc.history == 3
    # fewer than min_history previous sessions: targets
    assert {c.basis for c in score(r, hist[:2]).components} == {"target"}
    # targets only, whatever the history
    only = score(r, hist, ReviewSettings(basis="targets"))
    assert {c.basis for c in only.components} == {"target"}


def test_a_median_of_zero_falls_back_to_the_target() -> None:
    hist = [raw(f"h{i}", T0 + i, 100_000, 0.0, 0.5) for i in range(3)]
    sc = score(raw("now", T0 + 9, 100_000, 0.05, 0.5), hist)
    by = {c.name: c for c in sc.components}
    assert by["conversion"].basis == "target" and by["conversion"].normalised == 100.0
    assert by["gmv"].basis == "history" and by["gmv"].normalised == 50.0


def test_each_session_is_scored_against_the_ones_before_it_only() -> None:
    rs = [raw(f"s{i}", T0 + i, 100_000 * (i + 1), 0.01, 0.1) for i in range(5)]
    scores = score_all(rs)
    assert scores[Path("s0")].history == 0  # the first has no history: targets
    assert scores[Path("s2")].history == 2
    # s4 against s0..s3: median GMV ¥2,500 → target ¥5,000; s4 has ¥5,000
    s4 = {c.name: c for c in scores[Path("s4")].components}
    assert s4["gmv"].basis == "history" and s4["gmv"].target == 500_000
    assert s4["gmv"].normalised == 100.0


def test_raw_values_from_a_recording_follow_the_definitions(tmp_path: Path) -> None:
    path = recording(tmp_path / f"a{SUFFIX}", orders=20, started=T0, sid="a")
    r = read_raw(path)
    assert r.gmv_cents == 200_000
    assert r.conversion == pytest.approx(20 / 1000)
    # (300 comments + 500 likes + 200 gifts) ÷ 100 online ÷ 10 minutes
    assert r.interaction == pytest.approx(interaction_rate(1000, 100, 10.0)) == pytest.approx(1.0)
    with SessionFile(path) as f:
        assert raw_of(f) == r


def test_a_folders_history_scores_the_newest_against_the_earlier(tmp_path: Path) -> None:
    for i, n in enumerate((10, 30, 20)):  # ¥1,000 / ¥3,000 / ¥2,000
        recording(tmp_path / f"h{i}{SUFFIX}", orders=n, started=T0 + i * 3600, sid=f"h{i}")
    now = recording(tmp_path / f"now{SUFFIX}", orders=40, started=T0 + 5 * 3600, sid="now")
    (tmp_path / f"broken{SUFFIX}").write_bytes(b"not a session")  # left out, not an error
    with SessionFile(now) as f:
        sc = score_file(f, ReviewSettings())
    by = {c.name: c for c in sc.components}
    assert sc.history == 3
    # median ¥2,000 → 100 at ¥4,000: ¥4,000 scores 100; conversion 4 % vs 2 × 2 % → 100;
    # interaction 1.0 vs 2 × 1.0 → 50
    assert (by["gmv"].basis, by["gmv"].target, by["gmv"].normalised) == ("history", 400_000, 100)
    assert by["conversion"].normalised == 100.0
    assert by["interaction"].normalised == 50.0
    assert sc.total == (50 * 100 + 30 * 100 + 20 * 50) / 100
    # the oldest session has no history: scored against the targets
    with SessionFile(tmp_path / f"h0{SUFFIX}") as f:
        first = score_file(f, ReviewSettings())
    assert first.history == 0 and {c.basis for c in first.components} == {"target"}
    # ¥1,000 of ¥10,000, 1 % of 5 %, 1.0 of 1.0
    assert first.total == (50 * 10 + 30 * 20 + 20 * 100) / 100


def test_the_synthetic_recording_scores(tmp_path: Path) -> None:
    path = valid(tmp_path / f"v{SUFFIX}")
    with SessionFile(path) as f:
        sc = score_file(f, ReviewSettings())
    assert 0 <= sc.total <= 100
    assert [c.name for c in sc.components] == ["gmv", "conversion", "interaction"]


def test_gmv_in_another_currency_is_measured_only_against_the_same_currency() -> None:
    from app.session.score import basis_text, raw_text

    cny = [raw(f"c{i}", T0 + i, 400_000, 0.05, 1.0) for i in range(3)]
    usd = Raw(Path("u"), T0 + 10, 150_000, 0.05, 1.0, currency="USD")
    # three CNY sessions before it: conversion and interaction use them, GMV does not (never $
    # against ¥), and the CNY target does not apply either: GMV is left out of the total
    sc = score(usd, cny)
    by = {c.name: c for c in sc.components}
    assert (by["gmv"].basis, by["gmv"].weight) == ("unscored", 0.0)
    assert by["conversion"].basis == "history"
    assert sc.total == pytest.approx((30 * 50 + 20 * 50) / 50)  # the two others only
    assert raw_text("gmv", by["gmv"].raw, by["gmv"].currency) == "$1,500.00"
    assert basis_text(by["gmv"], lambda t: t) == "目标以 CNY 计，本场为 USD：不计入总分"
    # three USD sessions before it: GMV against their median, in dollars
    before = [Raw(Path(f"u{i}"), T0 + i, 100_000, 0.05, 1.0, currency="USD") for i in range(3)]
    by = {c.name: c for c in score(usd, [*cny, *before]).components}
    assert (by["gmv"].basis, by["gmv"].target, by["gmv"].normalised) == ("history", 200_000, 75)
    assert basis_text(by["gmv"], lambda t: t) == "历史中位数 ×2 = $2,000.00"


def test_gmv_deltas_of_two_currencies_are_not_computed() -> None:
    from dataclasses import replace

    from app.session.compare import kpi_deltas
    from app.session.replay import Summary
    from app.session.summary import ShowSummary

    base = Summary(Path("a"), "r", "s1", T0, T0 + 60, T0 + 60, 3, 89_00, 89_00, 5, 10, 20, 20)
    other = replace(base, session_id="s2", started_ts=T0 + 100, gmv_cents=120_00, currency="USD")

    def show(s: Summary) -> ShowSummary:
        return ShowSummary(s, paid_orders=3, refunded_orders=0, buyers=3, uv=10)

    gmv = next(d for d in kpi_deltas(show(base), show(other)) if d.key == "gmv")
    assert not gmv.comparable  # ¥89.00 and $120.00: shown side by side, never subtracted
    same = next(d for d in kpi_deltas(show(base), show(base)) if d.key == "gmv")
    assert same.comparable
