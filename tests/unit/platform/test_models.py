"""The platform contract's models: what the console accepts from a platform and what it refuses."""

from __future__ import annotations

from typing import Any

import pytest

from app.platform.models import (
    Bag,
    CommentData,
    CouponSpec,
    EventType,
    MalformedEvent,
    OrderData,
    Product,
    Snapshot,
    ValidationError,
    parse_event,
)

PRODUCT = {"id": "p1", "title": "羊绒围巾", "price_cents": 19900, "stock": 12}
COMMENT = {"id": "c1", "user_id": "u1", "nickname": "小明<b>", "text": "有M码吗？<script>"}
ORDER = {
    "id": "o1",
    "user_id": "u1",
    "nickname": "小明",
    "product_id": "p1",
    "quantity": 2,
    "unit_price_cents": 19900,
    "amount_cents": 39800,
    "status": "created",
    "created_ts": 1732262400.0,
}


def ev(type_: str, data: Any, seq: Any = 7, ts: Any = 1732262400.5) -> dict[str, Any]:
    return {"seq": seq, "ts": ts, "type": type_, "data": data}


def test_comment_event_parses_to_typed_data_and_keeps_text_verbatim() -> None:
    event = parse_event(ev("comment", {"comment": COMMENT}))
    assert event.seq == 7 and event.type is EventType.COMMENT
    assert isinstance(event.data, CommentData)
    # user text is plain text: kept exactly as typed, markup and all (the UI never renders HTML)
    assert event.data.comment.text == "有M码吗？<script>"
    assert event.data.comment.nickname == "小明<b>"
    assert event.actor is None


def test_operator_events_carry_the_actor() -> None:
    actor = {"role": "assistant", "token_id": "t-2"}
    event = parse_event(ev("product_updated", {"product": PRODUCT, "actor": actor}))
    assert event.actor is not None and event.actor.role == "assistant"
    assert event.data.product.price_cents == 19900


def test_unknown_fields_are_ignored_so_a_platform_may_add_them() -> None:
    event = parse_event(
        {**ev("order_paid", {"order": {**ORDER, "status": "paid", "new": 1}, "x": 2}), "extra": 3}
    )
    assert isinstance(event.data, OrderData) and event.data.order.status == "paid"


def test_every_event_type_has_a_payload_model() -> None:
    samples: dict[str, Any] = {
        "like": {"count": 3, "total": 10},
        "viewers": {"online": 120, "uv": 300},
        "follow": {"user_id": "u1", "nickname": "小明"},
        "comment_hidden": {"comment_id": "c1"},
        "comment_pinned": {"comment": None},
        "products_reordered": {"version": 4, "product_ids": ["p2", "p1"]},
        "resync_required": {"reason": "log trimmed"},
    }
    for type_, data in samples.items():
        assert (
            parse_event(ev(type_, data, seq=0 if type_ == "resync_required" else 3)).type == type_
        )


@pytest.mark.parametrize(
    ("raw", "seq", "why"),
    [
        (ev("product_updated", {"product": {**PRODUCT, "price_cents": 199.5}}), 7, "price_cents"),
        (ev("product_updated", {"product": {**PRODUCT, "price_cents": "19.90"}}), 7, "price_cents"),
        (ev("product_updated", {"product": {**PRODUCT, "price_cents": 0}}), 7, "price_cents"),
        (ev("product_updated", {"product": {**PRODUCT, "stock": -1}}), 7, "stock"),
        (ev("like", {"count": -5, "total": 1}), 7, "count"),
        (ev("order_created", {"order": {**ORDER, "status": "shipped"}}), 7, "status"),
        (ev("comment", {"comment": {"id": "c1"}}), 7, "comment"),
        (ev("comment", None), 7, "comment"),
        (ev("comment", {"comment": COMMENT}, seq="7"), None, "integer seq"),
        (ev("comment", {"comment": COMMENT}, ts="yesterday"), 7, "ts"),
        (ev("teleport", {}), 7, "unknown event type"),
        (ev(None, {}), 7, "unknown event type"),  # type: ignore[arg-type]
        ([1, 2, 3], None, "not an object"),
    ],
)
def test_off_contract_events_are_rejected_with_their_seq(
    raw: Any, seq: int | None, why: str
) -> None:
    with pytest.raises(MalformedEvent) as info:
        parse_event(raw)
    assert info.value.seq == seq
    assert why in str(info.value)


