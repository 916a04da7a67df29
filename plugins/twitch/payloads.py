"""Twitch EventSub messages and event payloads, shaped exactly as Twitch documents them.

The stand-in sends these, the mapping tests feed them to the mapper, and a script for
``python -m plugins.twitch.standin`` is made of them. Field names and nesting follow the Twitch
reference (dev.twitch.tv/docs/eventsub: "WebSocket messages", "Subscription types" and the
event objects; the same fields appear in Twurple's and twitch_api's typed payloads):

- every message is ``{"metadata": {message_id, message_type, message_timestamp[,
  subscription_type, subscription_version]}, "payload": {...}}``; timestamps are RFC 3339 with
  nanoseconds;
- ``session_welcome`` / ``session_reconnect`` carry ``payload.session`` (``id``, ``status``,
  ``keepalive_timeout_seconds``, ``reconnect_url``, ``connected_at``); ``session_keepalive``
  has an empty payload;
- ``notification`` and ``revocation`` carry ``payload.subscription`` (``id``, ``status``,
  ``type``, ``version``, ``cost``, ``condition``, ``transport``, ``created_at``), a
  notification also ``payload.event``.

Nothing here does I/O; the builders return fresh dicts.
"""

from __future__ import annotations

import datetime as _dt
import uuid
from typing import Any

CHAT_MESSAGE = "channel.chat.message"
CHAT_NOTIFICATION = "channel.chat.notification"
CHEER = "channel.cheer"
SUBSCRIBE = "channel.subscribe"
SUBSCRIPTION_GIFT = "channel.subscription.gift"
FOLLOW = "channel.follow"

#: the subscription types the adapter asks for, with their versions
VERSIONS: dict[str, str] = {
    CHAT_MESSAGE: "1",
    CHAT_NOTIFICATION: "1",
    CHEER: "1",
    SUBSCRIBE: "1",
    SUBSCRIPTION_GIFT: "1",
    FOLLOW: "2",
}

#: the scope each subscription type needs (Twitch's "Subscription types" table)
SCOPES: dict[str, str] = {
    CHAT_MESSAGE: "user:read:chat",
    CHAT_NOTIFICATION: "user:read:chat",
    CHEER: "bits:read",
    SUBSCRIBE: "channel:read:subscriptions",
    SUBSCRIPTION_GIFT: "channel:read:subscriptions",
    FOLLOW: "moderator:read:followers",
}
SCOPE_WRITE_CHAT = "user:write:chat"
SCOPE_BANS = "moderator:manage:banned_users"
#: every scope the console asks for (device flow) and checks at start
ALL_SCOPES: tuple[str, ...] = (
    "user:read:chat",
    SCOPE_WRITE_CHAT,
    SCOPE_BANS,
    "bits:read",
    "channel:read:subscriptions",
    "moderator:read:followers",
)


def timestamp(when: float | None = None) -> str:
    """RFC 3339 in UTC with nanoseconds, as Twitch writes ``message_timestamp``."""
    moment = (
        _dt.datetime.now(_dt.UTC) if when is None else _dt.datetime.fromtimestamp(when, _dt.UTC)
    )
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "000Z"


def message_id() -> str:
    return str(uuid.uuid4())


def metadata(message_type: str, mid: str | None = None, **extra: str) -> dict[str, Any]:
    return {
        "message_id": mid or message_id(),
        "message_type": message_type,
        "message_timestamp": timestamp(),
        **extra,
    }


def session(
    session_id: str,
    status: str,
    keepalive: float | None,
    reconnect_url: str | None,
    connected_at: str,
) -> dict[str, Any]:
    ka: float | int | None = keepalive
    if isinstance(keepalive, float) and keepalive.is_integer():
        ka = int(keepalive)
    return {
        "id": session_id,
        "status": status,
        "connected_at": connected_at,
        "keepalive_timeout_seconds": ka,
        "reconnect_url": reconnect_url,
        # Twitch added this field for conduits; it is null on a plain WebSocket session
        "recovery_url": None,
    }


def welcome(session_id: str, keepalive: float, connected_at: str) -> dict[str, Any]:
    return {
        "metadata": metadata("session_welcome"),
        "payload": {"session": session(session_id, "connected", keepalive, None, connected_at)},
    }


