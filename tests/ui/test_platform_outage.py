"""The platform dies under the console's feet: the real main window on a real LiveRoom following a
real sandbox server (live session, simulated audience, a fixed --db and port). SIGKILL the server
mid-use: the health bar says 重连中 and since when; explaining a product and issuing a coupon while
it is down are refused with a message the operator sees, and nothing reaches the platform. The
platform then stores orders the console cannot see yet (the same db served briefly on another
port), and is restarted on the console's port and db: the bar says 已连接 again and the room, the
chat feed and the orders feed carry on from where they were — everything the platform logged,
including what it stored while the console was away, shows once, in order, with no gap."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from app.live.room import LiveRoom
from app.platform import models as m
from app.platform.client import PlatformClient
from app.settings import Settings
from tests.support.polling import patience
from tests.support.ports import free_port
from ui.chat.panel import ChatPanel
from ui.main_window import MainWindow
from ui.marketing.coupons import CouponsPanel
from ui.orders.panel import OrdersPanel
from ui.products.panel import ProductQueuePanel

CLEAN = "p02"  # no compliance hits: explaining it asks nothing
COUPON_NAME = "断线券"
CHAT_TYPES = {"comment", "gift", "paid_message", "membership", "room_note"}  # chat lines
ORDER_TYPES = {"order_created", "order_paid", "order_refunded"}
Until = Callable[..., Awaitable[None]]


def logged_seq(db: Path) -> int:
    with sqlite3.connect(db) as con:
        return int(con.execute("SELECT max(seq) FROM events").fetchone()[0])


def place_order(srv: Any, n: int, *, pay: bool = True) -> dict[str, Any]:
    """A viewer's order through the platform's own route (host token), as the audience makes."""
    r = httpx.post(
        srv.api("/orders"),
        headers=srv.headers("host"),
        json={
            "user_id": f"u-outage-{n}",
            "nickname": f"断线买家{n}",
            "product_id": "p01",
            "pay": pay,
        },
        timeout=30,
    )
    r.raise_for_status()
    return dict(r.json())


async def test_server_killed_mid_use_shows_reconnecting_refuses_actions_and_resumes_without_gaps(
    qtbot: QtBot, sandbox_server: Any, tmp_path: Path, until: Until
) -> None:
    port = free_port()
    # the restart keeps these args: same db (the fixture's), same port, audience running again
    srv = sandbox_server(viewers=100, live=True, extra=["--rate", "60", "--port", str(port)])
    assert srv.args[-2:] == ["--port", str(port)]
    client = PlatformClient(srv.url, srv.room, srv.tokens["host"], role="host")
    room = LiveRoom(client)
    received: list[int] = []  # every seq the console's room ingested, in order
    snapshot_seq: list[int] = []
    room.subscribe_events(lambda evs: received.extend(e.seq for e in evs))
    room.subscribe(lambda _ch: snapshot_seq.append(room.seq) if not snapshot_seq else None)
    room.start()
    window: MainWindow | None = None
    try:
        await asyncio.wait_for(room.wait_loaded(), patience(30))
        await until(lambda: room.online, 30, "the event stream to connect")
        qs = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
        window = MainWindow(room, Settings(), qsettings=qs)
        qtbot.addWidget(window)
        window.show()
        window_seq = room.seq  # the chat panel shows what arrives from here on
        indicator = window.findChild(QLabel, "health:platform")
        assert indicator is not None
        message = window.findChild(QLabel, "statusMessage")
        assert message is not None
        queue, chat, orders, coupons = (
            window.panels["products"],
            window.panels["comments"],
            window.panels["orders"],
            window.panels["coupons"],
        )
        assert isinstance(queue, ProductQueuePanel) and isinstance(chat, ChatPanel)
        assert isinstance(orders, OrdersPanel) and isinstance(coupons, CouponsPanel)
        assert room.explaining is None or room.explaining.product_id != CLEAN

        # in use: orders and comments flowing into the panels
        for n in range(3):
            await asyncio.to_thread(place_order, srv, n)
        await until(lambda: orders.model.rowCount() >= 3, 20, "the first orders in the panel")
        await until(lambda: chat.models["all"].rowCount() >= 5, 20, "comments in the chat panel")
        # the bar says connected, and (from its next 1 s refresh after the first event: a busy
        # machine may have delivered the orders above before that tick) how fresh the feed is
        await until(
            lambda: (
                re.search(r"平台 已连接 · (实时|最近事件 \d+ 秒前)", indicator.text()) is not None
            ),
            10,
            "the bar to say connected, with the last event's age",
        )

        # --- SIGKILL mid-use --------------------------------------------------------------------
        srv.kill()
        seq_at_kill = logged_seq(srv.db)  # the last event the platform stored before it died
        await until(lambda: not room.online, 20, "the console to notice the platform is gone")
        await until(lambda: "重连中" in indicator.text(), 5, "the bar to say reconnecting")
        assert re.search(r"平台 重连中 · 自 \d\d:\d\d:\d\d 起", indicator.text()), indicator.text()

        # explain, clicked in the product queue while the platform is down
        queue.select(CLEAN)
        explain_button = queue.buttons["explain"]
        assert explain_button.isEnabled()
        qtbot.mouseClick(explain_button, Qt.MouseButton.LeftButton)
        await until(lambda: "讲解失败" in message.text(), 5, "the explain refusal in the window")
        assert "平台未连接" in message.text() and "未执行" in message.text(), message.text()

        # a coupon, issued from the coupons panel while the platform is down
        window.docks["coupons"].raise_()
        coupons.kind.setCurrentIndex(coupons.kind.findData(m.CouponKind.NO_THRESHOLD))
        coupons.name.setText(COUPON_NAME)
        coupons.amount.setValue(5.0)
        assert coupons.issue_button.isEnabled(), coupons.preview.text()
        qtbot.mouseClick(coupons.issue_button, Qt.MouseButton.LeftButton)
        await until(lambda: "发券失败" in message.text(), 5, "the coupon refusal in the window")
        assert "平台未连接" in message.text() and "未执行" in message.text(), message.text()
        await until(lambda: coupons.issue_button.isEnabled(), 5, "the issue button back")
        assert room.seq <= seq_at_kill
        assert not any(c.name == COUPON_NAME for c in room.coupons.values())

        # --- the platform comes back; before the console can reach it, it logs orders: the same db
        # is served for a moment on another port (the console keeps knocking on its own port),
        # then restarted on the console's port
        def away_then_back() -> list[dict[str, Any]]:
            srv.args[-1] = str(free_port())
            srv.start()
            stored = [place_order(srv, n) for n in range(3, 6)]
            assert not room.online  # stored while the console could not see it
            srv.stop()
            srv.args[-1] = str(port)
            srv.start()
            return stored

        while_away = await asyncio.to_thread(away_then_back)
        assert srv.url.endswith(f":{port}") and srv.room == room.room_id
        await until(lambda: room.online, 30, "the console to reconnect")
        await until(lambda: "平台 已连接" in indicator.text(), 5, "the bar to say connected again")

        # live again: one more order after the reconnect, then everything up to now must be in
        await asyncio.to_thread(place_order, srv, 6)
        target = await asyncio.to_thread(srv.last_seq)
        await until(lambda: room.seq >= target, 30, f"the room to reach seq {target}")
        log = await asyncio.to_thread(srv.read_events, snapshot_seq[0], until_seq=target)

        # the room: every seq the platform logged, once, in order, none missing
        assert [e["seq"] for e in log] == list(range(snapshot_seq[0] + 1, target + 1))
        assert [s for s in received if s <= target] == [e["seq"] for e in log]
        # the orders stored while the console was away came with the resume, after the kill
        away_seqs = {
            e["seq"]
            for e in log
            if e["type"] == "order_created"
            and e["data"]["order"]["id"] in {o["id"] for o in while_away}
        }
        assert len(away_seqs) == 3 and min(away_seqs) > seq_at_kill

        # the chat panel: each comment and gift once, in order, none missing
        chat_model = chat.models["all"]
        await until(lambda: chat_model.pending_count == 0, 5, "the chat panel to flush")
        shown = [chat_model.line(i).seq for i in range(chat_model.rowCount())]
        expected_chat = [e["seq"] for e in log if e["type"] in CHAT_TYPES and e["seq"] > window_seq]
        assert len(expected_chat) >= 5  # the chat the panel was seen to show before the kill
        assert [s for s in shown if s <= target] == expected_chat

        # the orders panel: one row per order, in order of arrival, each in its latest state
        latest: dict[str, str] = {}
        for e in log:
            if e["type"] in ORDER_TYPES:
                latest[e["data"]["order"]["id"]] = e["data"]["order"]["status"]
        await until(lambda: orders.model.pending_count == 0, 5, "the orders panel to flush")
        rows = [orders.model.order(i) for i in range(orders.model.rowCount())]
        assert [o.id for o in rows][: len(latest)] == list(latest)
        assert len({o.id for o in rows}) == len(rows), "an order shows twice"
        # ours are paid when placed, so their latest state is final (the audience's may move on)
        ours = {o.id: o.status for o in rows if o.user_id.startswith("u-outage-")}
        assert ours == {oid: "paid" for oid in ours} and len(ours) == 7  # 3 before, 3 away, 1 after
        assert ours.keys() <= latest.keys()

        # nothing refused while down reached the platform
        with srv.client() as http:
            platform_coupons = (await asyncio.to_thread(http.get, "/coupons")).json()
        assert COUPON_NAME not in {c.get("name") for c in platform_coupons}
        assert not [e for e in log if e["type"] == "coupon_issued"]
        assert not [e for e in log if e["type"] == "product_explaining"]
        assert room.explaining is None or room.explaining.product_id != CLEAN
    finally:
        if window is not None:
            window.close()
        await room.stop()
        await client.close()
