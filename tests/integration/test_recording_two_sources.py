"""One session recording of a room made of two sources (app/platform/composite.py): the chat of
one real sandbox server and the shop of another. The recorder consumes the room's events as on
any platform: the file holds the chat source's comments and the shop's orders, each once, in
the room's order, and the session is the chat source's (started and ended there); the replay
attributes the orders to the shop's explain window as on one platform."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from app.live.room import LiveRoom
from app.platform.client import PlatformClient
from app.platform.composite import CompositeAdapter
from app.session.attribution import per_product
from app.session.recorder import SessionRecorder
from app.session.replay import SessionFile
from tests.support.polling import until


def client(srv: Any) -> PlatformClient:
    return PlatformClient(srv.url, srv.room, srv.tokens["host"], role="host")


async def test_a_recording_of_a_two_source_room_holds_chat_and_orders(
    sandbox_server: Callable[..., Any], tmp_path: Path
) -> None:
    chat_srv = sandbox_server(debug_routes=True)  # quiet: only what the test does
    shop_srv = sandbox_server(live=True)  # open for orders
    room = LiveRoom(CompositeAdapter(client(chat_srv), client(shop_srv)))
    rec = SessionRecorder(room, tmp_path / "sessions")
    room.start()
    await room.wait_loaded()
    rec.start()
    ordered: list[str] = []
    changes: list[Any] = []
    room.subscribe_activity(changes.extend)
    try:
        await until(lambda: room.online, 30, "both event streams to connect")
        await room.start_session()  # the chat source's session (its live state)
        await until(lambda: rec.recording, 30, "the recorder to open the session file")
        explained = room.product_ids[0]
        await room.explain(explained)  # the shop's: its catalogue
        await until(lambda: room.explaining is not None, 30, "the explain card")
        # done through the shop, it is still this console's own change (not a teammate's)
        await until(lambda: any(c.kind == "explain" for c in changes), 30, "the explain change")
        assert all(c.mine for c in changes if c.kind == "explain"), changes
        async with httpx.AsyncClient(timeout=30) as http:
            for n in range(3):
                r = await http.post(
                    chat_srv.api("/_debug/viewer-comment"),
                    json={"user_id": f"v{n}", "nickname": f"观众{n}", "text": f"多少钱 {n}"},
                    headers=chat_srv.headers(),
                )
                assert r.status_code == 200, r.text
                pid = explained
                r = await http.post(
                    shop_srv.api("/orders"),
                    json={"user_id": f"v{n}", "nickname": f"观众{n}", "product_id": pid,
                          "quantity": 1, "pay": True},
                    headers=shop_srv.headers(),
                )  # fmt: skip
                assert r.status_code == 200, r.text
                ordered.append(r.json()["id"])
        await until(lambda: room.metrics.orders >= 3, 30, "the shop's orders in the room")
        await room.end_session()
        await until(lambda: not rec.recording, 30, "the session file to close")
    finally:
        await rec.stop()
        await room.stop()
        await room.adapter.close()

    [path] = rec.files
    f = SessionFile(path)
    try:
        events = list(f.iter_events())
        types = [e.type.value for e in events]
        assert types[0] == "session_started" and types[-1] == "session_ended"
        comments = [e.data.comment.text for e in events if e.type.value == "comment"]
        assert comments == ["多少钱 0", "多少钱 1", "多少钱 2"]
        created = [e.data.order.id for e in events if e.type.value == "order_created"]
        assert created == ordered
        seqs = [e.seq for e in events]
        assert seqs == sorted(set(seqs))  # once each, in the room's order
        s = f.summary()
        assert s.orders == 3 and s.comments == 3
        row = {r.product_id: r for r in per_product(f)}[explained]
        assert row.orders_during == 3 and row.on_screen_s > 0
    finally:
        f.close()
