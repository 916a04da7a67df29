"""Web danmaku commands (``DANMU_MSG``, ``SEND_GIFT``, …) → LiveDesk events.

Field lists from ../shared/research/platforms.md §2.4, checked against the MIT-licensed
xfgryujk/blivedm ``blivedm/models/web.py`` (HEAD 3bf17fe). Guarantees: those of
:mod:`plugins.bilibili.events` (``map`` never raises; bounded, validated fields; integer cents in
CNY) plus:

- ``user_id`` is the viewer's uid as text; a guest-masked viewer (uid 0) gets
  ``anon-<uid crc32 hash>`` when the packet carries the hash, so masked viewers stay distinct.
- Keys for de-duplication: ``dm:<id_str>``, ``gift:<tid>`` (the same for ``SEND_GIFT`` and each
  item of ``SEND_GIFT_V2``, which coexist during Bilibili's grey release), ``sc:<id>``,
  ``guard:<uid>:<level>:<start_time>`` (the same purchase arrives as ``GUARD_BUY``,
  ``USER_TOAST_MSG`` and ``USER_TOAST_MSG_V2``), ``iw:<uid>:<type>:<ts>`` (``INTERACT_WORD`` and
  its V2).
- A gift is worth what was paid: ``total_coin`` of gold gifts (a blind box counts at the box's
  price, not the prize's), silver gifts 0. ``SEND_GIFT_V2`` counts only when its ``switch`` is
  true. ``COMBO_SEND`` summarises gifts already sent one by one, so it is a ``room_note``, not a
  second gift. ``USER_TOAST_MSG_V2`` with ``option.source`` 2 (the free follow-up of a purchase)
  is ignored.
- Cross-room ``DANMU_MSG_MIRROR``, ``SUPER_CHAT_MESSAGE_JPN`` (a translation of one already
  sent) and every unknown command are ignored (empty result, no reason).
"""

from __future__ import annotations

from typing import Any

from plugins.bilibili import events as ev
from plugins.bilibili.events import (
    CNY,
    IGNORED,
    MAX_COINS,
    MAX_ID,
    MAX_NAME,
    MAX_TEXT,
    MAX_UID,
    BiliEvent,
    Handled,
    Invalid,
    Mapper,
    MapResult,
    gold_to_cents,
    ident,
    integer,
    lst,
    obj,
    text,
)
from plugins.bilibili.protobuf import (
    b64_message,
    decode_interact_word_v2,
    decode_send_gift_v2,
)

# INTERACT_WORD(_V2) msg_type → event type (6 = like duplicates LIKE_INFO_V3_CLICK: ignored)
_INTERACT = {1: ev.VIEWER_ENTER, 2: ev.FOLLOW, 3: ev.SHARE, 4: ev.FOLLOW, 5: ev.FOLLOW}

_new_event = tuple.__new__  # BiliEvent's own __new__ is a Python frame; this one is not

# commerce signals: no order data, only what the room sees
_NOTES = (
    "GOTO_BUY_FLOW",
    "HOT_BUY_NUM",
    "SHOPPING_CART_SHOW",
    "SHOPPING_EXPLAIN_CARD",
    "RECOMMEND_CARD",
)


def _uid(v: object) -> int:
    return integer(v, "uid", 0, MAX_UID)


def _gift_value(coin_type: str, total_coin: int) -> int:
    return gold_to_cents(total_coin) if coin_type == "gold" else 0


