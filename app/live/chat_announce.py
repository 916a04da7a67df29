"""What the console announces in the room's chat as well as on stream (播报到聊天).

On a platform whose chat the console can write in (``Capability.REPLY``: Twitch; not the
Bilibili open-live room), :class:`ChatAnnouncer` posts one short chat message, as the
operator's account, for each of these actions of THIS console:

- a product explained (讲解): 「正在讲解：NAME — PRICE」 / "Now showing: NAME — PRICE", once per
  product change — the explain hold's re-sends of the same product (app/live/hold.py) are not
  announced again; a stop and a new explain of it are, and so is an explain of it after another
  product was on stage (a teammate's explain);
- a console lottery opened (app/live/console_lottery.py) by keyword: the keyword to type, the
  prize and the full commitment (sha256 of the secret seed), so the chat holds a public,
  timestamped record of it before anyone enters (a platform's own lottery is the platform's
  to announce: not posted);
- that lottery drawn: the winners and how to verify (the revealed seed, whose sha256 is that
  commitment). A quiz's draw among its correct answerers is announced drawn, not opened.

Guarantees:

- **Never in the way.** :meth:`ChatAnnouncer` hears of an action after it succeeded
  (``LiveRoom.subscribe_actions`` / ``subscribe_local``) and sends in the background: the action
  itself neither waits for nor fails with the chat message. A message that fails is reported
  once through ``on_failure`` (the console shows it with its notifier: the one way to tell the
  operator) and logged; it is not retried.
- **One message per action, paced.** Messages go out one at a time, at least
  :data:`MIN_INTERVAL_S` apart (Twitch drops bursts: 20 messages per 30 s for a chatter); at
  most :data:`MAX_PENDING` wait; an explain still waiting is replaced by a newer explain (only
  the product on stage now is worth saying). Lottery messages are never dropped for an explain.
- **Plain text, bounded.** One line (line breaks become spaces), at most :data:`MAX_CHARS`
  characters (Twitch's limit is 500): names are shortened first, and the winners list ends with
  「等 N 人」 / "and N more" when it does not fit. Never HTML, never a secret (the seed is revealed
  only with the draw, as the lottery itself reveals it).
- **In the chat's language**, not necessarily the UI's: ``language`` ("" = the platform's
  ``chat_language``, else the UI's), translated through the one catalog (``translator``).
- **Capability-gated.** Without REPLY, or for a reviewer (who cannot act), nothing is posted and
  :attr:`available` is False (the console hides the option). ``enabled`` may change at any time.
- Prices are in the room's currency (``LiveRoom.currency``: the catalogue's, from the snapshot).
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app.aio import spawn
from app.format import money
from app.i18n import LANGUAGES, language, localize, tr, tr_noop, translator
from app.live.room import EXPLAINING as EXPLAINING_STATE
from app.live.room import ActionRecord, LiveRoom
from app.platform import models as m
from app.platform.capabilities import Capability
from app.platform.errors import PlatformError

log = logging.getLogger(__name__)

#: Twitch's limit on one chat message
MAX_CHARS = 500
#: seconds between two messages of this console (Twitch allows 20 per 30 s for a chatter)
MIN_INTERVAL_S = 1.6
#: messages that may wait to be sent; more are dropped (with a line in the log)
MAX_PENDING = 6
#: characters of a product or prize name kept in a message
MAX_NAME = 120

EXPLAIN = "explain"
LOTTERY = "lottery"

_NOW_SHOWING = tr_noop("正在讲解：{name} — {price}")
_LOTTERY_OPEN = tr_noop(
    "抽奖开始：发送「{keyword}」参与 · 奖品：{prize} · 承诺值 sha256(种子) = {commitment}"
)
_LOTTERY_DRAWN = tr_noop("抽奖开奖：{prize} · 中奖：{winners}")
_LOTTERY_NOBODY = tr_noop("抽奖开奖：{prize} · 无人参与，没有中奖者")
_LOTTERY_VERIFY = tr_noop(" · 验证：种子 {seed} 的 sha256 应等于开始时公布的承诺值")
_AND_MORE = tr_noop("等 {n} 人")
_FAILED = tr_noop("聊天播报没有发出：{reason}")


def one_line(text: str, limit: int) -> str:
    """``text`` on one line (whitespace runs become one space), at most ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: max(0, limit - 1)].rstrip() + "…"


def announces_by_default(room: LiveRoom) -> bool:
    """Whether announcing is on when the operator has not chosen (settings ``ui.chat_announce``
    None): where the chat platform has no catalogue of its own (Twitch, alone or with a shop), its
    viewers see no platform product card, so the chat line is how they learn what is on stage;
    on a live-commerce platform (the sandbox, 抖店) the platform shows the card itself and a chat
    line per explain would only be noise."""
    adapter = room.adapter
    chat = getattr(adapter, "interaction", adapter)  # a two-source room: its chat side
    return Capability.CATALOGUE not in getattr(chat, "capabilities", frozenset())


def chat_language(room: LiveRoom, choice: str = "") -> str:
    """The language of what the console posts in ``room``'s chat: ``choice`` when it is a known
    language, else the platform's ``chat_language``, else the UI's."""
    if choice in LANGUAGES:
        return choice
    platform = getattr(room.adapter, "chat_language", "") or ""
    return platform if platform in LANGUAGES else language()


@dataclass(frozen=True, slots=True)
class Message:
    kind: str  # EXPLAIN or LOTTERY
    text: str


