"""Commands in the shape Bilibili sends them, for tests, benchmarks and the local stand-in server.

No project publishes raw captures (research notes §2.6), so these builders follow the field lists
of the research notes §2.4/§2.5 and xfgryujk/blivedm's models (MIT): every field the mappers read
is present with its real type and position, plus the usual noise around it (medal info, colours,
the large ``extra`` JSON string of ``DANMU_MSG``). Values are invented.
"""

from __future__ import annotations

import base64
from typing import Any

import orjson

from plugins.bilibili.protobuf import encode_fields


def danmu_msg(
    uid: int, uname: str, text: str, *, id_str: str = "", ts_ms: int = 1764800000000,
    emoticon: bool = False, user_hash: str = "2904574201",
) -> dict[str, Any]:  # fmt: skip
    extra: dict[str, Any] = {
        "send_from_me": False, "mode": 0, "color": 16777215, "dm_type": 1 if emoticon else 0,
        "font_size": 25, "player_mode": 1, "show_player_type": 0, "content": text,
        "user_hash": user_hash, "emoticon_unique": "official_147" if emoticon else "",
        "bulge_display": 0, "recommend_score": 5, "main_state_dm_color": "", "direction": 0,
        "animation": {}, "emots": None, "is_audited": False, "id_str": id_str, "icon": None,
        "show_reply": True, "reply_mid": 0, "reply_uname": "", "reply_uname_color": "",
        "reply_is_mystery": False, "reply_type_enum": 0, "hit_combo": 0,
    }  # fmt: skip
    emot = (
        {"bulge_display": 0, "emoticon_unique": "official_147", "height": 60, "in_player_area": 1,
         "is_dynamic": 1, "url": "https://i0.hdslb.com/bfs/live/a.png", "width": 183}
        if emoticon else "{}"
    )  # fmt: skip
    mode_info = {
        "mode": 0, "show_player_type": 0, "extra": orjson.dumps(extra).decode(),
        "user": {"uid": uid, "base": {"name": uname, "face": "https://i0.hdslb.com/bfs/face/x.jpg",
                 "name_color": 0, "is_mystery": False}, "medal": None, "wealth": {"level": 12}},
    }  # fmt: skip
    head = [0, 1, 25, 16777215, ts_ms, 1764799990, 0, user_hash, 0, 0, 0, "", 1 if emoticon else 0,
            emot, "{}", mode_info, {"activity_identity": "", "activity_source": 0,
            "not_show": 0}, 0]  # fmt: skip
    return {
        "cmd": "DANMU_MSG:4:0:2:2:2:0",
        "info": [
            head, text, [uid, uname, 0, 0, 0, 10000, 1, ""],
            [21, "小电视", "某主播", 21452505, 1725515, "", 0, 6809855, 1725515, 5414290, 0, 0, 686],
            [0, 0, 9868950, ">50000", 0], ["", ""], 0, 3, None,
            {"ts": ts_ms // 1000, "ct": "9F1D6C23"}, 0, 0, None, None, 0, 105, [12], None,
        ],
        "dm_v2": "",
    }  # fmt: skip


def send_gift(
    uid: int, uname: str, gift: str, num: int, price: int, *, coin_type: str = "gold",
    tid: str = "1764800000123400001", blind: tuple[str, int] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """``price`` is the unit price in coins; ``blind=(box name, box unit price)`` makes it a
    blind-box gift whose ``total_coin`` is the box price x num (what was paid)."""
    total = (blind[1] if blind else price) * num
    return {
        "cmd": "SEND_GIFT",
        "data": {
            "action": "投喂", "batch_combo_id": "batch:gift:combo_id:1", "batch_combo_send": None,
            "beatId": "", "biz_source": "Live", "blind_gift": (
                {"blind_gift_config_id": 51, "gift_action": "爆出", "original_gift_id": 32251,
                 "original_gift_name": blind[0], "original_gift_price": blind[1]}
                if blind else None),
            "broadcast_id": 0, "coin_type": coin_type, "combo_resources_id": 1,
            "combo_send": None, "combo_stay_time": 3, "combo_total_coin": total, "crit_prob": 0,
            "demarcation": 1, "discount_price": price, "dmscore": 112, "draw": 0, "effect": 0,
            "effect_block": 1, "face": "https://i0.hdslb.com/bfs/face/x.jpg", "giftId": 31036,
            "giftName": gift, "giftType": 0, "gold": 0, "guard_level": 0, "is_first": True,
            "is_special_batch": 0, "magnification": 1, "medal_info": {
                "anchor_roomid": 0, "anchor_uname": "", "guard_level": 0, "icon_id": 0,
                "is_lighted": 1, "medal_color": 1725515, "medal_level": 21, "medal_name": "小电视",
                "special": "", "target_id": 5414290},
            "name_color": "", "num": num, "original_gift_name": "", "price": price, "rcost": 1,
            "remain": 0, "rnd": "1764800000", "send_master": None, "silver": 0, "super": 0,
            "super_batch_gift_num": 1, "super_gift_num": 1, "svga_block": 0, "tag_image": "",
            "tid": tid, "timestamp": 1764800000, "top_list": None, "total_coin": total,
            "uid": uid, "uname": uname,
            "gift_info": {"img_basic": "https://s1.hdslb.com/bfs/live/gift.png", "webp": ""},
        },
    }  # fmt: skip


def send_gift_v2_pb(
    uid: int, uname: str, gifts: list[tuple[str, int, int, str, str]],
    *, blind: tuple[str, int] | None = None,
) -> bytes:  # fmt: skip
    """``gifts``: ``(name, num, total_coin, coin_type, tid)`` per item of the repeated list."""
    items = []
    for i, (name, num, total, coin_type, tid) in enumerate(gifts):
        items.append(encode_fields([
            (1, 31036 + i), (2, name), (3, num), (4, 0), (5, total // max(num, 1)),
            (7, total), (8, coin_type), (9, tid), (10, 1764800000), (12, "1764800000"),
            (18, "投喂"), (35, encode_fields([(1, "https://s1.hdslb.com/bfs/live/g.png")])),
        ]))  # fmt: skip
    fields: list[tuple[int, int | str | bytes]] = [
        (1, uid), (2, uname), (3, "https://i0.hdslb.com/bfs/face/x.jpg"), (5, 3),
        (8, encode_fields([(1, 5414290), (4, 21452505), (5, 21), (6, "小电视")])),
    ]  # fmt: skip
    if blind:
        fields.append((9, encode_fields([(3, blind[0]), (6, blind[1])])))
    fields += [(10, item) for item in items]
    return encode_fields(fields)


def send_gift_v2(pb: bytes, *, switch: bool = True) -> dict[str, Any]:
    return {"cmd": "SEND_GIFT_V2", "data": {"pb": base64.b64encode(pb).decode(), "switch": switch}}


def interact_word_v2(uid: int, uname: str, msg_type: int, ts: int = 1764800001) -> dict[str, Any]:
    pb = encode_fields([
        (1, uid), (2, uname), (5, msg_type), (6, 1), (7, ts),
        (22, encode_fields([(1, uid), (2, encode_fields([(1, uname), (2, "https://f/x.jpg")]))])),
    ])  # fmt: skip
    return {"cmd": "INTERACT_WORD_V2", "data": {"dmscore": 2, "pb": base64.b64encode(pb).decode()}}


def interact_word(uid: int, uname: str, msg_type: int, ts: int = 1764800001) -> dict[str, Any]:
    return {
        "cmd": "INTERACT_WORD",
        "data": {"contribution": {"grade": 0}, "dmscore": 12, "fans_medal": {"medal_level": 0},
                 "identities": [1], "is_spread": 0, "msg_type": msg_type, "roomid": 21452505,
                 "score": 1764800001000, "spread_desc": "", "timestamp": ts, "trigger_time": ts,
                 "uid": uid, "uname": uname, "uname_color": ""},
    }  # fmt: skip


def guard_buy(uid: int, uname: str, level: int, num: int, price: int, start: int) -> dict[str, Any]:
    names = {1: "总督", 2: "提督", 3: "舰长"}
    return {
        "cmd": "GUARD_BUY",
        "data": {"uid": uid, "username": uname, "guard_level": level, "num": num,
                 "price": price, "gift_id": 10000 + level, "gift_name": names[level],
                 "start_time": start, "end_time": start},
    }  # fmt: skip


def user_toast_v2(
    uid: int, uname: str, level: int, num: int, price: int, start: int, *, source: int = 0
) -> dict[str, Any]:
    return {
        "cmd": "USER_TOAST_MSG_V2",
        "data": {
            "sender_uinfo": {"uid": uid, "base": {"name": uname, "face": "https://f/x.jpg"}},
            "receiver_uinfo": {"uid": 5414290, "base": {"name": "某主播"}},
            "guard_info": {"guard_level": level, "role_name": "舰长", "room_guard_count": 120,
                           "op_type": 1, "start_time": start, "end_time": start},
            "group_guard_info": None,
            "pay_info": {"payflow_id": "2512041234567890", "price": price, "num": num, "unit": "月"},
            "gift_info": {"gift_id": 10000 + level},
            "effect_info": {"effect_id": 397},
            "toast_msg": f"<%{uname}%> 在主播某主播的直播间开通了舰长",
            "option": {"anchor_show": True, "user_show": True, "is_group": 0, "source": source},
        },
    }  # fmt: skip


def super_chat(sc_id: int, uid: int, uname: str, yuan: int, message: str) -> dict[str, Any]:
    return {
        "cmd": "SUPER_CHAT_MESSAGE",
        "data": {
            "background_bottom_color": "#2A60B2", "background_color": "#EDF5FF",
            "background_icon": "", "background_image": "", "background_price_color": "#7497CD",
            "color_point": 0.7, "dmscore": 120, "end_time": 1764800060, "gift": {
                "gift_id": 12000, "gift_name": "醒目留言", "num": 1},
            "id": sc_id, "is_ranked": 0, "is_send_audit": 0, "medal_info": {
                "anchor_roomid": 21452505, "anchor_uname": "某主播", "guard_level": 0,
                "medal_level": 21, "medal_name": "小电视", "target_id": 5414290},
            "message": message, "message_font_color": "#A3F6FF", "message_trans": "",
            "price": yuan, "rate": 1000, "start_time": 1764800000, "time": 60, "token": "1A2B3C",
            "trans_mark": 0, "ts": 1764800000, "uid": uid, "user_info": {
                "face": "https://f/x.jpg", "face_frame": "", "guard_level": 0, "is_main_vip": 0,
                "is_svip": 0, "is_vip": 0, "level_color": "#61c05a", "manager": 0,
                "name_color": "#666666", "title": "0", "uname": uname, "user_level": 10},
        },
    }  # fmt: skip


def like_click(uid: int, uname: str) -> dict[str, Any]:
    return {
        "cmd": "LIKE_INFO_V3_CLICK",
        "data": {"show_area": 0, "msg_type": 6, "like_icon": "https://i0.hdslb.com/like.png",
                 "uid": uid, "like_text": "为主播点赞了", "uname": uname, "uname_color": "",
                 "identities": [1], "fans_medal": {"medal_level": 0}, "dmscore": 20},
    }  # fmt: skip


def open_dm(msg_id: str, open_id: str, uname: str, msg: str, *, dm_type: int = 0) -> dict[str, Any]:
    return {
        "cmd": "LIVE_OPEN_PLATFORM_DM",
        "data": {"room_id": 21452505, "uid": 0, "open_id": open_id, "union_id": "", "uname": uname,
                 "msg": msg, "msg_id": msg_id, "fans_medal_level": 21, "fans_medal_name": "小电视",
                 "fans_medal_wearing_status": True, "guard_level": 0, "timestamp": 1764800000,
                 "uface": "https://f/x.jpg", "emoji_img_url": "", "dm_type": dm_type,
                 "glory_level": 12, "reply_open_id": "", "reply_uname": "", "is_admin": 0},
    }  # fmt: skip


def open_gift(
    msg_id: str, open_id: str, uname: str, gift: str, num: int, r_price: int, *, paid: bool = True
) -> dict[str, Any]:
    return {
        "cmd": "LIVE_OPEN_PLATFORM_SEND_GIFT",
        "data": {"room_id": 21452505, "uid": 0, "open_id": open_id, "union_id": "", "uname": uname,
                 "uface": "https://f/x.jpg", "gift_id": 31036, "gift_name": gift, "gift_num": num,
                 "price": r_price, "r_price": r_price, "paid": paid, "fans_medal_level": 21,
                 "fans_medal_name": "小电视", "fans_medal_wearing_status": True, "guard_level": 0,
                 "timestamp": 1764800000, "anchor_info": {"uid": 0, "open_id": "anchor-open-id",
                 "union_id": "", "uname": "某主播", "uface": "https://f/a.jpg"},
                 "msg_id": msg_id, "gift_icon": "https://s1.hdslb.com/g.png", "combo_gift": False,
                 "combo_info": {"combo_base_num": 1, "combo_count": 1, "combo_id": "c-1",
                 "combo_timeout": 3}},
    }  # fmt: skip


def _open(name: str, **data: Any) -> dict[str, Any]:
    return {"cmd": "LIVE_OPEN_PLATFORM_" + name, "data": {"room_id": 21452505, **data}}


def open_guard(msg_id: str, open_id: str, uname: str, *, level: int = 3) -> dict[str, Any]:
    """A guard bought for one month (舰长 198 CNY = 198,000 gold coins)."""
    user = {"uid": 0, "open_id": open_id, "union_id": "", "uname": uname, "uface": "https://f/x"}
    price = {1: 19_998_000, 2: 1_998_000, 3: 198_000}[level]
    return _open("GUARD", user_info=user, guard_level=level, guard_num=1, guard_unit="月",
                 price=price, fans_medal_level=21, fans_medal_name="小电视",
                 fans_medal_wearing_status=True, timestamp=1764800000, msg_id=msg_id)  # fmt: skip


def open_super_chat(
    msg_id: str, open_id: str, uname: str, rmb: int, text: str, *, message_id: int = 88001
) -> dict[str, Any]:
    return _open("SUPER_CHAT", uid=0, open_id=open_id, union_id="", uname=uname,
                 uface="https://f/x", message_id=message_id, message=text, rmb=rmb,
                 timestamp=1764800000, start_time=1764800000, end_time=1764800060,
                 guard_level=0, fans_medal_level=0, fans_medal_name="",
                 fans_medal_wearing_status=False, msg_id=msg_id)  # fmt: skip


def open_like(msg_id: str, open_id: str, uname: str, count: int, *, key: str = "open_id") -> dict[str, Any]:  # fmt: skip
    """``key="openid"``: as the one release that misspelt it (blivedm#64)."""
    return _open("LIKE", uid=0, uname=uname, uface="https://f/x", timestamp=1764800000,
                 like_text="为主播点赞了", like_count=count, fans_medal_level=0,
                 fans_medal_name="", fans_medal_wearing_status=False, msg_id=msg_id,
                 **{key: open_id})  # fmt: skip


def open_enter(open_id: str, uname: str) -> dict[str, Any]:
    return _open("LIVE_ROOM_ENTER", uface="https://f/x", uname=uname, open_id=open_id,
                 timestamp=1764800000)  # fmt: skip


def open_live_start(msg_id: str, title: str = "直播带货") -> dict[str, Any]:
    return _open("LIVE_START", open_id="anchor-open-id", timestamp=1764800100,
                 area_name="购物", title=title, msg_id=msg_id)  # fmt: skip


def open_interaction_end(game_id: str = "") -> dict[str, Any]:
    """The platform stopped pushing this game's messages: the client starts a new game."""
    return {"cmd": "LIVE_OPEN_PLATFORM_INTERACTION_END",
            "data": {"game_id": game_id, "timestamp": 1764800000}}  # fmt: skip
