"""Team activity: a teammate's edits as 「场控 改价 … before → after」, told from this console's own."""

from __future__ import annotations

from typing import Any

from app.live.activity import TeamChange
from app.live.room import LiveRoom
from app.platform import models as m
from app.platform.connection import ConnectionTracker


class _Adapter:
    room = "r1"
    role = m.Role.HOST
    token_id = "thost0000"
    connection = ConnectionTracker()


def _room() -> LiveRoom:
    room = LiveRoom(_Adapter())  # type: ignore[arg-type]
    products = [
        {"id": "p1", "title": "连衣裙", "price_cents": 19900, "stock": 120},
        {"id": "p2", "title": "口红", "price_cents": 9900, "stock": 50},
        {"id": "p3", "title": "保温杯", "price_cents": 5900, "stock": 10},
    ]
    room.apply_snapshot(
        m.Snapshot.model_validate(
            {"room": "r1", "seq": 1, "bag": {"version": 1, "products": products}}
        )
    )
    return room


def _ev(seq: int, type_: str, data: dict[str, Any], role: str = "assistant") -> m.Event:
    actor = {"role": role, "token_id": "thost0000" if role == "host" else "tasst0000"}
    return m.parse_event(
        {"seq": seq, "ts": 1000.0 + seq, "type": type_, "data": {**data, "actor": actor}}
    )


def test_a_teammates_price_and_stock_edits_read_before_to_after() -> None:
    room = _room()
    got: list[TeamChange] = []
    room.subscribe_activity(got.extend)
    p = {"id": "p1", "title": "连衣裙", "price_cents": 17900, "stock": 80}
    room.ingest([_ev(2, "product_updated", {"product": p})])
    assert [c.text for c in got] == [
        "场控 改价 连衣裙 ¥199.00 → ¥179.00",
        "场控 改库存 连衣裙 120 → 80",
    ]
    assert [(c.kind, c.before, c.after, c.mine) for c in got] == [
        ("price", "¥199.00", "¥179.00", False),
        ("stock", "120", "80", False),
    ]
    assert room.products["p1"].price_cents == 17900  # the room applied it too


def test_queue_moves_and_own_actions() -> None:
    room = _room()
    got: list[TeamChange] = []
    room.subscribe_activity(got.extend)
    room.ingest(
        [
            _ev(2, "products_reordered", {"version": 2, "product_ids": ["p3", "p1", "p2"]}),
            _ev(3, "product_explaining", {"product_id": "p3", "explaining": True}, role="host"),
        ]
    )
    assert got[0].text == "场控 调整排品 保温杯 第 3 位 → 第 1 位"
    assert (got[1].text, got[1].mine) == ("主播 开始讲解 保温杯", True)


def test_viewer_events_are_not_activity() -> None:
    room = _room()
    got: list[TeamChange] = []
    room.subscribe_activity(got.extend)
    p = {"id": "p1", "title": "连衣裙", "price_cents": 19900, "stock": 119}
    room.ingest(
        [m.parse_event({"seq": 2, "ts": 1.0, "type": "product_updated", "data": {"product": p}})]
    )
    assert got == []


def test_a_teammates_rain_and_reservation_are_told() -> None:
    room = _room()
    got: list[TeamChange] = []
    room.subscribe_activity(got.extend)
    rain = {"id": "re1", "title": "感谢家人们", "total_cents": 8888, "count": 100,
            "split": "random", "min_cents": 1, "eligibility": "all", "status": "active",
            "starts_ts": 1002.0, "ends_ts": 1032.0}  # fmt: skip
    res = {"id": "rs1", "product_id": "p2", "quantity": 20, "remaining": 20,
           "promotion": "flash_sale", "status": "held", "created_ts": 1003.0}  # fmt: skip
    released = {**res, "status": "released", "remaining": 0, "released": 8}
    room.ingest(
        [
            _ev(2, "red_envelope_started", {"red_envelope": rain}),
            _ev(3, "stock_reserved", {"reservation": res}),
            _ev(4, "stock_released", {"reservation": released}),
            _ev(5, "red_envelope_ended", {"red_envelope": {**rain, "status": "ended"}}),
        ]
    )
    assert [c.text for c in got] == [
        "场控 发红包雨 感谢家人们 ¥88.88 × 100",
        "场控 冻结库存 口红 × 20",
        "场控 释放冻结库存 口红 × 8",
        "场控 结束红包雨 感谢家人们 ¥88.88 × 100",
    ]
    assert {c.kind for c in got} == {"red_envelope", "reservation"}
    assert room.reservations["rs1"].released == 8 and room.red_envelopes["re1"].status == "ended"
