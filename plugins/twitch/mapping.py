"""EventSub notifications → LiveDesk events (pure: no I/O, never raises for any JSON).

:meth:`TwitchMapper.map` takes one notification's ``subscription.type`` and ``event`` object
(:mod:`plugins.twitch.payloads` shows their documented shapes) and returns a :class:`Mapped`:
``(type, data)`` pairs in LiveDesk's event schema (app/platform/models.py), or the reason a
recognised notification was skipped. The adapter validates each pair with the models and drops
repeats by the envelope's ``metadata.message_id`` before calling this.

The rules (each event counted once):

- ``channel.chat.message`` → one ``comment`` (id = the chat message id, ``user_id`` = the
  chatter's Twitch user id as text, nickname = the display name, role ``host`` for the
  broadcaster badge, ``assistant`` for a moderator). A chat message carrying a cheer is still
  just that comment: the money comes from ``channel.cheer``.
- ``channel.cheer`` → one ``paid_message``: ``amount_cents`` = bits (1 bit = 1 US cent, what
  the streamer is paid), currency ``USD``, ``text`` = the cheer's message. An anonymous cheer
  has ``user_id`` ``anonymous``.
- ``channel.subscribe`` → ``membership`` (tier ``Tier 1``/``Tier 2``/``Tier 3`` from
  1000/2000/3000, 1 month) for a sub the user bought; a gifted one (``is_gift``) is skipped:
  that purchase is the gifter's, counted once by ``channel.subscription.gift``.
- ``channel.subscription.gift`` → one ``membership`` for the gifter with ``gifted`` = the
  number of subs given (``total``), ``months`` 1 (each gifted sub is one month); anonymous
  gifters as above.
- ``channel.chat.notification``: ``resub`` → ``membership`` (``months`` = the months just
  paid for, ``duration_months``): Twitch sends no ``channel.subscribe`` for a resub.
  ``sub``, ``sub_gift`` and ``community_sub_gift`` are the chat's copies of purchases that
  ``channel.subscribe`` / ``channel.subscription.gift`` already report, so they are skipped —
  unless those two are not subscribed (the token lacks ``channel:read:subscriptions``):
  then, with ``subs_from_chat``, ``sub`` and ``community_sub_gift`` (``gifted`` = its
  ``total``) and a ``sub_gift`` outside a community gift (``gifted`` 1) become the memberships
  instead. Other notices (raids, announcements…) have
  no LiveDesk event and are ignored.
- ``channel.follow`` (v2) → ``follow``.

Text is bounded (:data:`MAX_TEXT`); money is integer cents; ids are text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from app.api import tr
from plugins.twitch import payloads as p

USD = "USD"
MAX_TEXT = 1000  # chat messages are at most 500 characters
MAX_NAME = 64
MAX_ID = 128
MAX_BITS = 10_000_000
ANONYMOUS_ID = "anonymous"
TIERS = {"1000": "Tier 1", "2000": "Tier 2", "3000": "Tier 3"}


class Mapped(NamedTuple):
    events: tuple[tuple[str, dict[str, Any]], ...] = ()
    reason: str | None = None  # set when a recognised notification was skipped as invalid


class Invalid(Exception):
    pass


def _text(v: object, what: str, limit: int = MAX_TEXT) -> str:
    if v is None:
        return ""
    if not isinstance(v, str):
        raise Invalid(f"{what} is not text")
    return v[:limit]


def _ident(v: object, what: str) -> str:
    if not isinstance(v, str) or not v or len(v) > MAX_ID:
        raise Invalid(f"{what} is missing or not an id")
    return v


def _count(v: object, what: str, hi: int = MAX_BITS) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not 0 < v <= hi:
        raise Invalid(f"{what} is not a positive count")
    return v


def _tier(v: object) -> str:
    if not isinstance(v, str) or v not in TIERS:
        raise Invalid(f"tier {v!r} is not 1000, 2000 or 3000")
    return TIERS[v]


def _who(event: dict[str, Any], prefix: str = "user") -> tuple[str, str]:
    """``(user_id, nickname)``; anonymous when Twitch says so or leaves the user out."""
    uid = event.get(f"{prefix}_id")
    if event.get("is_anonymous") or uid in (None, ""):
        return ANONYMOUS_ID, tr("匿名观众")
    name = event.get(f"{prefix}_name") or event.get(f"{prefix}_login") or uid
    return _ident(uid, f"{prefix}_id"), _text(name, f"{prefix}_name", MAX_NAME)


def _membership(
    uid: str, nick: str, tier: str, months: int, gifted: int = 0
) -> tuple[str, dict[str, Any]]:
    data: dict[str, Any] = {"user_id": uid, "nickname": nick, "tier": tier, "months": months}
    if gifted:
        data["gifted"] = gifted
    data["currency"] = USD
    return "membership", data


class TwitchMapper:
    def __init__(self) -> None:
        #: take subs and gifted subs from chat notifications (``channel.subscribe`` and
        #: ``channel.subscription.gift`` are not subscribed)
        self.subs_from_chat = False
        self._handlers: dict[str, Callable[[dict[str, Any]], Mapped]] = {
            p.CHAT_MESSAGE: self._chat,
            p.CHEER: self._cheer,
            p.SUBSCRIBE: self._subscribe,
            p.SUBSCRIPTION_GIFT: self._gift,
            p.CHAT_NOTIFICATION: self._notice,
            p.FOLLOW: self._follow,
        }

    def map(self, sub_type: object, event: object) -> Mapped:
        handler = self._handlers.get(sub_type) if isinstance(sub_type, str) else None
        if handler is None:
            return Mapped()
        if not isinstance(event, dict):
            return Mapped(reason=f"{sub_type}: the event is not an object")
        try:
            return handler(event)
        except Invalid as exc:
            return Mapped(reason=f"{sub_type}: {exc}")

    def _chat(self, e: dict[str, Any]) -> Mapped:
        message = e.get("message")
        if not isinstance(message, dict):
            raise Invalid("message is not an object")
        badges = e.get("badges")
        if not isinstance(badges, list):
            badges = []
        sets = {b.get("set_id") for b in badges if isinstance(b, dict)}
        role = "host" if "broadcaster" in sets else "assistant" if "moderator" in sets else "viewer"
        uid, nick = _who(e, "chatter_user")
        comment = {
            "id": _ident(e.get("message_id"), "message_id"),
            "user_id": uid,
            "nickname": nick,
            "text": _text(message.get("text"), "message.text"),
            "role": role,
        }
        return Mapped((("comment", {"comment": comment}),))

    def _cheer(self, e: dict[str, Any]) -> Mapped:
        uid, nick = _who(e)
        data = {
            "user_id": uid,
            "nickname": nick,
            "amount_cents": _count(e.get("bits"), "bits"),
            "currency": USD,
            "text": _text(e.get("message"), "message"),
        }
        return Mapped((("paid_message", data),))

    def _subscribe(self, e: dict[str, Any]) -> Mapped:
        if e.get("is_gift") is True:
            return Mapped()  # the gifter's purchase: channel.subscription.gift counts it
        uid, nick = _who(e)
        return Mapped((_membership(uid, nick, _tier(e.get("tier")), 1),))

    def _gift(self, e: dict[str, Any]) -> Mapped:
        uid, nick = _who(e)
        total = _count(e.get("total"), "total", 100_000)
        return Mapped((_membership(uid, nick, _tier(e.get("tier")), 1, total),))

    def _notice(self, e: dict[str, Any]) -> Mapped:
        kind = e.get("notice_type")
        detail = e.get(kind) if isinstance(kind, str) else None
        if kind == "resub":
            return Mapped((self._from_chat(e, detail, "duration_months"),))
        if not self.subs_from_chat:
            return Mapped()
        if kind == "sub":
            return Mapped((self._from_chat(e, detail, "duration_months"),))
        if kind == "community_sub_gift":
            return Mapped((self._from_chat(e, detail, None, gifted="total"),))
        if kind == "sub_gift" and isinstance(detail, dict) and not detail.get("community_gift_id"):
            return Mapped((self._from_chat(e, detail, None, gifted=1),))
        return Mapped()

    def _from_chat(
        self, e: dict[str, Any], detail: object, months_key: str | None, gifted: int | str = 0
    ) -> Any:
        """The membership of a chat notice: ``months`` from ``months_key`` (None: 1); ``gifted``
        the subs given (a count, or the key holding it; 0: a sub for oneself)."""
        if not isinstance(detail, dict):
            raise Invalid(f"{e.get('notice_type')} is not an object")
        if e.get("chatter_is_anonymous"):
            uid, nick = ANONYMOUS_ID, tr("匿名观众")
        else:
            uid, nick = _who(e, "chatter_user")
        months = 1 if months_key is None else _count(detail.get(months_key), months_key, 1000)
        if isinstance(gifted, str):
            gifted = _count(detail.get(gifted), gifted, 100_000)
        return _membership(uid, nick, _tier(detail.get("sub_tier")), months, gifted)

    def _follow(self, e: dict[str, Any]) -> Mapped:
        uid, nick = _who(e)
        if uid == ANONYMOUS_ID:
            raise Invalid("a follow without a user")
        return Mapped((("follow", {"user_id": uid, "nickname": nick}),))