def keepalive() -> dict[str, Any]:
    return {"metadata": metadata("session_keepalive"), "payload": {}}


def reconnect(session_id: str, url: str, connected_at: str) -> dict[str, Any]:
    return {
        "metadata": metadata("session_reconnect"),
        "payload": {"session": session(session_id, "reconnecting", None, url, connected_at)},
    }


def subscription(
    sub_id: str,
    sub_type: str,
    condition: dict[str, str],
    session_id: str,
    *,
    status: str = "enabled",
    cost: int = 0,
    version: str | None = None,
    created_at: str | None = None,
) -> dict[str, Any]:
    return {
        "id": sub_id,
        "status": status,
        "type": sub_type,
        "version": version or VERSIONS.get(sub_type, "1"),
        "cost": cost,
        "condition": condition,
        "transport": {"method": "websocket", "session_id": session_id},
        "created_at": created_at or timestamp(),
    }


def notification(
    sub: dict[str, Any], event: dict[str, Any], mid: str | None = None
) -> dict[str, Any]:
    meta = metadata(
        "notification",
        mid,
        subscription_type=sub["type"],
        subscription_version=sub["version"],
    )
    return {"metadata": meta, "payload": {"subscription": sub, "event": event}}


def revocation(sub: dict[str, Any], status: str) -> dict[str, Any]:
    meta = metadata(
        "revocation", subscription_type=sub["type"], subscription_version=sub["version"]
    )
    return {"metadata": meta, "payload": {"subscription": {**sub, "status": status}}}


# --- the events (``payload.event``) ------------------------------------------------------------


def _broadcaster(b: tuple[str, str]) -> dict[str, str]:
    return {
        "broadcaster_user_id": b[0],
        "broadcaster_user_login": b[1].lower(),
        "broadcaster_user_name": b[1],
    }


def _user(prefix: str, uid: str | None, name: str | None) -> dict[str, str | None]:
    return {
        f"{prefix}_id": uid,
        f"{prefix}_login": name.lower() if name else None,
        f"{prefix}_name": name,
    }


