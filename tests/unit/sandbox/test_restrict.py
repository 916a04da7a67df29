"""The restricted sandbox's rules (plugins/sandbox/restrict.py), on real models: the capability
list a user types, which events such a platform would send, and what its snapshot holds."""

from __future__ import annotations

import pytest

from app.api import ALL, INTERACTION, Capability, PlatformError, models
from plugins.sandbox.restrict import (
    ENV,
    from_settings,
    keep_event,
    parse_capabilities,
    restrict_events,
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


def test_an_interaction_platform_sends_no_orders_and_keeps_the_wire_lines_aligned() -> None:
    gift = _event(
        1, "gift", {"user_id": "u1", "nickname": "甲", "gift": "小心心", "value_cents": 10}
    )
    like = _event(2, "like", {"user_id": "u2", "nickname": "乙", "count": 3, "total": 3})
    assert keep_event(gift, BILIBILI_LIKE) and keep_event(like, BILIBILI_LIKE)
    order = {
        "id": "o1",
        "seq": 3,
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
    created = _event(3, "order_created", {"order": order})
    assert not keep_event(created, BILIBILI_LIKE)
    batch = models.EventBatch([gift, created, like], [b"g", b"o", b"l"])
    kept = restrict_events(batch, BILIBILI_LIKE)
    assert [e.seq for e in kept] == [1, 2]
    assert models.wire_of(kept) == [b"g", b"l"]
    assert restrict_events(batch, ALL) is batch  # the full sandbox: nothing touched


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
