"""The restricted sandbox's rules (plugins/sandbox/restrict.py), on real models: the capability
list a user types, which events such a platform would send, and what its snapshot holds."""

from __future__ import annotations

import pytest

from app.api import ALL, INTERACTION, Capability, PlatformError, models
from plugins.sandbox.restrict import (
    ENV,
    Renumbering,
    from_settings,
    keep_event,
    parse_capabilities,
    restrict_snapshot,
)
from tests.support.synth import products

BILIBILI_LIKE = INTERACTION | {Capability.LIVE_STATE, Capability.VIEWERS}


def test_a_typed_list_names_the_capabilities_and_a_typo_is_refused() -> None:
    assert parse_capabilities("comments, gifts") == {Capability.COMMENTS, Capability.GIFTS}
    assert parse_capabilities("interaction,live_state,viewers") == BILIBILI_LIKE
    assert parse_capabilities(["Orders"]) == {Capability.ORDERS}
    assert parse_capabilities(None) == ALL and parse_capabilities(" , ") == ALL
    with pytest.raises(PlatformError) as refused:
        parse_capabilities("comments,order")
    assert "order" in refused.value.message and "orders" in refused.value.message


def test_the_setting_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, "comments")
    assert from_settings({}) == {Capability.COMMENTS}
    assert from_settings({"capabilities": "gifts"}) == {Capability.GIFTS}
    monkeypatch.delenv(ENV)
    assert from_settings({"capabilities": None}) == ALL


def _event(seq: int, kind: str, data: dict[str, object]) -> models.Event:
    return models.parse_event({"seq": seq, "ts": 1.0, "type": kind, "data": data})


def _order(seq: int) -> models.Event:
    order = {
        "id": f"o{seq}",
        "seq": seq,
        "created_ts": 1.0,
        "product_id": "p1",
        "product_title": "围巾",
        "user_id": "u3",
        "nickname": "丙",
        "quantity": 1,
        "unit_price_cents": 100,
        "amount_cents": 100,
        "status": "created",
    }
    return _event(seq, "order_created", {"order": order})


def _gift(seq: int) -> models.Event:
    return _event(
        seq, "gift", {"user_id": "u1", "nickname": "甲", "gift": "小心心", "value_cents": 10}
    )


def test_an_interaction_platform_sends_no_orders_and_numbers_what_it_sends_without_gaps() -> None:
    assert keep_event(_gift(1), BILIBILI_LIKE) and not keep_event(_order(2), BILIBILI_LIKE)
    seqs = Renumbering()
    seqs.start(10)  # the first snapshot, at the platform's seq 10
    platform = [_gift(11), _order(12), _order(13), _gift(14), _order(15), _gift(16)]
    live = seqs.number(platform[:4], BILIBILI_LIKE) + seqs.number(platform[4:], BILIBILI_LIKE)
    assert [(e.seq, e.type.value) for e in live] == [(11, "gift"), (12, "gift"), (13, "gift")]
    # resuming after any seq seen gives exactly the events after it (a reconnect, a log reader)
    for seen in (10, 11, 12):
        after = seqs.platform_after(seen)
        again = seqs.number([e for e in platform if e.seq > after], BILIBILI_LIKE)
        assert [e.seq for e in again] == list(range(seen + 1, 14)), seen
    # a later snapshot (at platform seq 15) stands after the events numbered up to it
    assert seqs.local_of_snapshot(15) == 12 and seqs.local_of_snapshot(16) == 13
    # events inside the first snapshot are not shown again
    assert seqs.number([_gift(9)], BILIBILI_LIKE) == []
    resync = _event(0, "resync_required", {})
    assert seqs.number([resync], BILIBILI_LIKE) == [resync]


def test_the_snapshot_of_an_interaction_platform_has_no_catalogue_or_sales() -> None:
    snap = models.Snapshot(
        room="r1",
        seq=9,
        bag=models.Bag(version=4, products=products(3)),
        metrics=models.Metrics(online=50, orders=7, gmv_cents=9900, gift_value_cents=300),
    )
    cut = restrict_snapshot(snap, BILIBILI_LIKE)
    assert cut.bag.products == [] and cut.bag.version == 4
    assert cut.metrics.orders == 0 and cut.metrics.gmv_cents == 0
    assert cut.metrics.online == 50 and cut.metrics.gift_value_cents == 300
    assert restrict_snapshot(snap, ALL) is snap
