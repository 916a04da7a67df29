"""The danmaku WebSocket stand-in behaves like Bilibili's server, as a real client sees it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import orjson
import pytest
import websockets
from starlette.applications import Starlette

from plugins.bilibili import codec, samples
from plugins.bilibili.codec import AuthReply, Command, HeartbeatReply, Ver
from plugins.bilibili.standin import danmaku as dm
from plugins.bilibili.standin.danmaku import DanmakuOptions, DanmakuStandIn
from plugins.bilibili.standin.runner import Served
from tests.support.polling import until


async def _serve(standin: DanmakuStandIn) -> Served:
    served = Served(Starlette(routes=[standin.route()]))
    await served.start()
    return served


@pytest.fixture
async def running() -> AsyncIterator[list[Served]]:
    servers: list[Served] = []
    yield servers
    for s in servers:
        await s.stop()


async def _open(standin: DanmakuStandIn, running: list[Served]) -> str:
    served = await _serve(standin)
    running.append(served)
    return f"ws://127.0.0.1:{served.port}/sub"


async def _decode(ws: websockets.ClientConnection) -> list[codec.Message]:
    raw = await asyncio.wait_for(ws.recv(), 10)
    assert isinstance(raw, bytes)
    return codec.decode_frame(raw).messages


async def test_a_client_that_does_not_authenticate_in_time_is_closed(
    running: list[Served],
) -> None:
    standin = DanmakuStandIn(options=DanmakuOptions(auth_timeout=0.5))
    async with websockets.connect(await _open(standin, running)) as ws:
        with pytest.raises(websockets.ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 10)
    assert standin.connections[0].ended == "no auth in time"
    assert standin.connections[0].auth_at is None


async def test_auth_heartbeat_and_a_script_in_every_protocol_version(
    running: list[Served],
) -> None:
    gift_pb = samples.send_gift_v2(
        samples.send_gift_v2_pb(7, "用户七", [("小花花", 2, 200, "gold", "t-7")])
    )
    steps = [
        dm.frame(samples.danmu_msg(1, "一", "你好", id_str="a"), ver=Ver.JSON),
        dm.frame(samples.danmu_msg(2, "二", "二号", id_str="b"), gift_pb, ver=Ver.ZLIB),
        dm.frame(samples.super_chat(9, 3, "三", 30, "SC"), samples.like_click(4, "四")),
    ]
    standin = DanmakuStandIn(steps)
    async with websockets.connect(await _open(standin, running)) as ws:
        await ws.send(codec.auth_packet({"uid": 0, "roomid": 1, "key": "k"}))
        assert await _decode(ws) == [AuthReply(0, b'{"code":0}')]
        got: list[str] = []
        for _ in range(3):
            got += [m.cmd for m in await _decode(ws) if isinstance(m, Command)]
        assert got == [
            "DANMU_MSG", "DANMU_MSG", "SEND_GIFT_V2", "SUPER_CHAT_MESSAGE", "LIKE_INFO_V3_CLICK",
        ]  # fmt: skip
        await ws.send(codec.heartbeat_packet(b"[object Object]"))
        raw = await asyncio.wait_for(ws.recv(), 10)
        assert isinstance(raw, bytes) and raw.endswith(b"[object Object]")  # the echo quirk
        assert codec.decode_frame(raw).messages == [HeartbeatReply(1)]
    conn = standin.connections[0]
    assert conn.auth_json == {"uid": 0, "roomid": 1, "key": "k"}
    assert len(conn.heartbeats) == 1 and conn.auth_at is not None
    assert conn.heartbeats[0] >= conn.auth_at
    assert standin.script.done


async def test_a_forced_disconnect_resumes_the_script_on_the_next_connection(
    running: list[Served],
) -> None:
    one, two = (
        samples.danmu_msg(1, "一", "1", id_str="x1"),
        samples.danmu_msg(2, "二", "2", id_str="x2"),
    )
    standin = DanmakuStandIn([dm.frame(one), dm.disconnect(), dm.frame(one, two)])
    url = await _open(standin, running)
    async with websockets.connect(url) as ws:
        await ws.send(codec.auth_packet({"uid": 0}))
        await _decode(ws)
        assert [m.body["info"][1] for m in await _decode(ws) if isinstance(m, Command)] == ["1"]
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
        assert closed.value.rcvd is None  # no close frame: a network fault
    async with websockets.connect(url) as ws:
        await ws.send(codec.auth_packet({"uid": 0}))
        await _decode(ws)
        texts = [m.body["info"][1] for m in await _decode(ws) if isinstance(m, Command)]
        assert texts == ["1", "2"]  # the duplicate after the reconnect, then the new one
    await until(lambda: len(standin.connections) == 2 and standin.connections[1].ended)
    assert standin.connections[0].ended == "dropped by the script"


async def test_rejected_auth_is_answered_minus_101_and_closed(running: list[Served]) -> None:
    standin = DanmakuStandIn(
        [dm.frame(samples.danmu_msg(1, "一", "1"))], DanmakuOptions(reject_auth=1)
    )
    url = await _open(standin, running)
    async with websockets.connect(url) as ws:
        await ws.send(codec.auth_packet({"uid": 0}))
        assert await _decode(ws) == [AuthReply(-101, b'{"code":-101}')]
        with pytest.raises(websockets.ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 10)
    assert not standin.script.done  # nothing was streamed to the rejected client
    async with websockets.connect(url) as ws:
        await ws.send(codec.auth_packet({"uid": 0}))
        assert (await _decode(ws))[0] == AuthReply(0, b'{"code":0}')
        assert len(await _decode(ws)) == 1


def test_a_script_is_plain_data() -> None:
    steps = [dm.frame(samples.danmu_msg(1, "一", "1")), dm.sleep(0.1), dm.disconnect()]
    script = dm.Script.from_json(orjson.dumps(steps))
    assert script.steps == steps
    assert [c["cmd"] for c in script.commands()] == ["DANMU_MSG:4:0:2:2:2:0"]
    with pytest.raises(ValueError, match="not a script step"):
        dm.Script([{"bogus": 1}])


async def test_a_client_that_stops_sending_heartbeats_is_closed(running: list[Served]) -> None:
    standin = DanmakuStandIn(options=DanmakuOptions(idle_timeout=0.5))
    async with websockets.connect(await _open(standin, running)) as ws:
        await ws.send(codec.auth_packet({"uid": 0}))
        assert await _decode(ws) == [AuthReply(0, b'{"code":0}')]
        with pytest.raises(websockets.ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 10)
    assert standin.connections[0].ended == "no heartbeat in time"