class WebMapper(Mapper):
    """Maps commands of one room's web connection; keeps the room's running like total."""

    def __init__(self) -> None:
        super().__init__()
        self.like_total = 0
        self.handlers.update(
            {
                "DANMU_MSG": self._danmu,
                "SEND_GIFT": self._gift,
                "SEND_GIFT_V2": self._gift_v2,
                "COMBO_SEND": self._combo,
                "GUARD_BUY": self._guard_buy,
                "USER_TOAST_MSG": self._guard_buy,
                "USER_TOAST_MSG_V2": self._toast_v2,
                "SUPER_CHAT_MESSAGE": self._super_chat,
                "SUPER_CHAT_MESSAGE_DELETE": self._super_chat_delete,
                "INTERACT_WORD": self._interact,
                "INTERACT_WORD_V2": self._interact_v2,
                "LIKE_INFO_V3_CLICK": self._like_click,
                "LIKE_INFO_V3_UPDATE": self._like_update,
                "WATCHED_CHANGE": self._watched,
                "ONLINE_RANK_COUNT": self._online,
                "LIVE": lambda _b: _one(ev.ROOM_STATE, {"live": True}),
                "PREPARING": lambda _b: _one(ev.ROOM_STATE, {"live": False}),
                "LOG_IN_NOTICE": self._login_notice,
            }
        )
        for name in _NOTES:
            self.handlers[name] = self._commerce_note

    # --- chat ------------------------------------------------------------------------------------

    def _danmu(self, body: dict[str, Any]) -> Handled:
        # the hot path (most of a busy room): plain type checks inline, helpers only on failure
        info = body.get("info")
        if type(info) is not list or len(info) < 3:
            raise Invalid("info is not a list of 3+")
        head, msg, user = info[0], info[1], info[2]
        if type(head) is not list:
            raise Invalid("info[0] is not a list")
        if type(msg) is not str or len(msg) > MAX_TEXT:
            msg = text(msg, "text")
        if type(user) is not list or len(user) < 2:
            raise Invalid("info[2] is not a list of 2+")
        uid, nickname = user[0], user[1]
        if type(uid) is not int or not 0 <= uid <= MAX_UID:
            uid = _uid(uid)
        if type(nickname) is not str or len(nickname) > MAX_NAME:
            nickname = text(nickname, "nickname", MAX_NAME)
        user_id = str(uid)
        if uid == 0 and len(head) > 7 and isinstance(head[7], str) and 0 < len(head[7]) <= 16:
            user_id = "anon-" + head[7]
        msg_id = ""
        mode_info = head[15] if len(head) > 15 else None
        if type(mode_info) is dict:  # info[0][15].extra.id_str: a bounded text search, as the
            # extra JSON is large and only the id is needed
            extra = mode_info.get("extra")
            if type(extra) is str:
                at = extra.find('"id_str":"')
                if at >= 0:
                    stop = extra.find('"', at + 10, at + 11 + MAX_ID)
                    if stop > at + 10:
                        msg_id = extra[at + 10 : stop]
        if not msg_id:
            msg_id = _fallback_danmu_id(head, user_id)
        comment = {"id": msg_id, "user_id": user_id, "nickname": nickname, "text": msg}
        return _new_event(BiliEvent, (ev.COMMENT, {"comment": comment}, "dm:" + msg_id))

    # --- gifts -----------------------------------------------------------------------------------

    def _gift(self, body: dict[str, Any]) -> Handled:
        d = obj(body.get("data"), "data")
        coin_type = text(d.get("coin_type"), "coin_type", 16)
        total = integer(d.get("total_coin"), "total_coin", 0, MAX_COINS)
        tid = ident(d.get("tid"), "tid")
        data = {
            "user_id": str(_uid(d.get("uid"))),
            "nickname": text(d.get("uname"), "nickname", MAX_NAME),
            "gift": text(d.get("giftName"), "gift", MAX_NAME),
            "count": integer(d.get("num"), "num", 1),
            "value_cents": _gift_value(coin_type, total),
            "currency": CNY,
        }
        return _one(ev.GIFT, data, "gift:" + tid)

    def _gift_v2(self, body: dict[str, Any]) -> Handled:
        d = obj(body.get("data"), "data")
        switch = d.get("switch", body.get("switch"))
        if switch is not True and switch != 1:
            return IGNORED  # switch off: Bilibili says this is not a gift to show
        pb = decode_send_gift_v2(b64_message(d.get("pb")))
        user_id = str(_uid(pb.uid))
        nickname = text(pb.uname, "nickname", MAX_NAME)
        out = []
        for g in pb.gifts:
            total = integer(g.total_coin, "total_coin", 0, MAX_COINS)
            data = {
                "user_id": user_id,
                "nickname": nickname,
                "gift": text(g.gift_name, "gift", MAX_NAME),
                "count": integer(g.num, "num", 1),
                "value_cents": _gift_value(g.coin_type, total),
                "currency": CNY,
            }
            key = "gift:" + text(g.tid, "tid", MAX_ID) if g.tid else None
            out.append(_new_event(BiliEvent, (ev.GIFT, data, key)))
        return tuple(out)

    def _combo(self, body: dict[str, Any]) -> Handled:
        d = obj(body.get("data"), "data")
        name = text(d.get("uname"), "nickname", MAX_NAME)
        gift = text(d.get("gift_name"), "gift", MAX_NAME)
        total = integer(d.get("total_num", d.get("combo_num")), "total_num", 0)
        return _one(ev.ROOM_NOTE, {"kind": "gift_combo", "text": f"{name} {gift} x{total}"})

    # --- memberships (大航海) and Super Chat -------------------------------------------------------

    def _guard_buy(self, body: dict[str, Any]) -> Handled:
        d = obj(body.get("data"), "data")
        return _membership(
            uid=_uid(d.get("uid")),
            nickname=text(d.get("username"), "nickname", MAX_NAME),
            level=d.get("guard_level"),
            num=d.get("num"),
            price=d.get("price"),
            unit=d.get("unit", "月"),
            start=d.get("start_time"),
        )

    def _toast_v2(self, body: dict[str, Any]) -> Handled:
        d = obj(body.get("data"), "data")
        option = d.get("option")
        if isinstance(option, dict) and option.get("source") == 2:
            return IGNORED
        sender = obj(d.get("sender_uinfo"), "sender_uinfo")
        guard = obj(d.get("guard_info"), "guard_info")
        pay = obj(d.get("pay_info"), "pay_info")
        return _membership(
            uid=_uid(sender.get("uid")),
            nickname=text(obj(sender.get("base"), "base").get("name"), "nickname", MAX_NAME),
            level=guard.get("guard_level"),
            num=pay.get("num"),
            price=pay.get("price"),
            unit=pay.get("unit", "月"),
            start=guard.get("start_time"),
        )

    def _super_chat(self, body: dict[str, Any]) -> Handled:
        d = obj(body.get("data"), "data")
        sc_id = ident(d.get("id"), "id")
        user = obj(d.get("user_info"), "user_info")
        yuan = integer(d.get("price"), "price", 0, MAX_COINS // 1000)
        data = {
            "user_id": str(_uid(d.get("uid"))),
            "nickname": text(user.get("uname"), "nickname", MAX_NAME),
            "amount_cents": yuan * 100,
            "currency": CNY,
            "text": text(d.get("message"), "message"),
            "message_id": sc_id,  # SUPER_CHAT_MESSAGE_DELETE refers to it
        }
        return _one(ev.PAID_MESSAGE, data, "sc:" + sc_id)

    def _super_chat_delete(self, body: dict[str, Any]) -> Handled:
        d = obj(body.get("data"), "data")
        ids = [ident(i, "ids[]") for i in lst(d.get("ids"), "ids")[:1000]]
        return _one(ev.PAID_MESSAGE_DELETED, {"ids": ids})

    # --- interactions ----------------------------------------------------------------------------

    def _interact(self, body: dict[str, Any]) -> Handled:
        d = obj(body.get("data"), "data")
        return _interaction(
            _uid(d.get("uid")),
            text(d.get("uname"), "nickname", MAX_NAME),
            integer(d.get("msg_type"), "msg_type", 0, 1000),
            integer(d.get("timestamp"), "timestamp", 0, 2**40, default=0),
        )

    def _interact_v2(self, body: dict[str, Any]) -> Handled:
        d = obj(body.get("data"), "data")
        pb = decode_interact_word_v2(b64_message(d.get("pb")))
        return _interaction(
            _uid(pb.uid),
            text(pb.uname, "nickname", MAX_NAME),
            pb.msg_type,
            integer(pb.timestamp, "timestamp", 0, 2**40),
        )

    def _like_click(self, body: dict[str, Any]) -> Handled:
        d = obj(body.get("data"), "data")
        user_id = str(_uid(d.get("uid")))
        self.like_total += 1
        return _one(ev.LIKE, {"user_id": user_id, "count": 1, "total": self.like_total})

    def _like_update(self, body: dict[str, Any]) -> Handled:
        d = obj(body.get("data"), "data")
        self.like_total = integer(d.get("click_count"), "click_count", 0, MAX_COINS)
        return _one(ev.LIKE, {"user_id": None, "count": 0, "total": self.like_total})

    # --- room ------------------------------------------------------------------------------------

    def _watched(self, body: dict[str, Any]) -> Handled:
        d = obj(body.get("data"), "data")
        return _one(ev.VIEWERS, {"uv": integer(d.get("num"), "num", 0, MAX_COINS)})

    def _online(self, body: dict[str, Any]) -> Handled:
        d = obj(body.get("data"), "data")
        return _one(ev.VIEWERS, {"online": integer(d.get("count"), "count", 0, MAX_COINS)})

    def _login_notice(self, body: dict[str, Any]) -> Handled:
        d = body.get("data")
        notice = d.get("notice_msg") if isinstance(d, dict) else None
        note = text(notice, "notice_msg", default="")
        # one key for every such notice: the adapter's repeat filter lets the first one through
        room_note = _one(ev.ROOM_NOTE, {"kind": "names_masked", "text": note}, "note:names_masked")
        return MapResult((room_note,) if note else (), signal=ev.SIGNAL_NAMES_MASKED)

    def _commerce_note(self, body: dict[str, Any]) -> Handled:
        cmd = text(body.get("cmd"), "cmd", MAX_ID).split(":", 1)[0]
        d = body.get("data")
        note = ""
        if isinstance(d, dict):
            card = d.get("shopping_card_detail")
            if isinstance(d.get("text"), str):
                note = text(d.get("text"), "text")
            elif isinstance(card, dict):
                note = text(card.get("goods_name"), "goods_name", default="")
            elif isinstance(d.get("num"), int):
                note = str(integer(d.get("num"), "num", 0, MAX_COINS))
        if not note:
            return IGNORED  # nothing to show
        return _one(ev.ROOM_NOTE, {"kind": cmd.lower(), "text": note})


def _one(etype: str, data: dict[str, Any], key: str | None = None) -> BiliEvent:
    return _new_event(BiliEvent, (etype, data, key))  # type: ignore[no-any-return]


def _fallback_danmu_id(head: list[Any], uid: str) -> str:
    """Without ``info[0][15].extra.id_str``: ``<ms timestamp>:<user id>:<rnd>`` — the user id
    with a masked viewer's hash (``anon-…``), so two guests in one millisecond stay two."""
    ts = integer(head[4] if len(head) > 4 else None, "timestamp", 0, 2**50, default=0)
    rnd = head[5] if len(head) > 5 and isinstance(head[5], int | str) else ""
    return f"{ts}:{uid}:{str(rnd)[:MAX_ID]}"


def _membership(
    *,
    uid: int,
    nickname: str,
    level: object,
    num: object,
    price: object,
    unit: object,
    start: object,
) -> Handled:
    lvl = integer(level, "guard_level", 1, 3)
    n = integer(num, "num", 1, 1200)
    unit_price = integer(price, "price", 0, MAX_COINS // 1200)
    unit_text = text(unit, "unit", 16, default="月")
    when = integer(start, "start_time", 0, 2**40, default=0)
    data = {
        "user_id": str(uid),
        "nickname": nickname,
        "tier": ev.GUARD_TIERS[lvl],
        "months": n if unit_text == "月" else 0,
        "amount_cents": gold_to_cents(unit_price * n),
        "currency": CNY,
    }
    return _one(ev.MEMBERSHIP, data, f"guard:{uid}:{lvl}:{when}")


def _interaction(uid: int, nickname: str, msg_type: int, ts: int) -> Handled:
    etype = _INTERACT.get(msg_type)
    if etype is None:
        return IGNORED
    key = f"iw:{uid}:{msg_type}:{ts}" if ts else None  # no timestamp: nothing to tell repeats by
    return _one(etype, {"user_id": str(uid), "nickname": nickname}, key)
