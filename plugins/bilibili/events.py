"""What the Bilibili message mappers produce, and the field validators they share.

A :class:`Mapper` turns one decoded command (untrusted JSON) into a :class:`MapResult`
(``map``), or a frame's commands into one :class:`Batch` (``map_all``, the fast path): zero or more
:class:`BiliEvent` (``type`` + ``data`` in LiveDesk's event schema, plus ``key``, the platform
message id used to drop duplicates across reconnects), or a ``reason`` when a recognised command
was invalid, and optionally a ``signal`` for the adapter (e.g. restart the open-live game).

Guarantees shared by both mappers: ``map()`` never raises for any JSON value; every text field is
bounded (:data:`MAX_NAME`, :data:`MAX_TEXT`, :data:`MAX_ID`) and every number is range-checked
(an out-of-range value skips the command with a reason — nothing is silently truncated); money is
integer cents with an ISO 4217 ``currency`` (Bilibili: 1000 gold coins = 1 CNY = 100 cents,
silver coins are worth 0); ``user_id`` is text.

Event types beyond today's ``app.platform.models.EventType`` (the model must grow, see issue 15):
``paid_message``, ``paid_message_deleted``, ``membership``, ``share``, ``room_state`` and
``room_note``; ``viewers`` carries only the figure the platform sent (``online`` or ``uv``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from plugins.bilibili.codec import Command
from plugins.bilibili.protobuf import ProtobufError

COMMENT = "comment"
GIFT = "gift"
LIKE = "like"
FOLLOW = "follow"
VIEWER_ENTER = "viewer_enter"
SHARE = "share"
PAID_MESSAGE = "paid_message"
PAID_MESSAGE_DELETED = "paid_message_deleted"
MEMBERSHIP = "membership"
VIEWERS = "viewers"
ROOM_STATE = "room_state"
ROOM_NOTE = "room_note"

CNY = "CNY"
MAX_NAME = 64  # Bilibili nicknames are at most 16 characters today
MAX_TEXT = 1000  # danmaku ≤ 40/100 characters, Super Chat ≤ 200
MAX_ID = 128
MAX_COUNT = 10_000_000  # gift numbers, like counts
MAX_COINS = 10**12  # gold coins in one event (1e9 CNY)
MAX_UID = 2**63 - 1

# Bilibili guard levels → tier code (舰长 captain / 提督 admiral / 总督 governor)
GUARD_TIERS = {1: "governor", 2: "admiral", 3: "captain"}

# signals for the adapter
SIGNAL_INTERACTION_END = "interaction_end"  # open-live stopped pushing: restart the game
SIGNAL_NAMES_MASKED = "names_masked"  # web guest: names turn into 张**** from now on


class BiliEvent(NamedTuple):  # a tuple: cheap to make at tens of thousands per second
    type: str
    data: dict[str, Any]
    key: str | None = None  # platform message id: the same key twice = the same event

    def as_dict(self) -> dict[str, Any]:
        return {"type": self.type, "data": self.data}


class MapResult(NamedTuple):
    events: tuple[BiliEvent, ...] = ()
    reason: str | None = None  # set when a recognised command was skipped as invalid
    signal: str | None = None


IGNORED = MapResult()


class Invalid(Exception):
    """Internal to the mappers: the command is skipped with this reason."""


class Batch(NamedTuple):
    """The events of several commands (a frame), in order, with the reasons and signals."""

    events: list[BiliEvent]
    reasons: list[str]
    signals: list[str]


# what a handler returns: one event (the common case, cheapest), several, or a full result
Handled = BiliEvent | tuple[BiliEvent, ...] | MapResult
Handler = Callable[[dict[str, Any]], Handled]


class Mapper:
    """Base of the web and open-live mappers: dispatch by command name, errors to reasons.

    Subclasses fill ``handlers`` (command name without ``:suffix`` → handler). A handler raises
    :class:`Invalid` (or ``ProtobufError``) to skip the command with a reason.
    """

    def __init__(self) -> None:
        self.handlers: dict[str, Handler] = {}

    def map(self, command: Command) -> MapResult:
        """One command → its events (empty for commands LiveDesk does not use)."""
        handler = self.handlers.get(command.cmd)
        if handler is None:
            return IGNORED
        try:
            r = handler(command.body)
        except (Invalid, ProtobufError) as exc:
            return MapResult(reason=f"{command.cmd}: {exc}")
        if type(r) is BiliEvent:
            return MapResult((r,))
        if type(r) is MapResult:
            return r
        return MapResult(r)  # type: ignore[arg-type]

    def map_all(self, commands: Iterable[Command]) -> Batch:
        """Several commands (e.g. one frame's) → their events in order; the fast path."""
        events: list[BiliEvent] = []
        reasons: list[str] = []
        signals: list[str] = []
        get = self.handlers.get
        for command in commands:
            handler = get(command.cmd)
            if handler is None:
                continue
            try:
                r = handler(command.body)
            except (Invalid, ProtobufError) as exc:
                reasons.append(f"{command.cmd}: {exc}")
                continue
            if type(r) is BiliEvent:
                events.append(r)
            elif type(r) is MapResult:
                events.extend(r.events)
                if r.reason is not None:
                    reasons.append(r.reason)
                if r.signal is not None:
                    signals.append(r.signal)
            else:
                events.extend(r)  # type: ignore[arg-type]
        return Batch(events, reasons, signals)


def obj(v: object, what: str) -> dict[str, Any]:
    if not isinstance(v, dict):
        raise Invalid(f"{what} is not an object")
    return v


def lst(v: object, what: str) -> list[Any]:
    if not isinstance(v, list):
        raise Invalid(f"{what} is not a list")
    return v


def text(v: object, what: str, limit: int = MAX_TEXT, *, default: str | None = None) -> str:
    if type(v) is str and len(v) <= limit:
        return v  # the common case first
    if v is None and default is not None:
        return default
    if not isinstance(v, str):
        raise Invalid(f"{what} is not text")
    if len(v) > limit:
        raise Invalid(f"{what} longer than {limit} characters")
    return v


def integer(
    v: object, what: str, lo: int = 0, hi: int = MAX_COUNT, *, default: int | None = None
) -> int:
    """An int in [lo, hi]; numeric strings are accepted (Bilibili sends some ids as text)."""
    if type(v) is int and lo <= v <= hi:
        return v  # the common case first
    if v is None and default is not None:
        return default
    if isinstance(v, bool):
        raise Invalid(f"{what} is not a number")
    if (
        isinstance(v, str)
        and 0 < len(v) <= 20
        and (v.isdigit() or (v[0] == "-" and v[1:].isdigit()))
    ):
        v = int(v)
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if not isinstance(v, int):
        raise Invalid(f"{what} is not an integer")
    if not lo <= v <= hi:
        raise Invalid(f"{what} {v} out of range")
    return v


def ident(v: object, what: str) -> str:
    """A platform id (number or text) as bounded, non-empty text."""
    if isinstance(v, int) and not isinstance(v, bool):
        if not 0 <= v <= MAX_UID:
            raise Invalid(f"{what} out of range")
        return str(v)
    s = text(v, what, MAX_ID)
    if not s:
        raise Invalid(f"{what} is empty")
    return s


def gold_to_cents(coins: int) -> int:
    """Gold coins → CNY cents (1000 gold = 100 cents), rounded half up."""
    return (coins + 5) // 10