def chat_message(
    broadcaster: tuple[str, str],
    chatter: tuple[str, str],
    text: str,
    *,
    chat_id: str | None = None,
    bits: int | None = None,
    badges: list[tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """``channel.chat.message`` v1 (a cheer's chat message carries ``cheer.bits`` and a
    cheermote fragment)."""
    fragments: list[dict[str, Any]] = []
    if bits:
        fragments.append({
            "type": "cheermote", "text": f"Cheer{bits}", "emote": None, "mention": None,
            "cheermote": {"prefix": "cheer", "bits": bits, "tier": 1},
        })  # fmt: skip
        text = f"Cheer{bits} {text}"
    fragments.append(
        {"type": "text", "text": text.split(" ", 1)[1] if bits else text, "cheermote": None,
         "emote": None, "mention": None}
    )  # fmt: skip
    return {
        **_broadcaster(broadcaster),
        **_user("chatter_user", chatter[0], chatter[1]),
        "message_id": chat_id or message_id(),
        "message": {"text": text, "fragments": fragments},
        "message_type": "text",
        "badges": [{"set_id": s, "id": i, "info": ""} for s, i in (badges or [])],
        "cheer": {"bits": bits} if bits else None,
        "color": "#00FF7F",
        "reply": None,
        "channel_points_custom_reward_id": None,
        "source_broadcaster_user_id": None,
        "source_broadcaster_user_login": None,
        "source_broadcaster_user_name": None,
        "source_message_id": None,
        "source_badges": None,
        "is_source_only": None,
    }


def cheer(
    broadcaster: tuple[str, str], user: tuple[str, str] | None, bits: int, message: str
) -> dict[str, Any]:
    """``channel.cheer`` v1; ``user`` None: an anonymous cheer (the user fields are null)."""
    uid, name = user if user else (None, None)
    return {
        "is_anonymous": user is None,
        **_user("user", uid, name),
        **_broadcaster(broadcaster),
        "message": message,
        "bits": bits,
    }


def subscribe(
    broadcaster: tuple[str, str],
    user: tuple[str, str],
    tier: str = "1000",
    *,
    is_gift: bool = False,
) -> dict[str, Any]:
    """``channel.subscribe`` v1 (also sent for each recipient of a gift, ``is_gift`` true)."""
    return {**_user("user", *user), **_broadcaster(broadcaster), "tier": tier, "is_gift": is_gift}


def subscription_gift(
    broadcaster: tuple[str, str],
    gifter: tuple[str, str] | None,
    total: int,
    tier: str = "1000",
    cumulative_total: int | None = None,
) -> dict[str, Any]:
    """``channel.subscription.gift`` v1; ``gifter`` None: anonymous (user fields null)."""
    uid, name = gifter if gifter else (None, None)
    return {
        **_user("user", uid, name),
        **_broadcaster(broadcaster),
        "total": total,
        "tier": tier,
        "cumulative_total": None if gifter is None else cumulative_total,
        "is_anonymous": gifter is None,
    }


def follow(broadcaster: tuple[str, str], user: tuple[str, str]) -> dict[str, Any]:
    """``channel.follow`` v2."""
    return {**_user("user", *user), **_broadcaster(broadcaster), "followed_at": timestamp()}


_NOTICE_OBJECTS = (
    "sub", "resub", "sub_gift", "community_sub_gift", "gift_paid_upgrade", "prime_paid_upgrade",
    "raid", "unraid", "pay_it_forward", "announcement", "bits_badge_tier", "charity_donation",
    "shared_chat_sub", "shared_chat_resub", "shared_chat_sub_gift",
    "shared_chat_community_sub_gift", "shared_chat_gift_paid_upgrade",
    "shared_chat_prime_paid_upgrade", "shared_chat_raid", "shared_chat_pay_it_forward",
    "shared_chat_announcement",
)  # fmt: skip


def chat_notification(
    broadcaster: tuple[str, str],
    chatter: tuple[str, str] | None,
    notice_type: str,
    detail: dict[str, Any],
    *,
    system_message: str = "",
    text: str = "",
) -> dict[str, Any]:
    """``channel.chat.notification`` v1: ``detail`` is the object named by ``notice_type``
    (the others are null, as Twitch sends them)."""
    uid, name = chatter if chatter else ("", "")
    event: dict[str, Any] = {
        **_broadcaster(broadcaster),
        "chatter_user_id": uid,
        "chatter_user_login": name.lower(),
        "chatter_user_name": name,
        "chatter_is_anonymous": chatter is None,
        "color": "",
        "badges": [],
        "system_message": system_message,
        "message_id": message_id(),
        "message": {"text": text, "fragments": [{"type": "text", "text": text}] if text else []},
        "notice_type": notice_type,
        "source_broadcaster_user_id": None,
        "source_broadcaster_user_login": None,
        "source_broadcaster_user_name": None,
        "source_message_id": None,
        "source_badges": None,
    }
    for key in _NOTICE_OBJECTS:
        event[key] = None
    event[notice_type] = detail
    return event


def notice_sub(tier: str = "1000", months: int = 1, *, is_prime: bool = False) -> dict[str, Any]:
    return {"sub_tier": tier, "is_prime": is_prime, "duration_months": months}


def notice_resub(
    cumulative: int, tier: str = "1000", months: int = 1, streak: int | None = None
) -> dict[str, Any]:
    return {
        "cumulative_months": cumulative, "duration_months": months, "streak_months": streak,
        "sub_tier": tier, "is_prime": False, "is_gift": False, "gifter_is_anonymous": None,
        "gifter_user_id": None, "gifter_user_name": None, "gifter_user_login": None,
    }  # fmt: skip


def notice_sub_gift(
    recipient: tuple[str, str], tier: str = "1000", months: int = 1, community_id: str | None = None
) -> dict[str, Any]:
    return {
        "duration_months": months, "cumulative_total": None, "recipient_user_id": recipient[0],
        "recipient_user_name": recipient[1], "recipient_user_login": recipient[1].lower(),
        "sub_tier": tier, "community_gift_id": community_id,
    }  # fmt: skip


def notice_community_gift(gift_id: str, total: int, tier: str = "1000") -> dict[str, Any]:
    return {"id": gift_id, "total": total, "sub_tier": tier, "cumulative_total": None}
