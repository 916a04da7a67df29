"""Web and open-live commands mapped to LiveDesk events, through the real codec."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plugins.bilibili import samples
from plugins.bilibili.codec import Command, Ver, command_packet, compressed_packet, decode_frame
from plugins.bilibili.events import SIGNAL_INTERACTION_END, SIGNAL_NAMES_MASKED, MapResult
from plugins.bilibili.messages_open import OpenMapper
from plugins.bilibili.messages_web import WebMapper


def _via_codec(*cmds: dict[str, Any]) -> list[Command]:
    """As they arrive: one brotli frame of op-5 packets."""
    frame = compressed_packet(b"".join(command_packet(c) for c in cmds), Ver.BROTLI)
    return decode_frame(frame).commands


def web(*cmds: dict[str, Any]) -> list[MapResult]:
    m = WebMapper()
    return [m.map(c) for c in _via_codec(*cmds)]


def events(results: list[MapResult]) -> list[dict[str, Any]]:
    return [e.as_dict() for r in results for e in r.events]


# --- web ----------------------------------------------------------------------------------------


def test_danmaku_text_and_emoticon_are_comments() -> None:
    got = web(
        samples.danmu_msg(1001, "观众甲", "主播好", id_str="6fa9959ab8feabcd1b33"),
        samples.danmu_msg(1002, "观众乙", "[dog]", emoticon=True, ts_ms=1764800000123),
    )
    assert events(got) == [
        {"type": "comment", "data": {"comment": {
            "id": "6fa9959ab8feabcd1b33", "user_id": "1001", "nickname": "观众甲", "text": "主播好"}}},
        {"type": "comment", "data": {"comment": {
            "id": "1764800000123:1002:1764799990", "user_id": "1002", "nickname": "观众乙",
            "text": "[dog]"}}},
    ]  # fmt: skip
    assert got[0].events[0].key == "dm:6fa9959ab8feabcd1b33"


def test_masked_guest_names_keep_viewers_apart_and_login_notice_signals() -> None:
    got = web(
        {"cmd": "LOG_IN_NOTICE", "data": {"notice_msg": "为保护用户隐私，未注册登陆用户将无法查看他人昵称",
                                          "image_web": "", "image_app": ""}},
        samples.danmu_msg(0, "张****", "1", user_hash="11"),
        samples.danmu_msg(0, "李****", "1", user_hash="22"),
    )  # fmt: skip
    assert got[0].signal == SIGNAL_NAMES_MASKED
    assert events(got)[0]["data"]["kind"] == "names_masked"
    assert [e["data"]["comment"]["user_id"] for e in events(got)[1:]] == ["anon-11", "anon-22"]
    # same millisecond, no id_str: two guests' comments are two, never one dropped as a repeat
    keys = [e.key for r in got[1:] for e in r.events]
    assert len(set(keys)) == 2, keys


def test_gift_value_is_what_was_paid() -> None:
    got = events(web(
        samples.send_gift(1, "甲", "小花花", 10, 100, tid="t1"),  # 1000 gold = ¥1
        samples.send_gift(2, "乙", "辣条", 5, 100, coin_type="silver", tid="t2"),
        samples.send_gift(3, "丙", "心动盲盒", 2, 5000, blind=("心动盲盒", 15000), tid="t3"),
    ))  # fmt: skip
    assert [(e["data"]["gift"], e["data"]["count"], e["data"]["value_cents"]) for e in got] == [
        ("小花花", 10, 100),
        ("辣条", 5, 0),
        ("心动盲盒", 2, 3000),  # the box price x 2, not the prize's
    ]
    assert {e["data"]["currency"] for e in got} == {"CNY"}


def test_a_combo_is_a_room_note_not_a_second_gift() -> None:
    """COMBO_SEND sums up gifts already sent one by one: counting it again would double the value."""
    combo = {"cmd": "COMBO_SEND", "data": {
        "action": "投喂", "batch_combo_id": "batch:gift:combo_id:9", "batch_combo_num": 3,
        "combo_id": "gift:combo_id:9", "combo_num": 3, "combo_total_coin": 300, "gift_id": 31036,
        "gift_name": "小花花", "gift_num": 0, "is_show": 1, "r_uname": "主播", "ruid": 1,
        "total_num": 3, "uid": 9, "uname": "甲"}}  # fmt: skip
    got = events(web(
        samples.send_gift(9, "甲", "小花花", 1, 100, tid="c1"),
        samples.send_gift(9, "甲", "小花花", 1, 100, tid="c2"),
        samples.send_gift(9, "甲", "小花花", 1, 100, tid="c3"),
        combo,
    ))  # fmt: skip
    assert [e["type"] for e in got] == ["gift", "gift", "gift", "room_note"]
    assert sum(e["data"]["value_cents"] for e in got[:3]) == 30  # 3 × 100 gold, once
    assert got[3]["data"] == {"kind": "gift_combo", "text": "甲 小花花 x3"}


def test_send_gift_v2_repeated_list_switch_and_shared_key_with_v1() -> None:
    pb = samples.send_gift_v2_pb(
        5, "戊", [("A", 1, 1000, "gold", "t5"), ("B", 3, 300, "gold", "t6")]
    )
    on, off, v1 = web(
        samples.send_gift_v2(pb),
        samples.send_gift_v2(pb, switch=False),
        samples.send_gift(5, "戊", "A", 1, 1000, tid="t5"),
    )
    assert [(e.data["gift"], e.data["value_cents"], e.key) for e in on.events] == [
        ("A", 100, "gift:t5"),
        ("B", 30, "gift:t6"),
    ]
    assert off.events == () and off.reason is None
    assert v1.events[0].key == on.events[0].key  # the adapter drops the second copy


def test_guard_purchase_in_three_commands_is_one_membership() -> None:
    got = web(
        samples.guard_buy(9, "舰长甲", 3, 1, 198000, 1764800100),
        samples.user_toast_v2(9, "舰长甲", 3, 1, 198000, 1764800100),
        samples.user_toast_v2(9, "舰长甲", 3, 1, 198000, 1764800100, source=2),
        {"cmd": "USER_TOAST_MSG", "data": {"uid": 9, "username": "舰长甲", "guard_level": 3,
         "num": 1, "price": 198000, "unit": "月", "start_time": 1764800100}},
    )  # fmt: skip
    assert got[0].events[0].as_dict() == {
        "type": "membership",
        "data": {"user_id": "9", "nickname": "舰长甲", "tier": "captain", "months": 1,
                 "amount_cents": 19800, "currency": "CNY"},
    }  # fmt: skip
    assert got[2].events == ()  # source 2: the free follow-up
    keys = {e.key for r in got for e in r.events}
    assert keys == {"guard:9:3:1764800100"}


def test_super_chat_and_its_deletion() -> None:
    sc, gone = web(
        samples.super_chat(4321, 7, "富哥", 30, "主播唱首歌"),
        {"cmd": "SUPER_CHAT_MESSAGE_DELETE", "data": {"ids": [4321]}, "roomid": 1},
    )
    assert sc.events[0].as_dict() == {
        "type": "paid_message",
        "data": {"user_id": "7", "nickname": "富哥", "amount_cents": 3000, "currency": "CNY",
                 "text": "主播唱首歌", "message_id": "4321"},
    }  # fmt: skip
    assert gone.events[0].as_dict() == {"type": "paid_message_deleted", "data": {"ids": ["4321"]}}


def test_interactions_json_and_protobuf() -> None:
    got = events(web(
        samples.interact_word(1, "甲", 1), samples.interact_word_v2(2, "乙", 2),
        samples.interact_word_v2(3, "丙", 3), samples.interact_word_v2(4, "丁", 6),
        samples.interact_word_v2(5, "戊", 99),
    ))  # fmt: skip
    assert got == [
        {"type": "viewer_enter", "data": {"user_id": "1", "nickname": "甲"}},
        {"type": "follow", "data": {"user_id": "2", "nickname": "乙"}},
        {"type": "share", "data": {"user_id": "3", "nickname": "丙"}},
    ]


def test_likes_viewers_room_state_and_commerce_notes() -> None:
    got = events(web(
        {"cmd": "LIKE_INFO_V3_UPDATE", "data": {"click_count": 500}},
        samples.like_click(1, "甲"),
        {"cmd": "WATCHED_CHANGE", "data": {"num": 12000, "text_small": "1.2万", "text_large": "1.2万人看过"}},
        {"cmd": "ONLINE_RANK_COUNT", "data": {"count": 321, "count_text": "321"}},
        {"cmd": "LIVE", "live_key": "1", "roomid": 1},
        {"cmd": "PREPARING", "roomid": "1"},
        {"cmd": "GOTO_BUY_FLOW", "data": {"text": "有人购买主播推荐商品"}},
        {"cmd": "SOME_NEW_CMD_2027", "data": {}},
    ))  # fmt: skip
    assert got == [
        {"type": "like", "data": {"user_id": None, "count": 0, "total": 500}},
        {"type": "like", "data": {"user_id": "1", "count": 1, "total": 501}},
        {"type": "viewers", "data": {"uv": 12000}},
        {"type": "viewers", "data": {"online": 321}},
        {"type": "room_state", "data": {"live": True}},
        {"type": "room_state", "data": {"live": False}},
        {"type": "room_note", "data": {"kind": "goto_buy_flow", "text": "有人购买主播推荐商品"}},
    ]


def _huge(cmd: dict[str, Any], path: list[Any], value: object) -> dict[str, Any]:
    c = copy.deepcopy(cmd)
    node: Any = c
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value
    return c


@pytest.mark.parametrize(
    ("cmd", "path", "value"),
    [
        (samples.danmu_msg(1, "a", "b"), ["info", 1], "x" * 100_000),
        (samples.danmu_msg(1, "a", "b"), ["info", 2, 0], "not a number"),
        (samples.danmu_msg(1, "a", "b"), ["info", 2, 0], -5),
        (samples.danmu_msg(1, "a", "b"), ["info"], {"0": 1}),
        (samples.send_gift(1, "a", "g", 1, 100), ["data", "num"], 10**12),
        (samples.send_gift(1, "a", "g", 1, 100), ["data", "num"], True),
        (samples.send_gift(1, "a", "g", 1, 100), ["data", "uname"], None),
        (samples.super_chat(1, 1, "a", 30, "m"), ["data", "price"], "thirty"),
        (samples.guard_buy(1, "a", 3, 1, 198000, 1), ["data", "guard_level"], 7),
        (samples.send_gift_v2(b""), ["data", "pb"], "!!not base64!!"),
        (samples.send_gift_v2(b""), ["data", "pb"], "CP////////////8B"),  # varint > 10 bytes
    ],
)
def test_invalid_fields_skip_the_command_with_a_reason(
    cmd: dict[str, Any], path: list[Any], value: object
) -> None:
    (res,) = web(_huge(cmd, path, value))
    assert res.events == () and res.reason


# --- open-live ----------------------------------------------------------------------------------


def op(*cmds: dict[str, Any]) -> list[MapResult]:
    m = OpenMapper()
    return [m.map(c) for c in _via_codec(*cmds)]


def test_open_live_danmaku_gift_and_openid_variant() -> None:
    dm = samples.open_dm("m-1", "oid-1", "观众", "你好")
    legacy = samples.open_dm("m-2", "oid-2", "观众2", "[dog]", dm_type=1)
    legacy["data"]["openid"] = legacy["data"].pop("open_id")
    got = op(dm, legacy, samples.open_gift("m-3", "oid-3", "送礼", "小花花", 10, 100),
             samples.open_gift("m-4", "oid-3", "送礼", "辣条", 5, 100, paid=False))  # fmt: skip
    assert events(got) == [
        {"type": "comment", "data": {"comment": {"id": "m-1", "user_id": "oid-1", "nickname": "观众", "text": "你好"}}},
        {"type": "comment", "data": {"comment": {"id": "m-2", "user_id": "oid-2", "nickname": "观众2", "text": "[dog]"}}},
        {"type": "gift", "data": {"user_id": "oid-3", "nickname": "送礼", "gift": "小花花", "count": 10, "value_cents": 100, "currency": "CNY"}},
        {"type": "gift", "data": {"user_id": "oid-3", "nickname": "送礼", "gift": "辣条", "count": 5, "value_cents": 0, "currency": "CNY"}},
    ]  # fmt: skip
    assert [r.events[0].key for r in got] == ["msg:m-1", "msg:m-2", "msg:m-3", "msg:m-4"]


def test_open_live_guard_sc_like_enter_state_and_interaction_end() -> None:
    user = {"open_id": "oid-9", "union_id": "", "uname": "舰长", "uface": ""}
    got = op(
        {"cmd": "LIVE_OPEN_PLATFORM_GUARD", "data": {"user_info": user, "guard_level": 2,
         "guard_num": 1, "guard_unit": "月", "price": 1998000, "fans_medal_level": 1,
         "fans_medal_name": "x", "fans_medal_wearing_status": False, "room_id": 1,
         "msg_id": "g-1", "timestamp": 1}},
        {"cmd": "LIVE_OPEN_PLATFORM_SUPER_CHAT", "data": {"room_id": 1, "open_id": "oid-8",
         "union_id": "", "uname": "富哥", "uface": "", "message_id": 55, "message": "加油", "rmb": 50,
         "timestamp": 1, "start_time": 1, "end_time": 61, "guard_level": 0, "fans_medal_level": 0,
         "fans_medal_name": "", "fans_medal_wearing_status": False, "msg_id": "s-1"}},
        {"cmd": "LIVE_OPEN_PLATFORM_SUPER_CHAT_DEL", "data": {"room_id": 1, "message_ids": [55], "msg_id": "d-1"}},
        {"cmd": "LIVE_OPEN_PLATFORM_LIKE", "data": {"open_id": "oid-7", "uname": "点赞", "like_count": 12, "msg_id": "l-1"}},
        {"cmd": "LIVE_OPEN_PLATFORM_LIKE", "data": {"open_id": "oid-7", "uname": "点赞", "like_count": 3, "msg_id": "l-2"}},
        {"cmd": "LIVE_OPEN_PLATFORM_LIVE_ROOM_ENTER", "data": {"room_id": 1, "open_id": "oid-6", "uname": "进场", "uface": "", "union_id": "", "timestamp": 1, "msg_id": "e-1"}},
        {"cmd": "LIVE_OPEN_PLATFORM_LIVE_START", "data": {"room_id": 1, "open_id": "a", "timestamp": 1, "area_name": "生活", "title": "带货专场", "msg_id": "ls-1"}},
        {"cmd": "LIVE_OPEN_PLATFORM_LIVE_END", "data": {"room_id": 1, "open_id": "a", "timestamp": 2, "area_name": "生活", "title": "带货专场", "msg_id": "le-1"}},
        {"cmd": "LIVE_OPEN_PLATFORM_INTERACTION_END", "data": {"game_id": "x"}},
        {"cmd": "LIVE_OPEN_PLATFORM_SOMETHING_NEW", "data": {}},
    )  # fmt: skip
    assert events(got) == [
        {"type": "membership", "data": {"user_id": "oid-9", "nickname": "舰长", "tier": "admiral", "months": 1, "amount_cents": 199800, "currency": "CNY"}},
        {"type": "paid_message", "data": {"user_id": "oid-8", "nickname": "富哥", "amount_cents": 5000, "currency": "CNY", "text": "加油", "message_id": "55"}},
        {"type": "paid_message_deleted", "data": {"ids": ["55"]}},
        {"type": "like", "data": {"user_id": "oid-7", "count": 12, "total": 12}},
        {"type": "like", "data": {"user_id": "oid-7", "count": 3, "total": 15}},
        {"type": "viewer_enter", "data": {"user_id": "oid-6", "nickname": "进场"}},
        {"type": "room_state", "data": {"live": True, "title": "带货专场"}},
        {"type": "room_state", "data": {"live": False, "title": "带货专场"}},
    ]  # fmt: skip
    assert got[-2].signal == SIGNAL_INTERACTION_END and got[-2].events == ()
    assert got[-1] == MapResult()


def test_open_live_invalid_fields_give_reasons() -> None:
    bad = [
        _huge(samples.open_dm("m", "o", "n", "t"), ["data", "msg"], ["list"]),
        _huge(samples.open_dm("m", "o", "n", "t"), ["data", "open_id"], ""),
        _huge(samples.open_dm("m", "o", "n", "t"), ["data", "msg_id"], None),
        _huge(samples.open_gift("m", "o", "n", "g", 1, 100), ["data", "paid"], "yes"),
        _huge(samples.open_gift("m", "o", "n", "g", 1, 100), ["data", "uname"], "名" * 10_000),
        {"cmd": "LIVE_OPEN_PLATFORM_DM", "data": "string"},
    ]
    for res in op(*bad):
        assert res.events == () and res.reason


# --- any JSON at all ----------------------------------------------------------------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64) | st.floats() | st.text(max_size=8),
    lambda kids: (
        st.lists(kids, max_size=5) | st.dictionaries(st.text(max_size=8), kids, max_size=5)
    ),
    max_leaves=30,
)
_WEB = [
    "DANMU_MSG", "SEND_GIFT", "SEND_GIFT_V2", "COMBO_SEND", "GUARD_BUY", "USER_TOAST_MSG",
    "USER_TOAST_MSG_V2", "SUPER_CHAT_MESSAGE", "SUPER_CHAT_MESSAGE_DELETE", "INTERACT_WORD",
    "INTERACT_WORD_V2", "LIKE_INFO_V3_CLICK", "LIKE_INFO_V3_UPDATE", "WATCHED_CHANGE",
    "ONLINE_RANK_COUNT", "LIVE", "PREPARING", "LOG_IN_NOTICE", "GOTO_BUY_FLOW", "RECOMMEND_CARD",
]  # fmt: skip
_OPEN = ["LIVE_OPEN_PLATFORM_" + n for n in (
    "DM", "SEND_GIFT", "GUARD", "SUPER_CHAT", "SUPER_CHAT_DEL", "LIKE", "LIVE_ROOM_ENTER",
    "LIVE_START", "LIVE_END", "INTERACTION_END")]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(_WEB + _OPEN), _json, _json, st.sampled_from(["data", "info"]))
def test_any_json_never_raises(cmd: str, data: object, extra: object, field: str) -> None:
    body = {"cmd": cmd, field: data, "pb": extra}
    for mapper in (WebMapper(), OpenMapper()):
        res = mapper.map(Command(cmd, body))
        assert isinstance(res, MapResult)


_SAMPLES = [
    samples.danmu_msg(1, "a", "b", id_str="x"), samples.send_gift(1, "a", "g", 2, 100),
    samples.send_gift_v2(samples.send_gift_v2_pb(1, "a", [("g", 1, 100, "gold", "t")])),
    samples.interact_word_v2(1, "a", 1), samples.interact_word(1, "a", 2),
    samples.guard_buy(1, "a", 3, 1, 198000, 1), samples.user_toast_v2(1, "a", 3, 1, 198000, 1),
    samples.super_chat(1, 1, "a", 30, "m"), samples.like_click(1, "a"),
    samples.open_dm("m", "o", "n", "t"), samples.open_gift("m", "o", "n", "g", 1, 100),
]  # fmt: skip


def _paths(node: object, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(_SAMPLES), st.data(), _json)
def test_real_shapes_with_one_field_replaced_never_raise(
    cmd: dict[str, Any], data: st.DataObject, value: object
) -> None:
    path = data.draw(st.sampled_from([p for p in _paths(cmd) if p[0] != "cmd"]))
    mutated = _huge(cmd, list(path), value)
    name = mutated["cmd"].split(":")[0]
    for mapper in (WebMapper(), OpenMapper()):
        res = mapper.map(Command(name, mutated))
        for e in res.events:  # whatever comes out keeps the promised shape
            assert isinstance(e.type, str) and isinstance(e.data, dict)
            for k in ("user_id", "nickname", "text"):
                if k in e.data and e.data[k] is not None:
                    assert isinstance(e.data[k], str) and len(e.data[k]) <= 1000
