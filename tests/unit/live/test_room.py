"""LiveRoom applies snapshots and event batches: what the panels, overlays and recorder will show."""

from __future__ import annotations

import json
from typing import Any

from app.live.comment_kinds import NOT_A_COMMENT, Kind, classify
from app.live.room import BAG, COUPONS, EXPLAINING, METRICS, LiveRoom
from app.platform import models as m
from app.platform.connection import ConnectionTracker


class _NoAdapter:
    """LiveRoom.ingest/apply_snapshot never call the adapter; actions are tested against the server."""

    room = "r1"
    role = m.Role.HOST
    connection = ConnectionTracker()


def _room(**kw: Any) -> LiveRoom:
    return LiveRoom(_NoAdapter(), **kw)  # type: ignore[arg-type]


def _product(pid: str, stock: int = 10) -> dict[str, Any]:
    return {"id": pid, "title": f"商品{pid}", "price_cents": 9900, "stock": stock}


def _snapshot(seq: int = 5) -> m.Snapshot:
    return m.Snapshot.model_validate(
        {
            "room": "r1",
            "seq": seq,
            "bag": {"version": 3, "products": [_product("p1"), _product("p2"), _product("p3")]},
        }
    )


def _ev(seq: int, type_: str, data: dict[str, Any]) -> m.Event:
    return m.parse_event({"seq": seq, "ts": 1000.0 + seq, "type": type_, "data": data})


def _comment(seq: int, text: str, **kw: Any) -> m.Event:
    c = {"id": f"c{seq}", "user_id": f"u{seq}", "nickname": "小鹿", "text": text, **kw}
    return _ev(seq, "comment", {"comment": c})


def test_events_already_in_the_snapshot_are_not_applied_twice() -> None:
    room = _room()
    room.apply_snapshot(_snapshot(seq=5))
    seen: list[int] = []
    room.subscribe_events(lambda evs: seen.extend(e.seq for e in evs))
    room.ingest([_comment(4, "旧的"), _comment(5, "旧的"), _comment(6, "新的")])
    assert seen == [6]
    assert [line.text for line in room.chat] == ["新的"]
    assert room.metrics.comments == 1


def test_one_state_notification_per_batch_naming_what_changed() -> None:
    room = _room()
    room.apply_snapshot(_snapshot(seq=0))
    notes: list[frozenset[str]] = []
    room.subscribe(notes.append)
    room.ingest(
        [
            _ev(1, "product_explaining", {"product_id": "p2", "explaining": True}),
            _ev(2, "products_reordered", {"version": 4, "product_ids": ["p3", "p1", "p2"]}),
            _ev(3, "product_updated", {"product": _product("p1", stock=0)}),
        ]
    )
    assert notes == [frozenset({EXPLAINING, BAG})]
    assert room.explaining is not None and room.explaining.product_id == "p2"
    assert [p.id for p in room.bag] == ["p3", "p1", "p2"] and room.bag_version == 4
    assert room.products["p1"].stock == 0


def test_orders_move_gmv_and_coupon_claims_update_remaining() -> None:
    room = _room()
    room.apply_snapshot(_snapshot(seq=0))
    order = {
        "id": "o1",
        "user_id": "u1",
        "nickname": "阿杰",
        "product_id": "p1",
        "quantity": 2,
        "unit_price_cents": 9900,
        "amount_cents": 19800,
        "status": "created",
        "created_ts": 1.0,
    }
    coupon = {
        "id": "k1",
        "kind": "no_threshold",
        "amount_cents": 500,
        "quantity": 100,
        "valid_seconds": 60,
        "created_ts": 1.0,
        "ends_ts": 61.0,
    }
    notes: list[frozenset[str]] = []
    room.subscribe(notes.append)
    room.ingest(
        [
            _ev(1, "order_created", {"order": order}),
            _ev(2, "order_paid", {"order": {**order, "status": "paid"}}),
            _ev(3, "coupon_issued", {"coupon": coupon}),
            _ev(
                4,
                "coupon_claimed",
                {"coupon_id": "k1", "user_id": "u9", "claimed": 7, "remaining": 93},
            ),
        ]
    )
    assert room.metrics.orders == 1 and room.metrics.gmv_cents == 19800
    assert room.metrics.paid_gmv_cents == 19800
    assert room.coupons["k1"].remaining == 93
    assert notes == [frozenset({METRICS, COUPONS})]
    assert [o.status for o in room.orders] == ["created", "paid"]


def test_chat_ring_is_bounded_and_keeps_the_newest() -> None:
    room = _room(chat_capacity=100)
    room.apply_snapshot(_snapshot(seq=0))
    room.ingest([_comment(i, f"第{i}条") for i in range(1, 1001)])
    assert len(room.chat) == 100
    assert room.chat[0].text == "第901条" and room.chat[-1].text == "第1000条"


