"""What the console posts in the chat for its explains and console lotteries: once per product
change (not for the hold's re-sends), the keyword and commitment at the open, winners and the seed
at the draw (verifiable from the message alone), within Twitch's 500 characters, in the chat's
language, paced, and a failure told to the operator without failing the action.

The room and the lotteries are real; the platform is a small stand-in recording what the console
sent (the Twitch one is exercised end to end in tests/integration/rehearsal/)."""

from __future__ import annotations

import hashlib
import time
from typing import Any

import pytest

from app.i18n import set_language
from app.live.chat_announce import MAX_CHARS, ChatAnnouncer
from app.live.console_lottery import ConsoleLotteries
from app.live.lottery_verify import recompute_winners
from app.live.room import LiveRoom
from app.platform import models as m
from app.platform.capabilities import ALL, Capability
from app.platform.connection import ConnectionTracker, LinkState
from app.platform.errors import PlatformError
from tests.support.polling import until


class _Chat:
    """A platform whose chat the console writes in: records each message (or refuses them)."""

    room = "r1"
    role = m.Role.HOST
    chat_language = "en"

    def __init__(self, capabilities: frozenset[Capability] = ALL) -> None:
        self.capabilities = capabilities
        self.connection = ConnectionTracker()
        self.connection.set_state(LinkState.CONNECTED)
        self.messages: list[tuple[float, str]] = []
        self.refuse: str | None = None

    def unsupported_reason(self, capability: Capability) -> str:
        return f"no {capability.value}"

    async def explain(self, product_id: str) -> None:
        pass

    async def stop_explain(self, product_id: str) -> None:
        pass

    async def send_comment(self, text: str) -> m.Comment:
        if self.refuse:
            raise PlatformError("platform", self.refuse)
        self.messages.append((time.monotonic(), text))
        return m.Comment(id=str(len(self.messages)), user_id="me", nickname="me", text=text)


def _room(chat: _Chat) -> LiveRoom:
    room = LiveRoom(chat)  # type: ignore[arg-type]
    products = [
        {"id": "p1", "title": "Red lipstick", "price_cents": 1999, "stock": 5},
        {"id": "p2", "title": "Silk scarf\nblue", "price_cents": 4500, "stock": 5},
    ]
    room.apply_snapshot(
        m.Snapshot.model_validate(
            {"room": "r1", "seq": 1, "bag": {"version": 1, "products": products}, "currency": "USD"}
        )
    )
    return room


def _comment(room: LiveRoom, n: int, text: str) -> None:
    c = {"id": f"c{n}", "user_id": f"u{n:03d}", "nickname": f"viewer_{n:03d}", "text": text}
    ev = {"seq": room.seq + 1, "ts": time.time(), "type": "comment", "data": {"comment": c}}
    room.ingest([m.parse_event(ev)])


def _texts(chat: _Chat) -> list[str]:
    return [t for _, t in chat.messages]


@pytest.fixture(autouse=True)
def _chinese_ui() -> Any:
    set_language("zh_CN")
    yield
    set_language("zh_CN")


async def test_an_explain_is_announced_once_per_product_in_the_chats_language() -> None:
    chat = _Chat()
    room = _room(chat)
    ann = ChatAnnouncer(room, min_interval=0.01)
    await room.explain("p1")
    await room.explain("p1")  # the explain hold's re-send: the chat heard it already
    await until(lambda: len(chat.messages) == 1, what="the first explain announced")
    await room.explain("p2")
    await until(lambda: len(chat.messages) == 2, what="the second explain announced")
    await room.stop_explain("p2")
    await room.explain("p2")  # explained again after a stop: said again
    await until(lambda: len(chat.messages) == 3, what="the explain after a stop announced")
    # the UI is Chinese, the chat is Twitch's: English, one line, the shop's currency
    assert _texts(chat) == [
        "Now showing: Red lipstick — $19.99",
        "Now showing: Silk scarf blue — $45.00",
        "Now showing: Silk scarf blue — $45.00",
    ]
    # a teammate puts the scarf on stage (an event with their actor): the lipstick is news again
    teammate = {"role": "assistant", "token_id": "t-mate"}
    ev = {"seq": room.seq + 1, "ts": time.time(), "type": "product_explaining",
          "data": {"product_id": "p1", "explaining": True, "actor": teammate}}  # fmt: skip
    room.ingest([m.parse_event(ev)])
    await room.explain("p2")
    await until(lambda: len(chat.messages) == 4, what="the explain after a teammate's")
    ann.language = "zh_CN"  # the operator's choice wins over the platform's
    await room.explain("p1")
    await until(lambda: len(chat.messages) == 5, what="a Chinese announcement")
    assert _texts(chat)[-1] == "正在讲解：Red lipstick — $19.99"
    ann.close()


