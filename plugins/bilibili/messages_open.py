"""Official open-live (直播开放平台) commands → LiveDesk events.

Field lists from the official docs as recorded in xfgryujk/blivedm ``blivedm/models/open_live.py``
(MIT, HEAD 3bf17fe) and ../shared/research/platforms.md §2.5. Guarantees: those of
:mod:`plugins.bilibili.events` (``map`` never raises; bounded, validated fields; integer cents in
CNY) plus:

- ``user_id`` is the viewer's ``open_id`` (one release sent ``openid``: both are accepted).
- Every event's key is ``msg_id`` (the platform's unique message id), when present.
- Gift value: ``r_price`` (the real value, 1000 = 1 CNY) × ``gift_num`` when ``paid``, else 0.
  Open-live gives no price paid for blind boxes (``price``/``r_price`` are the prize's), so a
  blind box counts at its prize's value here — the one place this differs from the web path.
- ``LIVE_OPEN_PLATFORM_INTERACTION_END`` maps to no event and the signal
  :data:`~plugins.bilibili.events.SIGNAL_INTERACTION_END` (the adapter restarts the game).
- ``LIVE_OPEN_PLATFORM_DM_MIRROR`` (cross-room) and unknown commands are ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from plugins.bilibili import events as ev
from plugins.bilibili.events import (
    CNY,
    MAX_COINS,
    MAX_NAME,
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

PREFIX = "LIVE_OPEN_PLATFORM_"


def _open_id(d: dict[str, Any]) -> str:
    return ident(d.get("open_id", d.get("openid")), "open_id")


def _key(d: dict[str, Any]) -> str | None:
    v = d.get("msg_id")
    if v is None or v == "":
        return None
    return "msg:" + ident(v, "msg_id")


class OpenMapper(Mapper):
    """Maps commands of one open-live game; keeps the running like total of the session."""

    def __init__(self) -> None:
        super().__init__()
        self.like_total = 0
        own: dict[str, Callable[[dict[str, Any]], Handled]] = {
            "DM": self._dm,
            "SEND_GIFT": self._gift,
            "GUARD": self._guard,
            "SUPER_CHAT": self._super_chat,
            "SUPER_CHAT_DEL": self._super_chat_del,
            "LIKE": self._like,
            "LIVE_ROOM_ENTER": self._enter,
            "LIVE_START": lambda d: self._state(d, True),
            "LIVE_END": lambda d: self._state(d, False),
        }
        for name, handler in own.items():
            self.handlers[PREFIX + name] = _with_data(handler)
        self.handlers[PREFIX + "INTERACTION_END"] = lambda _b: MapResult(
            signal=ev.SIGNAL_INTERACTION_END
        )

    def _dm(self, d: dict[str, Any]) -> Handled:
        key = _key(d)
        if key is None:
            raise Invalid("danmaku without msg_id")
        comment = {
            "id": key[4:],
            "user_id": _open_id(d),
            "nickname": text(d.get("uname"), "nickname", MAX_NAME),
            "text": text(d.get("msg"), "msg"),  # an emoji danmaku (dm_type 1) carries its text
        }
        return _one(ev.COMMENT, {"comment": comment}, key)

    def _gift(self, d: dict[str, Any]) -> Handled:
        num = integer(d.get("gift_num"), "gift_num", 1)
        paid = d.get("paid")
        if not isinstance(paid, bool):
            raise Invalid("paid is not a boolean")
        r_price = integer(d.get("r_price", d.get("price")), "r_price", 0, MAX_COINS // num)
        data = {
            "user_id": _open_id(d),
            "nickname": text(d.get("uname"), "nickname", MAX_NAME),
            "gift": text(d.get("gift_name"), "gift", MAX_NAME),
            "count": num,
            "value_cents": gold_to_cents(r_price * num) if paid else 0,
            "currency": CNY,
        }
        return _one(ev.GIFT, data, _key(d))

    def _guard(self, d: dict[str, Any]) -> Handled:
        user = obj(d.get("user_info"), "user_info")
        level = integer(d.get("guard_level"), "guard_level", 1, 3)
        num = integer(d.get("guard_num"), "guard_num", 1, 1200)
        unit = text(d.get("guard_unit"), "guard_unit", 16, default="月")
        price = integer(d.get("price"), "price", 0, MAX_COINS // 1200)
        data = {
            "user_id": _open_id(user),
            "nickname": text(user.get("uname"), "nickname", MAX_NAME),
            "tier": ev.GUARD_TIERS[level],
            # guard_unit other than 月 (e.g. "*3天") overrides guard_num (official docs)
            "months": num if unit == "月" else 0,
            "amount_cents": gold_to_cents(price * num),
            "currency": CNY,
        }
        return _one(ev.MEMBERSHIP, data, _key(d))

    def _super_chat(self, d: dict[str, Any]) -> Handled:
        yuan = integer(d.get("rmb"), "rmb", 0, MAX_COINS // 1000)
        data = {
            "user_id": _open_id(d),
            "nickname": text(d.get("uname"), "nickname", MAX_NAME),
            "amount_cents": yuan * 100,
            "currency": CNY,
            "text": text(d.get("message"), "message"),
            "message_id": ident(d.get("message_id"), "message_id"),  # SUPER_CHAT_DEL refers to it
        }
        return _one(ev.PAID_MESSAGE, data, _key(d))

    def _super_chat_del(self, d: dict[str, Any]) -> Handled:
        ids = [ident(i, "message_ids[]") for i in lst(d.get("message_ids"), "message_ids")[:1000]]
        return _one(ev.PAID_MESSAGE_DELETED, {"ids": ids}, _key(d))

    def _like(self, d: dict[str, Any]) -> Handled:
        count = integer(d.get("like_count"), "like_count", 0)
        self.like_total += count
        data = {"user_id": _open_id(d), "count": count, "total": self.like_total}
        return _one(ev.LIKE, data, _key(d))

    def _enter(self, d: dict[str, Any]) -> Handled:
        data = {"user_id": _open_id(d), "nickname": text(d.get("uname"), "nickname", MAX_NAME)}
        return _one(ev.VIEWER_ENTER, data, _key(d))

    def _state(self, d: dict[str, Any], live: bool) -> Handled:
        data: dict[str, Any] = {"live": live}
        title = d.get("title")
        if title is not None:
            data["title"] = text(title, "title", MAX_NAME * 2)
        return _one(ev.ROOM_STATE, data, _key(d))


def _one(etype: str, data: dict[str, Any], key: str | None = None) -> BiliEvent:
    return BiliEvent(etype, data, key)


def _with_data(
    handler: Callable[[dict[str, Any]], Handled],
) -> Callable[[dict[str, Any]], Handled]:
    return lambda body: handler(obj(body.get("data"), "data"))