def test_comment_kinds_are_classified_once_at_ingest() -> None:
    def kind(text: str, **kw: Any) -> Kind:
        c = m.Comment(id="c", user_id="u", nickname="n", text=text, **kw)
        return classify(c)

    assert Kind.INTENT in kind("已拍")
    assert Kind.INTENT in kind("扣1")
    assert Kind.QUESTION in kind("158能穿吗")
    assert Kind.QUESTION in kind("什么时候发货？")
    assert Kind.QUESTION in kind("今天发货")  # chat drops the question mark
    for urging in ("已拍，快点发货", "赶紧发货", "拍了三件 尽快发货"):
        assert Kind.QUESTION not in kind(urging), urging
        assert Kind.INTENT in kind(urging) or urging == "赶紧发货"
    assert Kind.QUESTION in kind("快点发货吗")  # still asked
    assert Kind.QUESTION not in kind("主播好美")
    assert Kind.FAN in kind("来了", is_follower=True)
    assert Kind.COMPLAINT in kind("怎么又没货了")
    for angry in ("我要投诉你们", "这是假货", "三天了还不发货", "质量太差"):
        assert Kind.COMPLAINT in kind(angry), angry
    assert Kind.STAFF in kind("欢迎大家", role="host")


def test_chat_lines_share_repeated_names_and_short_texts() -> None:
    """A busy room keeps ~100k lines in its views: a viewer's 50th 「扣1」 costs no new strings."""
    room = _room()
    long_text = "这件衣服的面料是纯棉的吗？洗了会不会缩水呀，我平时穿M码"
    events = []
    for seq in range(1, 201):
        c = {
            "id": f"c{seq}",
            "user_id": f"u{seq % 3}",
            "nickname": f"小鹿{seq % 3}",
            "text": "扣1" if seq % 2 else long_text,
        }
        # each event parsed from its own JSON text, as the stream delivers them
        raw = json.dumps(
            {"seq": seq, "ts": 1000.0 + seq, "type": "comment", "data": {"comment": c}}
        )
        events.append(m.parse_event(json.loads(raw)))
    room.ingest(events)
    lines = list(room.chat)
    assert len(lines) == 200
    by_user = {line.user_id: line for line in lines[:3]}
    for line in lines:
        first = by_user[line.user_id]
        assert line.user_id is first.user_id and line.nickname is first.nickname
    shorts = [line.text for line in lines if line.text == "扣1"]
    assert len(shorts) == 100 and all(t is shorts[0] for t in shorts)
    longs = [line.text for line in lines if line.text == long_text]
    assert len(longs) == 100 and len({id(t) for t in longs}) == 100  # long lines: not kept
    # the text the operator sees is unchanged
    assert [line.text for line in lines[:2]] == ["扣1", long_text]


def test_the_shared_strings_table_is_bounded() -> None:
    from app.live.interning import Interner

    table = Interner(capacity=100)
    for i in range(1_000):
        assert table(f"u{i}") == f"u{i}"
        assert len(table) <= 100
    again = table("u999")
    assert table("".join(["u", "999"])) is again


def _lottery(status: str, commitment: str, **kw: Any) -> dict[str, Any]:
    return {
        "id": "l1",
        "prize": "口红",
        "keyword": "福袋",
        "winners": 1,
        "duration_seconds": 60,
        "eligibility": "all",
        "commitment": commitment,
        "status": status,
        "starts_ts": 1000.0,
        "ends_ts": 1060.0,
        **kw,
    }


def test_the_commitment_seen_while_a_lottery_is_open_is_kept_through_the_draw_and_resyncs() -> None:
    import hashlib

    seed, later = b"\x01" * 32, b"\x02" * 32
    start = hashlib.sha256(seed).hexdigest()
    # connected mid-lottery: the snapshot's open lottery is the start this console saw
    snap = _snapshot(seq=5).model_copy(
        update={"lotteries": [m.Lottery.model_validate(_lottery("open", start))]}
    )
    room = _room()
    room.apply_snapshot(snap)
    assert room.lottery_commitments == {"l1": start}
    # the platform re-commits with the draw (a seed picked after the entries)
    cheat = _lottery(
        "drawn",
        hashlib.sha256(later).hexdigest(),
        seed=later.hex(),
        participant_ids=["u1"],
        participants_digest=hashlib.sha256(b"u1").hexdigest(),
        winner_ids=["u1"],
    )
    room.ingest([_ev(6, "lottery_drawn", {"lottery": cheat})])
    # a resync snapshot after the draw changes nothing of what was seen at start
    room.apply_snapshot(
        _snapshot(seq=6).model_copy(update={"lotteries": [m.Lottery.model_validate(cheat)]})
    )
    assert room.lottery_commitments == {"l1": start}
    v = room.verify_lottery("l1")
    assert v is not None and v.failed and v.commitment_changed and v.winners_ok
    # a console that only ever saw it drawn cannot vouch for it
    late = _room()
    late.ingest([_ev(6, "lottery_drawn", {"lottery": cheat})])
    v = late.verify_lottery("l1")
    assert v is not None and v.failed and not v.start_seen