def test_money_is_integer_cents_and_products_are_validated() -> None:
    assert Product.model_validate(PRODUCT).price_cents == 19900
    for bad in ({"price_cents": 99.9}, {"price_cents": -100}, {"stock": 1.5}):
        with pytest.raises(ValidationError):
            Product.model_validate({**PRODUCT, **bad})


def test_coupon_spec_refuses_impossible_values() -> None:
    ok = CouponSpec(
        kind="threshold", threshold_cents=10000, amount_cents=1000, quantity=100, valid_seconds=600
    )  # type: ignore[arg-type]
    assert ok.per_user_limit == 1
    for bad in (
        {"kind": "free_money"},
        {"percent_off": 100},
        {"quantity": 0},
        {"amount_cents": 10.5},
    ):
        with pytest.raises(ValidationError):
            CouponSpec.model_validate(
                {"kind": "discount", "quantity": 1, "valid_seconds": 60, "percent_off": 20, **bad}
            )


def test_snapshot_needs_a_bag_and_defaults_the_rest() -> None:
    snap = Snapshot.model_validate(
        {"room": "r1", "seq": 42, "bag": {"version": 3, "products": [PRODUCT]}}
    )
    assert snap.seq == 42 and isinstance(snap.bag, Bag) and snap.metrics.gmv_cents == 0
    with pytest.raises(ValidationError):
        Snapshot.model_validate({"room": "r1", "seq": 42})


def test_money_in_events_carries_its_currency_cny_when_the_platform_does_not_say() -> None:
    """The sandbox's gifts of before (no currency) still parse, as yuan; real platforms say."""
    old = parse_event(
        ev("gift", {"user_id": "u1", "nickname": "小明", "gift": "玫瑰", "value_cents": 10})
    )
    assert (old.data.value_cents, old.data.currency) == (10, "CNY")
    usd = parse_event(
        ev(
            "gift",
            {
                "user_id": "u1",
                "nickname": "A",
                "gift": "Bits",
                "value_cents": 100,
                "currency": "USD",
            },
        )
    )
    assert usd.data.currency == "USD"
    for bad in ("yuan", "cny", "RMB¥"):
        with pytest.raises(MalformedEvent, match="currency"):
            parse_event(
                ev("gift", {"user_id": "u1", "nickname": "A", "gift": "x", "currency": bad})
            )


def test_paid_messages_memberships_and_shares_parse_to_their_payloads() -> None:
    sc = parse_event(
        ev(
            "paid_message",
            {"user_id": "42", "nickname": "阿伟", "amount_cents": 3000, "text": "主播加油"},
        )
    )
    assert sc.type is EventType.PAID_MESSAGE
    assert (sc.data.amount_cents, sc.data.currency, sc.data.text) == (3000, "CNY", "主播加油")
    guard = parse_event(
        ev(
            "membership",
            {
                "user_id": "42",
                "nickname": "阿伟",
                "tier": "舰长",
                "months": 3,
                "amount_cents": 41400,
            },
        )
    )
    assert (guard.data.tier, guard.data.months, guard.data.amount_cents) == ("舰长", 3, 41400)
    share = parse_event(ev("share", {"user_id": "42", "nickname": "阿伟"}))
    assert share.type is EventType.SHARE and share.data.nickname == "阿伟"
    with pytest.raises(MalformedEvent, match="amount_cents"):
        parse_event(ev("paid_message", {"user_id": "4", "nickname": "a", "amount_cents": -1}))
    with pytest.raises(MalformedEvent, match="tier"):
        parse_event(ev("membership", {"user_id": "4", "nickname": "a"}))
