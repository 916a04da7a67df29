"""The ``bilibili-web`` adapter in process against the stand-in: heartbeats, an expired token,
host rotation, what it refuses and why, and a LiveRoom fed by it."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import hashlib
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import pytest

from app.api import Backoff, Capability, ConnectionStatus, LinkState, PlatformError, models
from app.live.comment_kinds import Kind
from app.live.room import LiveRoom
from plugins.bilibili import samples
from plugins.bilibili.standin import danmaku as dm
from plugins.bilibili.standin.danmaku import DanmakuOptions
from plugins.bilibili.standin.runner import Served
from plugins.bilibili.standin.web import WebOptions, WebStandIn
from plugins.bilibili.web_adapter import (
    WEB_CAPABILITIES,
    BilibiliWebAdapter,
    BilibiliWebAdapterFactory,
)
from plugins.bilibili.web_api import Endpoints, WebApi
from tests.support.polling import patience, until

Start = Callable[[WebStandIn], Any]
WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 §1.3


@pytest.fixture
async def adapters() -> AsyncIterator[list[BilibiliWebAdapter]]:
    opened: list[BilibiliWebAdapter] = []
    yield opened
    for a in opened:
        await a.close()


async def _open(
    start: Start, standin: WebStandIn, adapters: list[BilibiliWebAdapter], **settings: Any
) -> BilibiliWebAdapter:
    served: Served = await start(standin)
    settings = {
        "room": "6",
        "base": served.base,
        "backoff_base": 0.05,
        "backoff_cap": 0.2,
        **settings,
    }
    adapter = await BilibiliWebAdapterFactory().open(settings)
    assert isinstance(adapter, BilibiliWebAdapter)
    adapters.append(adapter)
    return adapter


async def _collect(adapter: BilibiliWebAdapter, n: int) -> list[models.Event]:
    got: list[models.Event] = []
    batches = adapter.event_batches(0)
    try:
        async with asyncio.timeout(patience(30)):
            async for batch in batches:
                got += batch
                if len(got) >= n:
                    return got
    except TimeoutError:
        raise AssertionError(f"only {len(got)} of {n} events arrived: {got}") from None
    finally:
        await batches.aclose()  # type: ignore[attr-defined]
    return got


def _texts(events: Sequence[models.Event]) -> list[str]:
    return [e.data.comment.text for e in events if e.type is models.EventType.COMMENT]


async def test_heartbeats_go_out_every_interval_while_connected(
    web_standin: Start, adapters: list[BilibiliWebAdapter]
) -> None:
    standin = WebStandIn.scripted([dm.frame(samples.danmu_msg(1, "一", "在", id_str="h"))])
    adapter = await _open(web_standin, standin, adapters, heartbeat_interval=0.2)
    batches = adapter.event_batches(0)
    try:
        first = await anext(batches)  # type: ignore[arg-type]
        assert _texts(first) == ["在"]
        assert adapter.connection.status.state is LinkState.CONNECTED
        conn = standin.danmaku.connections[0]
        await until(lambda: len(conn.heartbeats) >= 4, 10, "four heartbeats")
    finally:
        await batches.aclose()  # type: ignore[attr-defined]
    gaps = [b - a for a, b in zip(conn.heartbeats, conn.heartbeats[1:], strict=False)]
    assert min(gaps) >= 0.15  # one per interval, not a burst


async def test_an_auth_refused_with_minus_101_fetches_a_fresh_token(
    web_standin: Start, adapters: list[BilibiliWebAdapter]
) -> None:
    standin = WebStandIn.scripted(
        [dm.frame(samples.danmu_msg(1, "一", "新令牌", id_str="t"))],
        danmaku=DanmakuOptions(reject_auth=1),
    )
    adapter = await _open(web_standin, standin, adapters)
    assert _texts(await _collect(adapter, 1)) == ["新令牌"]
    calls = standin.calls("/xlive/web-room/v1/index/getDanmuInfo")
    assert [c.code for c in calls] == [0, 0]  # the chain ran again after the -101
    codes = [c.auth_code for c in standin.danmaku.connections]
    assert codes == [-101, 0]
    assert standin.danmaku.auth_bodies[1]["key"] == standin.tokens[1]


async def test_a_dropped_link_reconnects_to_the_next_host(
    web_standin: Start, adapters: list[BilibiliWebAdapter]
) -> None:
    standin = WebStandIn.scripted(
        [
            dm.frame(samples.danmu_msg(1, "一", "甲", id_str="a")),
            dm.disconnect(),
            dm.frame(samples.danmu_msg(1, "一", "甲", id_str="a")),  # re-sent: dropped
            dm.frame(samples.danmu_msg(2, "二", "乙", id_str="b")),
        ],
        WebOptions(ws_hosts=2),
    )
    adapter = await _open(web_standin, standin, adapters)
    events = await _collect(adapter, 2)
    assert _texts(events) == ["甲", "乙"]
    assert [e.seq for e in events] == [1, 2]
    assert [adapter.event_key(e) for e in events] == ["dm:a", "dm:b"]
    assert [e.data.comment.ts for e in events] == [e.ts for e in events]  # when each arrived
    assert len(standin.danmaku.connections) == 2
    assert adapter.init is not None and len(adapter.init.urls) == 2


async def test_a_host_that_aborts_the_handshake_never_shows_as_connected(
    web_standin: Start, adapters: list[BilibiliWebAdapter]
) -> None:
    """A danmaku host that drops the connection mid-handshake (or right after it, before the auth
    reply): the health bar says reconnecting with a reason, never connected, and the next host of
    host_list gets the room."""

    async def mid_handshake(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(64)  # the start of the client's upgrade request
        writer.transport.abort()

    async def before_auth_reply(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await reader.readuntil(b"\r\n\r\n")
        key = next(
            line.split(b":", 1)[1].strip()
            for line in request.split(b"\r\n")
            if line.lower().startswith(b"sec-websocket-key:")
        )
        accept = base64.b64encode(hashlib.sha1(key + WS_GUID).digest())
        writer.write(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n"
        )
        await writer.drain()
        writer.transport.abort()

    bad = [
        await asyncio.start_server(h, "127.0.0.1", 0) for h in (mid_handshake, before_auth_reply)
    ]
    try:
        standin = WebStandIn.scripted([dm.frame(samples.danmu_msg(1, "一", "终于", id_str="x"))])
        adapter = await _open(web_standin, standin, adapters)
        assert adapter.init is not None
        aborting = tuple(f"ws://127.0.0.1:{srv.sockets[0].getsockname()[1]}/sub" for srv in bad)
        adapter.init = dataclasses.replace(adapter.init, urls=(*aborting, *adapter.init.urls))
        seen: list[ConnectionStatus] = []
        adapter.connection.subscribe(seen.append)
        events = await _collect(adapter, 1)
    finally:
        for srv in bad:
            srv.close()
    assert _texts(events) == ["终于"]
    states = [st.state for st in seen]
    first_up = states.index(LinkState.CONNECTED)
    assert states[:first_up].count(LinkState.RECONNECTING) == 2, states
    assert all(st.error for st in seen[:first_up] if st.state is LinkState.RECONNECTING)
    assert len(standin.danmaku.connections) == 1  # only the good host was reached


async def test_only_interaction_and_room_state_are_offered_the_rest_says_why(
    web_standin: Start, adapters: list[BilibiliWebAdapter]
) -> None:
    adapter = await _open(web_standin, WebStandIn(), adapters)
    assert adapter.capabilities == WEB_CAPABILITIES == BilibiliWebAdapterFactory.capabilities
    assert adapter.can(Capability.COMMENTS) and adapter.can(Capability.LIVE_STATE)
    for cap in set(Capability) - WEB_CAPABILITIES:
        assert adapter.why_not(cap), cap
    with pytest.raises(PlatformError) as refused:
        await adapter.orders()
    assert refused.value.code == "not_supported"
    assert "订单" in refused.value.message
    with pytest.raises(PlatformError, match="只读"):
        await adapter.send_comment("你好")
    snap = await adapter.snapshot()
    assert snap.room == "21452505" and snap.session is not None  # the stand-in room is live
    factory = BilibiliWebAdapterFactory()
    assert "个人使用" in factory.display_name and "个人使用" in factory.note
    assert "不是B站开放给第三方的接口" in factory.note


async def test_log_in_notice_tells_the_listeners_once_why_names_are_masked(
    web_standin: Start, adapters: list[BilibiliWebAdapter]
) -> None:
    notice = {
        "cmd": "LOG_IN_NOTICE",
        "data": {"notice_msg": "为保护用户隐私，未注册登陆用户将无法查看他人昵称"},
    }
    standin = WebStandIn.scripted(
        [
            dm.frame(notice, samples.danmu_msg(0, "张****", "一", user_hash="aa11", id_str="m1")),
            dm.frame(notice, samples.danmu_msg(0, "李****", "二", user_hash="bb22", id_str="m2")),
        ]
    )
    adapter = await _open(web_standin, standin, adapters)
    heard: list[str] = []
    adapter.subscribe_notes(heard.append)
    events = await _collect(adapter, 3)
    assert [e.type.value for e in events] == ["room_note", "comment", "comment"]  # notice once
    assert events[0].data.text == "为保护用户隐私，未注册登陆用户将无法查看他人昵称"
    assert [e.data.comment.user_id for e in events[1:]] == ["anon-aa11", "anon-bb22"]
    assert heard == adapter.notes and len(heard) == 1  # said once, not per notice
    assert "张****" in heard[0] and "SESSDATA" in heard[0]


async def test_an_unknown_room_is_refused_at_open(web_standin: Start) -> None:
    served: Served = await web_standin(WebStandIn())
    with pytest.raises(PlatformError) as refused:
        await BilibiliWebAdapterFactory().open({"room": "999", "base": served.base})
    assert refused.value.code == "room_not_found" and "999" in refused.value.message


async def test_a_live_room_ingests_comments_gifts_and_paid_messages(
    web_standin: Start, adapters: list[BilibiliWebAdapter]
) -> None:
    gift_v2 = samples.send_gift_v2(
        samples.send_gift_v2_pb(3, "丙", [("小电视飞船", 1, 1_245_000, "gold", "g-2")])
    )
    standin = WebStandIn.scripted(
        [
            dm.frame(
                samples.danmu_msg(1, "甲", "扣1", id_str="c1"),
                samples.danmu_msg(2, "乙", "扣1", id_str="c2"),
            ),
            dm.frame(samples.send_gift(4, "丁", "辣条", 10, 100, tid="g-1"), gift_v2),
            dm.frame(samples.super_chat(7, 5, "戊", 50, "主播好"), ver=0),
            dm.frame({"cmd": "WATCHED_CHANGE", "data": {"num": 321, "text_small": "321"}}),
        ]
    )
    adapter = await _open(web_standin, standin, adapters)
    room = LiveRoom(adapter)
    room.start()
    try:
        await room.wait_loaded()
        await until(lambda: room.metrics.paid_messages == 1, 20, "the Super Chat")
        await until(lambda: room.seq >= 6, 20, "every event")
    finally:
        await room.stop()
    kinds = [line.text for line in room.chat]
    assert len(room.chat) == 5, kinds  # two comments, two gifts, one paid message
    assert room.metrics.gift_value_cents == 100 + 124_500
    assert room.metrics.paid_message_cents == 5000
    assert room.session is not None  # the room was live when it was opened


async def test_a_super_chat_bilibili_takes_down_is_marked_and_a_room_note_is_shown(
    web_standin: Start, adapters: list[BilibiliWebAdapter]
) -> None:
    goto_buy = {"cmd": "GOTO_BUY_FLOW", "data": {"text": "小鹿 正在去买"}}
    standin = WebStandIn.scripted(
        [
            dm.frame(samples.super_chat(71, 5, "戊", 30, "看我"), samples.super_chat(72, 6, "己", 30, "好")),
            dm.frame(goto_buy, {"cmd": "SUPER_CHAT_MESSAGE_DELETE", "data": {"ids": [71]}}),
        ]
    )  # fmt: skip
    adapter = await _open(web_standin, standin, adapters)
    room = LiveRoom(adapter)
    room.start()
    try:
        await room.wait_loaded()
        await until(lambda: len(room.chat) == 3, 20, "two Super Chats and the note")
        taken, kept, note = list(room.chat)
        await until(lambda: room.moderation(taken) == "deleted", 20, "the takedown")
    finally:
        await room.stop()
    assert room.moderation(kept) is None
    assert (note.text, note.kind) == ("小鹿 正在去买", Kind.NOTE)
    assert room.metrics.paid_message_cents == 6000


async def test_an_expired_sessdata_connects_as_a_guest_and_says_so(
    web_standin: Start, adapters: list[BilibiliWebAdapter]
) -> None:
    standin = WebStandIn.scripted([dm.frame(samples.danmu_msg(1, "一", "游客", id_str="g"))])
    adapter = await _open(web_standin, standin, adapters, sessdata="expired-cookie")
    assert _texts(await _collect(adapter, 1)) == ["游客"]
    assert standin.danmaku.auth_bodies[0]["uid"] == 0
    assert len(adapter.notes) == 1 and "SESSDATA" in adapter.notes[0]
    # the refused cookie is not sent again
    assert standin.calls("/xlive/web-room/v1/index/getDanmuInfo")[0].cookies.get("SESSDATA") is None


async def test_the_operators_reconnect_skips_the_backoff_wait(
    web_standin: Start, adapters: list[BilibiliWebAdapter]
) -> None:
    standin = WebStandIn.scripted(
        [
            dm.frame(samples.danmu_msg(1, "一", "断开前", id_str="before")),
            dm.disconnect(),
            dm.frame(samples.danmu_msg(1, "一", "重连后", id_str="after")),
        ]
    )
    served: Served = await web_standin(standin)
    api = WebApi(Endpoints.from_base(served.base))
    init = await api.initialise("6")
    adapter = BilibiliWebAdapter(api, "6", init, backoff=Backoff(base=600, cap=600, jitter=False))
    adapters.append(adapter)
    batches = adapter.event_batches(0)
    try:
        assert _texts(await anext(batches)) == ["断开前"]  # type: ignore[arg-type]
        following = asyncio.ensure_future(anext(batches))  # type: ignore[arg-type]
        await until(
            lambda: adapter.connection.status.state is LinkState.RECONNECTING, 20, "the drop"
        )
        assert not following.done()  # waiting out the 600 s backoff
        assert adapter.reconnect_now()
        async with asyncio.timeout(patience(20)):
            assert _texts(await following) == ["重连后"]
    finally:
        await batches.aclose()  # type: ignore[attr-defined]
    assert adapter.connection.status.state is LinkState.OFFLINE  # the stream was closed