def test_paid_messages_and_memberships_are_chat_lines_of_their_own_and_count_in_metrics() -> None:
    room = _room()
    room.apply_snapshot(_snapshot(seq=0))
    room.ingest(
        [
            _ev(
                1,
                "gift",
                {"user_id": "u1", "nickname": "小鹿", "gift": "跑车", "value_cents": 12000},
            ),
            _ev(
                2,
                "paid_message",
                {"user_id": "u2", "nickname": "阿伟", "amount_cents": 3000, "text": "主播加油"},
            ),
            _ev(
                3,
                "membership",
                {
                    "user_id": "u3",
                    "nickname": "桃子",
                    "tier": "captain",  # Bilibili's guard 舰长, as the adapters send it
                    "months": 3,
                    "amount_cents": 41400,
                },
            ),
            _ev(4, "share", {"user_id": "u4", "nickname": "糖糖"}),
        ]
    )
    lines = list(room.chat)
    assert [line.text for line in lines] == [
        "送出 跑车 ×1",
        "醒目留言 ¥30.00：主播加油",
        "开通 舰长 ×3 个月 (¥414.00)",
    ]
    assert [line.kind for line in lines] == [
        Kind.GIFT,
        Kind.GIFT | Kind.PAID,  # in the gifts view, with a badge of its own
        Kind.GIFT | Kind.MEMBER,
    ]
    assert room.metrics.gift_value_cents == 12000
    assert (room.metrics.paid_messages, room.metrics.paid_message_cents) == (1, 3000)
    assert room.metrics.memberships == 1


def test_gifted_subs_read_as_subs_given_and_count_as_that_many_memberships() -> None:
    from app.i18n import set_language

    room = _room()
    room.apply_snapshot(_snapshot(seq=0))
    gift = {"user_id": "8", "nickname": "Gifter", "tier": "Tier 1", "months": 1, "gifted": 5}
    old = {"user_id": "9", "nickname": "Old", "tier": "Tier 2", "months": 5}  # before `gifted`
    room.ingest([_ev(1, "membership", gift), _ev(2, "membership", old)])
    assert [line.text for line in room.chat] == ["赠送了 5 个 Tier 1 订阅", "开通 Tier 2 ×5 个月"]
    assert room.metrics.memberships == 6  # five subs given + one bought
    set_language("en")
    try:
        room.ingest([_ev(3, "membership", {**gift, "gifted": 2, "months": 3})])
        room.ingest([_ev(4, "membership", {**old, "months": 1}), _ev(5, "membership", old)])
    finally:
        set_language("zh_CN")
    assert [line.text for line in list(room.chat)[-3:]] == [
        "Gifted 2 Tier 1 subs (3 months each)",
        "Joined Tier 2 for 1 month",
        "Joined Tier 2 for 5 months",
    ]


def test_a_paid_message_the_platform_takes_down_is_marked_so_nobody_reads_it_out() -> None:
    room = _room()
    room.apply_snapshot(_snapshot(seq=0))
    sc = {
        "user_id": "u2",
        "nickname": "阿伟",
        "amount_cents": 3000,
        "text": "看我",
        "message_id": "77",
    }
    other = {**sc, "text": "主播加油", "message_id": "78"}
    room.ingest([_ev(1, "paid_message", sc), _ev(2, "paid_message", other)])
    first, second = list(room.chat)
    assert room.moderation(first) is None
    room.ingest([_ev(3, "paid_message_deleted", {"ids": ["77", "not-seen"]})])
    assert room.moderation(first) == "deleted"
    assert room.moderation(second) is None  # only the one the platform named
    # the money was paid: a takedown is not a refund
    assert (room.metrics.paid_messages, room.metrics.paid_message_cents) == (2, 6000)


def test_a_platform_room_note_is_a_grey_line_without_a_viewer() -> None:
    room = _room()
    room.apply_snapshot(_snapshot(seq=0))
    room.ingest([_ev(1, "room_note", {"kind": "goto_buy_flow", "text": "小鹿 正在去买"})])
    (line,) = list(room.chat)
    assert (line.text, line.kind, line.user_id, line.nickname) == (
        "小鹿 正在去买",
        Kind.NOTE,
        "",
        "",
    )
    assert line.kind & NOT_A_COMMENT  # nothing to pin, hide, mute or reply to