async def test_a_console_lottery_is_announced_open_and_drawn_and_verifiable_from_the_chat() -> None:
    chat = _Chat()
    room = _room(chat)
    ann = ChatAnnouncer(room, min_interval=0.01)
    lots = ConsoleLotteries(room)
    spec = m.LotterySpec(prize="Tote bag", keyword="!join", winners=40, duration_seconds=60)
    lot = lots.open(spec, manual=True)
    await until(lambda: len(chat.messages) == 1, what="the open announced")
    opened = _texts(chat)[0]
    assert opened.startswith("Lottery open: type !join to enter · prize: Tote bag")
    assert lot.commitment in opened  # the whole commitment, public before anyone entered
    for n in range(60):
        _comment(room, n, "!join")
    drawn = lots.draw(lot.id)
    await until(lambda: len(chat.messages) == 2, what="the draw announced")
    text = _texts(chat)[1]
    assert len(text) <= MAX_CHARS and "\n" not in text
    assert text.startswith("Lottery drawn: Tote bag · winners: ")
    assert "more" in text  # 40 winners do not fit in 500 characters: the rest are counted
    # a viewer checks the draw from the chat alone: the seed's hash is the posted commitment,
    # and the winners follow from the seed and the entrants
    seed_hex = text.split("seed ")[1].split(" ")[0]
    assert hashlib.sha256(bytes.fromhex(seed_hex)).hexdigest() in opened
    ids = [f"u{n:03d}" for n in range(60)]
    winners = recompute_winners(bytes.fromhex(seed_hex), ids, 40)
    assert winners == drawn.winner_ids
    first = text.split("winners: ")[1].split(", ")[0]
    assert first == f"viewer_{winners[0][1:]}"
    ann.close()
    lots.close()


async def test_messages_are_paced_and_only_the_latest_waiting_explain_goes_out() -> None:
    chat = _Chat()
    room = _room(chat)
    ann = ChatAnnouncer(room, min_interval=0.5)
    lots = ConsoleLotteries(room)
    lots.open(m.LotterySpec(prize="Mug", keyword="mug", winners=1, duration_seconds=60))
    for pid in ("p1", "p2", "p1", "p2"):  # a burst of explains while the lottery's message waits
        await room.explain(pid)
    await until(lambda: len(chat.messages) == 2, what="two messages")
    await until(lambda: not ann._pending and not ann._sending, what="the queue drained")
    texts = _texts(chat)
    assert texts[0].startswith("Lottery open") and "Silk scarf" in texts[1]
    assert len(texts) == 2  # the explains that were replaced while waiting never went out
    assert chat.messages[1][0] - chat.messages[0][0] >= 0.45
    ann.close()
    lots.close()


async def test_a_refused_message_is_told_to_the_operator_and_the_explain_still_happens() -> None:
    chat = _Chat()
    chat.refuse = "Twitch 拒绝了操作（403）：missing user:write:chat scope"
    room = _room(chat)
    told: list[str] = []
    ann = ChatAnnouncer(room, min_interval=0.01, on_failure=told.append)
    await room.explain("p1")  # returns: the action never waits for the chat
    await until(lambda: told, what="the failure told")
    assert told == ["聊天播报没有发出：Twitch 拒绝了操作（403）：missing user:write:chat scope"]
    ann.close()


async def test_nothing_is_posted_where_the_chat_cannot_be_written_or_when_off() -> None:
    no_reply = _Chat(ALL - {Capability.REPLY})
    room = _room(no_reply)
    ann = ChatAnnouncer(room, min_interval=0.01)
    assert not ann.available
    await room.explain("p1")
    off_chat = _Chat()
    off_room = _room(off_chat)
    off = ChatAnnouncer(off_room, enabled=False, min_interval=0.01)
    assert off.available
    await off_room.explain("p1")
    lots = ConsoleLotteries(off_room)
    lots.open(m.LotterySpec(prize="Mug", keyword="mug", winners=1, duration_seconds=60))
    await off_room.stop_explain("p1")
    assert no_reply.messages == [] and off_chat.messages == []
    assert not ann._pending and not off._pending
    for a in (ann, off):
        a.close()
    lots.close()