class ChatAnnouncer:
    """Posts this console's explains and console lotteries in the room's chat (module docstring).

    ``enabled`` and ``language`` are read at each action; ``on_failure(text)`` hears each message
    that did not go out, in the UI language. ``close()`` when the console goes."""

    def __init__(
        self,
        room: LiveRoom,
        *,
        enabled: bool = True,
        language: str = "",
        on_failure: Callable[[str], None] = lambda _text: None,
        min_interval: float = MIN_INTERVAL_S,
    ) -> None:
        self.room = room
        self.enabled = enabled
        self.language = language
        self.on_failure = on_failure
        self.min_interval = min_interval
        self._pending: collections.deque[Message] = collections.deque()
        self._task: asyncio.Task[None] | None = None
        self._last_sent = 0.0
        self._sending = False
        self._explained: str | None = None  # the product last announced, until a stop
        self._unsubs = [
            room.subscribe_actions(self._on_action),
            room.subscribe_local(self._on_local),
            room.subscribe(self._on_state),
        ]

    @property
    def available(self) -> bool:
        """The console can write in this room's chat (REPLY, and a role that acts)."""
        return self.room.can(Capability.REPLY) and self.room.can_act

    def close(self) -> None:
        for unsub in self._unsubs:
            unsub()
        self._unsubs.clear()
        self._pending.clear()
        if self._task is not None:
            self._task.cancel()
            self._task = None

    # --- what happened ---------------------------------------------------------------------------
    def _on_state(self, changes: frozenset[str]) -> None:
        """Another product on stage (a teammate's explain) makes this console's next explain of
        the one it announced news again; a stop does not (the hold re-sends after a card
        expired: the same product, said already)."""
        on = self.room.explaining
        if EXPLAINING_STATE in changes and on is not None and on.product_id != self._explained:
            self._explained = None

    def _on_action(self, record: ActionRecord) -> None:
        if not record.ok:
            return
        if record.name == "stop_explain":
            self._explained = None
            return
        if record.name != "explain":
            return
        product_id = str(record.args.get("product_id", ""))
        if product_id == self._explained:
            return  # the hold's re-send of the product on stage
        product = self.room.product(product_id)
        if product is None or not self._active():
            return
        self._explained = product_id
        t = translator(chat_language(self.room, self.language))
        name = one_line(product.title, MAX_NAME)
        price = money(product.price_cents, self.room.currency)
        self._queue(Message(EXPLAIN, t(_NOW_SHOWING).format(name=name, price=price)))

    def _on_local(self, events: Sequence[m.Event]) -> None:
        for ev in events:
            if ev.type is m.EventType.LOTTERY_STARTED:
                text = self._opened(ev.data.lottery)
            elif ev.type is m.EventType.LOTTERY_DRAWN:
                text = self._drawn(ev.data.lottery)
            else:
                continue
            if text is not None and self._active():
                self._queue(Message(LOTTERY, text))

    def _opened(self, lot: m.Lottery) -> str | None:
        if lot.origin != "console" or not lot.keyword:
            return None  # a quiz's lottery among its answerers: nobody enters by chat
        t = translator(chat_language(self.room, self.language))
        return t(_LOTTERY_OPEN).format(
            keyword=one_line(lot.keyword, 40),
            prize=one_line(lot.prize, MAX_NAME),
            commitment=lot.commitment,
        )

    def _drawn(self, lot: m.Lottery) -> str | None:
        if lot.origin != "console":
            return None
        t = translator(chat_language(self.room, self.language))
        prize = one_line(lot.prize, MAX_NAME)
        names = [one_line(n, 40) for n in (lot.winner_nicknames or lot.winner_ids or [])]
        verify = t(_LOTTERY_VERIFY).format(seed=lot.seed or "")
        if not names:
            return one_line(t(_LOTTERY_NOBODY).format(prize=prize) + verify, MAX_CHARS)
        shown = list(names)
        while True:
            hidden = len(names) - len(shown)
            winners = t("、").join(shown)
            if hidden:
                winners += " " + t(_AND_MORE).format(n=hidden)
            text = t(_LOTTERY_DRAWN).format(prize=prize, winners=winners) + verify
            if len(text) <= MAX_CHARS or len(shown) <= 1:
                return one_line(text, MAX_CHARS)
            shown.pop()

    def _active(self) -> bool:
        return self.enabled and self.available

    # --- sending ---------------------------------------------------------------------------------
    def _queue(self, msg: Message) -> None:
        if msg.kind == EXPLAIN:  # only the product on stage now is worth saying
            self._pending = collections.deque(p for p in self._pending if p.kind != EXPLAIN)
        if len(self._pending) >= MAX_PENDING:
            log.warning("chat announcement dropped: %d already waiting", len(self._pending))
            return
        self._pending.append(msg)
        if self._task is None or self._task.done():
            self._task = spawn(self._send_all(), name="chat-announcer")

    async def _send_all(self) -> None:
        while self._pending:
            wait = self._last_sent + self.min_interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if not self._pending:
                break
            msg = self._pending.popleft()
            self._sending = True
            try:
                await self.room.send_comment(one_line(msg.text, MAX_CHARS))
            except PlatformError as exc:
                log.warning("chat announcement not sent: %s", exc.message)
                self.on_failure(tr(_FAILED).format(reason=localize(exc.message)))
            finally:
                self._sending = False
                self._last_sent = time.monotonic()
