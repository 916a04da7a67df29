"""The rules of a room made of two sources (app/platform/composite.py), on two in-memory
platforms: who owns which capability and action, which events are kept from which source, the
room's numbering and resuming, the merged snapshot, the combined link and closing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence

import pytest

from app.platform import models as m
from app.platform.adapter import PlatformAdapter
from app.platform.capabilities import ALL, COMMERCE, Capability
from app.platform.composite import CompositeAdapter
from app.platform.connection import ConnectionTracker, LinkState
from app.platform.errors import PlatformError

C = Capability
TWITCH_LIKE = frozenset({C.COMMENTS, C.FOLLOWS, C.PAID_MESSAGES, C.REPLY, C.MUTE, C.LIVE_STATE})


class Memory(PlatformAdapter):
    """A platform in memory: ``push`` hands a batch to the reader; actions are recorded."""

    def __init__(self, name: str, caps: frozenset[Capability], seq: int = 0) -> None:
        self.platform_name = name
        self.capabilities = caps
        self.connection = ConnectionTracker()
        self.connection.set_state(LinkState.CONNECTED)
        self.room = f"{name}-room"
        self.role = m.Role.HOST
        self.seq = seq
        self.calls: list[str] = []
        self.closed = False
        self.queue: asyncio.Queue[list[m.Event]] = asyncio.Queue()
        self.snap = m.Snapshot(room=self.room, seq=seq, bag=m.Bag(version=0, products=[]))

    def push(self, *made: tuple[m.EventType, object]) -> list[m.Event]:
        batch = []
        for etype, data in made:
            self.seq += 1
            batch.append(m.Event(seq=self.seq, ts=time.time(), type=etype, data=data))
        self.queue.put_nowait(batch)
        return batch

    def event_key(self, event: m.Event) -> object:
        return f"{self.platform_name}:{event.seq}"

    async def snapshot(self) -> m.Snapshot:
        return self.snap.model_copy(update={"seq": self.seq})

    async def event_batches(self, after_seq: int) -> AsyncIterator[Sequence[m.Event]]:
        while not self.closed:
            got = await self.queue.get()
            batch = [e for e in got if e.seq > after_seq or e.type is m.EventType.RESYNC_REQUIRED]
            if batch:
                yield batch

    async def close(self) -> None:
        self.closed = True

    async def send_comment(self, text: str) -> m.Comment:
        self.calls.append("send_comment")
        return m.Comment(id="c", user_id="me", nickname="me", text=text)

    async def issue_coupon(self, spec: m.CouponSpec) -> m.Coupon:
        self.calls.append("issue_coupon")
        raise PlatformError("test", "issued")


SPEC = m.CouponSpec(kind="no_threshold", amount_cents=100, quantity=10, valid_seconds=600)


def comment(n: int) -> tuple[m.EventType, object]:
    c = m.Comment(id=f"c{n}", user_id=f"u{n}", nickname=f"n{n}", text=f"hi {n}")
    return m.EventType.COMMENT, m.CommentData(comment=c)


def order(n: int) -> tuple[m.EventType, object]:
    o = m.Order(
        id=f"o{n}",
        user_id=f"u{n}",
        nickname=f"n{n}",
        product_id="p1",
        quantity=1,
        unit_price_cents=999,
        amount_cents=999,
        status="created",
        created_ts=time.time(),
    )
    return m.EventType.ORDER_CREATED, m.OrderData(order=o)


def note(text: str) -> tuple[m.EventType, object]:
    return m.EventType.ROOM_NOTE, m.RoomNoteData(kind="x", text=text)


async def take(it: AsyncIterator[Sequence[m.Event]], n: int) -> list[m.Event]:
    out: list[m.Event] = []
    async with asyncio.timeout(10):
        while len(out) < n:
            out.extend(await anext(it))
    return out


def test_capabilities_are_the_chat_sources_interaction_and_the_shops_commerce() -> None:
    chat = Memory("Twitch", TWITCH_LIKE | {C.CATALOGUE})  # a chat source's catalogue is not used
    shop = Memory("Shop", ALL)
    room = CompositeAdapter(chat, shop)
    assert room.capabilities == (TWITCH_LIKE | COMMERCE)
    assert room.can(C.ORDERS) and room.can(C.COMMENTS)
    assert not room.can(C.GIFTS)  # the shop (a full sandbox) has gifts, but gifts are the chat's
    assert room.platform_name == "Twitch + Shop"


async def test_each_action_goes_to_the_source_that_owns_it() -> None:
    chat, shop = Memory("Twitch", TWITCH_LIKE), Memory("Shop", ALL)
    room = CompositeAdapter(chat, shop)
    await room.send_comment("hello")
    with pytest.raises(PlatformError, match="issued"):
        await room.issue_coupon(SPEC)
    assert chat.calls == ["send_comment"] and shop.calls == ["issue_coupon"]


async def test_an_action_nobody_offers_is_refused_naming_the_combination() -> None:
    chat, shop = Memory("Twitch", TWITCH_LIKE), Memory("Shop", frozenset({C.ORDERS}))
    room = CompositeAdapter(chat, shop)
    with pytest.raises(PlatformError) as refused:
        await room.issue_coupon(SPEC)
    assert refused.value.code == "not_supported"
    assert "Twitch + Shop" in refused.value.message
    assert shop.calls == []
    # the owner lacks it but the other source has it: the owner's own reason (no combination)
    full = CompositeAdapter(Memory("Twitch", TWITCH_LIKE), Memory("Shop", ALL))
    reason = full.why_not(C.SESSIONS)
    assert reason is not None and "Twitch" in reason and "+" not in reason
    assert full.why_not(C.ORDERS) is None


async def test_both_streams_are_one_numbered_stream_each_kind_from_its_owner() -> None:
    chat, shop = Memory("Twitch", TWITCH_LIKE, seq=10), Memory("Shop", ALL, seq=500)
    room = CompositeAdapter(chat, shop)
    snap = await room.snapshot()
    assert snap.seq == 510  # the sum: a later composite of the same two starts above it
    it = aiter(room.event_batches(snap.seq))
    chat.push(comment(1))
    first = await take(it, 1)
    shop.push(comment(99), order(1), note("正在去买"))  # the shop's audience comment is dropped
    second = await take(it, 2)
    chat.push(comment(2), order(98))  # an order from the chat source is dropped
    third = await take(it, 1)
    events = first + second + third
    assert [e.seq for e in events] == [511, 512, 513, 514]
    assert [e.type.value for e in events] == ["comment", "order_created", "room_note", "comment"]
    assert [e.data.comment.id for e in events if e.type is m.EventType.COMMENT] == ["c1", "c2"]
    keys = [room.event_key(e) for e in events]
    assert len(set(keys)) == 4 and keys[0] == ("chat", "Twitch:11")
    assert isinstance(keys[1], tuple) and keys[1][0] == "shop"
    assert room.connection.status.last_seq == 514
    await it.aclose()  # type: ignore[attr-defined]
    # resuming from the last seq goes on where each source was; nothing is handed over twice
    it = aiter(room.event_batches(514))
    shop.push(order(2))
    again = await take(it, 1)
    assert [(e.seq, e.data.order.id) for e in again] == [(515, "o2")]
    await it.aclose()  # type: ignore[attr-defined]


async def test_an_earlier_seq_or_a_sources_resync_is_a_resync_of_the_room() -> None:
    chat, shop = Memory("Twitch", TWITCH_LIKE), Memory("Shop", ALL)
    room = CompositeAdapter(chat, shop)
    await room.snapshot()
    it = aiter(room.event_batches(0))
    chat.push(comment(1))
    got = await take(it, 1)
    await it.aclose()  # type: ignore[attr-defined]
    assert [e.seq for e in got] == [1]
    old = await take(aiter(room.event_batches(0)), 1)  # not replayed: reload the snapshot
    assert old[0].type is m.EventType.RESYNC_REQUIRED
    it = aiter(room.event_batches(1))
    shop.queue.put_nowait(
        [
            m.Event(
                seq=0,
                ts=time.time(),
                type=m.EventType.RESYNC_REQUIRED,
                data=m.ResyncRequiredData(reason="gone", last_seq=0),
            )
        ]
    )
    resync = await take(it, 1)
    assert resync[0].type is m.EventType.RESYNC_REQUIRED
    await it.aclose()  # type: ignore[attr-defined]
    # events a snapshot covers that the room never numbered move its seq on (a visible gap)
    shop.seq += 5
    assert (await room.snapshot()).seq == 1 + 5


async def test_the_snapshot_takes_the_room_from_the_chat_and_the_shop_from_the_shop() -> None:
    chat, shop = Memory("Twitch", TWITCH_LIKE), Memory("Shop", ALL)
    live = m.Session(id="s1", status="live", started_ts=1.0)
    chat.snap = chat.snap.model_copy(
        update={"session": live, "metrics": m.Metrics(online=321, comments=7, orders=99)}
    )
    product = m.Product.model_validate({"id": "p1", "title": "T", "price_cents": 100, "stock": 3})
    shop.snap = shop.snap.model_copy(
        update={
            "bag": m.Bag(version=4, products=[product]),
            "metrics": m.Metrics(online=5, orders=2, buyers=2, gmv_cents=200),
        }
    )
    snap = await CompositeAdapter(chat, shop).snapshot()
    assert snap.room == "Twitch-room" and snap.session == live
    assert [p.id for p in snap.bag.products] == ["p1"] and snap.bag.version == 4
    assert (snap.metrics.online, snap.metrics.comments) == (321, 7)
    assert (snap.metrics.orders, snap.metrics.buyers, snap.metrics.gmv_cents) == (2, 2, 200)


async def test_the_link_is_the_worse_of_the_two_and_names_the_source_that_is_down() -> None:
    chat, shop = Memory("Twitch", TWITCH_LIKE), Memory("Shopify", ALL)
    room = CompositeAdapter(chat, shop)
    heard: list[LinkState] = []
    room.connection.subscribe(lambda s: heard.append(s.state))
    assert room.connection.status.state is LinkState.CONNECTED
    shop.connection.set_state(LinkState.RECONNECTING, attempt=2)
    status = room.connection.status
    assert status.state is LinkState.RECONNECTING and status.attempt == 2
    assert status.error == "Shopify：重连中"
    chat.connection.set_state(LinkState.OFFLINE, error="令牌已过期")
    assert room.connection.status.state is LinkState.OFFLINE
    assert room.connection.status.error == "Twitch：令牌已过期；Shopify：重连中"
    shop.connection.set_state(LinkState.CONNECTED)
    chat.connection.set_state(LinkState.CONNECTED)
    assert room.connection.status.online and room.connection.status.error is None
    assert heard == [
        LinkState.RECONNECTING,
        LinkState.OFFLINE,
        LinkState.OFFLINE,
        LinkState.CONNECTED,
    ]
    shop.connection.skipped((7,), 0, "too_big")
    assert room.connection.status.skipped == 1
    await room.close()
    assert chat.closed and shop.closed
    assert room.connection.status.state is LinkState.OFFLINE


async def test_a_platform_without_a_shop_is_refused_as_the_shop_before_anything_opens() -> None:
    from app.platform.composite import open_room

    with pytest.raises(PlatformError) as refused:
        await open_room("sandbox", "bilibili", {})  # the chat would be a built-in sandbox
    assert "不能作为商品与订单来源" in refused.value.message
    with pytest.raises(KeyError, match="no-such-shop"):
        await open_room("sandbox", "no-such-shop", {})
