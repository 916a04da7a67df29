"""The 下播总结 (issue 20, "After the show"): after 下播 the console shows the session's summary,
computed from its recording, so its GMV and orders are the replay's; it is reachable again from
the sessions list, which refreshes by itself. Driven through the real window on the real sandbox,
recorded by the real recorder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from app.format import money
from app.platform import models as m
from app.session.replay import SessionFile
from app.settings import Settings
from tests.support.polling import until
from tests.support.recording_rig import recording_host
from tests.ui.test_guardrails import _answer, _click_action, from_qt
from ui.main_window import MainWindow
from ui.replay.sessions import SessionsWindow
from ui.replay.summary import SummaryDialog

pytestmark = [
    pytest.mark.slow,
    pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise", "pipewire"),
]


async def _orders(srv: Any, product_id: str, n: int, *, pay: int) -> None:
    async with httpx.AsyncClient(headers=srv.headers("host"), timeout=30) as http:
        for i in range(n):
            r = await http.post(
                srv.api("/orders"),
                json={
                    "user_id": f"b{i}",
                    "nickname": f"买家{i}",
                    "product_id": product_id,
                    "quantity": 1 + i % 2,
                    "pay": i < pay,
                },
            )
            assert r.status_code == 200, r.text


async def test_end_show_opens_the_summary_with_the_replays_figures(
    qtbot: QtBot, sandbox_server: Any, tmp_path: Path
) -> None:
    srv = sandbox_server()
    directory = tmp_path / "sessions"
    async with recording_host(srv, directory) as (room, rec):
        qs = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
        win = MainWindow(room, Settings(), qsettings=qs)
        qtbot.addWidget(win)
        win.show()
        win.end_summary.directory = directory
        await room.start_session()
        await until(lambda: rec.recording, 20, "recording")
        bag = list(room.bag)
        await room.explain(bag[0].id)
        await until(lambda: room.explaining is not None, 10, "the explain")
        await _orders(srv, bag[0].id, 5, pay=3)
        await room.explain(bag[1].id)
        await _orders(srv, bag[1].id, 2, pay=2)
        await until(lambda: len(room.orders) >= 7, 10, "the orders")
        seen: list[dict[str, Any]] = []
        _answer(_click_action, seen)
        await from_qt(win.end_action.trigger, lambda: len(seen) == 1)  # 下播, confirmed
        await until(lambda: win.end_summary.dialog is not None, 40, "the 下播总结")
        d = win.end_summary.dialog
        assert isinstance(d, SummaryDialog) and d.isVisible()
        assert d.data.complete
        with SessionFile(d.data.summary.path) as f:
            s = f.summary()
        assert s.orders == 7 and d.kpis["orders"].text() == "7"
        assert d.kpis["gmv"].text() == money(s.gmv_cents) and s.gmv_cents > 0
        assert (d.data.paid_orders, d.data.refunded_orders) == (5, 0)
        assert d.data.top_products[0].product_id == bag[0].id  # more GMV
        assert d.data.top_explains[0].product_id == bag[0].id  # 5 orders in its window
        assert d.data.top_explains[0].orders_during == 5
        assert d.explains.item(0, 0).text() == bag[0].title
        assert d.kpis["conversion"].text() != ""
        replay = d.open_replay()
        assert replay is not None
        assert money(s.gmv_cents) in replay.header.text()  # type: ignore[attr-defined]
        replay.close()
        d.close()
        win.close_without_asking()


async def test_sessions_list_offers_the_summary_and_refreshes_by_itself(
    qtbot: QtBot, sandbox_server: Any, tmp_path: Path
) -> None:
    srv = sandbox_server()
    directory = tmp_path / "sessions"
    directory.mkdir()
    panel = SessionsWindow(directory, refresh_s=0.3)
    qtbot.addWidget(panel)
    panel.show()
    await until(lambda: not panel.loading, 20, "the empty list")
    assert panel.table.rowCount() == 0
    async with recording_host(srv, directory) as (room, rec):
        await room.start_session()
        await until(lambda: rec.recording, 20, "recording")
        # a new recording appears without 刷新
        await until(lambda: panel.table.rowCount() == 1, 20, "the new session's row")
        assert panel.table.item(0, 7).text() == "未结束"
        await _orders(srv, room.bag[0].id, 3, pay=1)
        await room.end_session()
        panel.table.selectRow(0)  # the operator is looking at it
        # the row of the session that ended updates by itself
        await until(lambda: panel.table.item(0, 7).text() == "已结束", 20, "the ended row")
        await until(lambda: panel.table.item(0, 5).text() == "3", 20, "its orders")
        first = rec.files[-1]
        await room.start_session()  # the next show: its row comes in above, newest first
        await until(lambda: panel.table.rowCount() == 2, 20, "the next session's row")
        assert [s.path for s in panel.selected()] == [first]  # the selection stayed on it
        await room.end_session()
    panel.summary_button.click()
    await until(lambda: panel.summary_dialog is not None, 20, "the summary from the list")
    d = panel.summary_dialog
    assert d is not None and d.kpis["orders"].text() == "3"
    d.close()


async def test_flash_sale_scheduled_and_run_gets_markers_and_a_report_section(
    qtbot: QtBot, sandbox_server: Any, tmp_path: Path
) -> None:
    from app.session.report import build_html
    from ui.replay.window import ReplayWindow

    srv = sandbox_server()
    directory = tmp_path / "sessions"
    async with recording_host(srv, directory) as (room, rec):
        await room.start_session()
        await until(lambda: rec.recording, 20, "recording")
        pid = room.bag[0].id
        sale = await room.start_flash_sale(
            m.FlashSaleSpec(
                product_id=pid, price_cents=990, quantity=5, starts_in_seconds=1, duration_seconds=2
            )
        )
        await until(
            lambda: (
                room.flash_sales.get(sale.id) is not None
                and room.flash_sales[sale.id].status == "ended"
            ),
            20,
            "the sale to run and end",
        )
        await room.end_session()
        await until(lambda: not rec.recording, 20, "the end")
    path = rec.files[-1]
    await until(lambda: _ended(path), 20, "the file's end")
    with SessionFile(path) as f:
        kinds = [mk.kind for mk in f.markers()]
        assert "flash_sale_scheduled" in kinds  # was missing: not a marker kind
        assert "flash_sale_started" in kinds  # was missing: started by the platform's timer
        assert "flash_sale_ended" in kinds  # was missing: ended by the timer
        page = build_html(f, lang="zh_CN", keywords=None)
        assert "秒杀" in page and "¥9.90" in page
        assert 'id="flash-sales"' in page
    # a file recorded before the writer kept them (no flash sale markers): made from the sale
    import sqlite3

    old = tmp_path / "old" / path.name
    old.parent.mkdir()
    with sqlite3.connect(path) as src, sqlite3.connect(old) as dst:
        src.backup(dst)
    with sqlite3.connect(old) as c:
        c.execute("DELETE FROM markers WHERE kind LIKE 'flash_sale%'")
    with SessionFile(old) as f:
        kinds = [mk.kind for mk in f.markers()]
    assert "flash_sale_started" in kinds and "flash_sale_ended" in kinds
    w = ReplayWindow(path)
    tips = [str(s.data()) for s in w.charts.scatter.points()]
    assert any("秒杀预告" in t for t in tips) and any("秒杀开始" in t for t in tips)
    w.close()


def _ended(path: Path) -> bool:
    try:
        with SessionFile(path) as f:
            return bool(f.meta.get("ended_ts"))
    except Exception:
        return False


async def test_compare_two_sessions_shows_kpi_deltas_and_products_aligned_by_id(
    qtbot: QtBot, sandbox_server: Any, tmp_path: Path
) -> None:
    from PySide6.QtWidgets import QPushButton

    from ui.replay.compare import CompareWindow

    srv = sandbox_server()
    directory = tmp_path / "sessions"
    async with recording_host(srv, directory) as (room, rec):
        bag = list(room.bag)
        for n_orders, product in ((2, bag[0]), (5, bag[1])):  # A: 2 orders; B: 5 of another
            await room.start_session()
            await until(lambda: rec.recording, 20, "recording")
            await _orders(srv, product.id, n_orders, pay=0)
            await until(
                lambda p=product.id, n=n_orders: (
                    sum(1 for o in room.orders if o.product_id == p) >= n
                ),
                10,
                "the orders",
            )
            await room.end_session()
            await until(lambda: not rec.recording, 20, "the end")
    for p in rec.files:
        await until(lambda p=p: _ended(p), 20, "the file's end")
    panel = SessionsWindow(directory)
    qtbot.addWidget(panel)
    panel.show()
    await until(lambda: panel.table.rowCount() == 2, 20, "both sessions")
    panel.table.selectAll()
    [button] = [b for b in panel.findChildren(QPushButton) if b.text() == "对比两场"]
    button.click()
    [cmp] = [w for w in panel.opened if isinstance(w, CompareWindow)]
    kpis = {cmp.kpis.item(r, 0).text(): cmp.kpis.item(r, 3) for r in range(cmp.kpis.rowCount())}
    assert kpis["订单"].text().startswith("▲ 3")  # 2 → 5, the earlier session is the base
    assert kpis["订单"].foreground().color().name() == "#2e7d32"
    products = {
        cmp.products.item(r, 0).text(): [cmp.products.item(r, c).text() for c in range(1, 4)]
        for r in range(cmp.products.rowCount())
    }
    assert products[bag[0].title][:2] == ["2", "0"] and products[bag[0].title][2].startswith("▼")
    assert products[bag[1].title][:2] == ["0", "5"] and products[bag[1].title][2].startswith("▲")
    cmp.close()


async def test_a_second_console_shows_the_summary_when_it_sees_the_end(
    qtbot: QtBot, sandbox_server: Any, tmp_path: Path
) -> None:
    """The assistant's console records the session too, and shows its 下播总结 when the host
    ends the show: the same GMV and orders as the host's recording."""
    from app.live.room import LiveRoom
    from app.platform.client import PlatformClient
    from app.session.recorder import SessionRecorder

    srv = sandbox_server()
    host_dir, asst_dir = tmp_path / "host", tmp_path / "assistant"
    async with recording_host(srv, host_dir) as (room, rec):
        client = PlatformClient(srv.url, srv.room, srv.tokens["assistant"], role="assistant")
        other = LiveRoom(client)
        other_rec = SessionRecorder(other, asst_dir)
        other.start()
        await other.wait_loaded()
        other_rec.start()
        try:
            await until(lambda: other.online, 20, "the assistant's stream")
            qs = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
            win = MainWindow(other, Settings(), qsettings=qs)
            qtbot.addWidget(win)
            win.show()
            win.end_summary.directory = asst_dir
            await room.start_session()
            await until(lambda: other_rec.recording, 20, "the assistant recording")
            await _orders(srv, room.bag[0].id, 4, pay=4)
            await until(lambda: len(other.orders) >= 4, 10, "the orders on the assistant")
            await room.end_session()  # the host ends the show
            await until(lambda: win.end_summary.dialog is not None, 40, "the assistant's 总结")
            d = win.end_summary.dialog
            assert d is not None and d.kpis["orders"].text() == "4"
            await until(lambda: not rec.recording, 20, "the host's file")
            with SessionFile(rec.files[-1]) as f:
                assert d.kpis["gmv"].text() == money(f.summary().gmv_cents)
            d.close()
            win.close_without_asking()
        finally:
            await other_rec.stop()
            await other.stop()
            await client.close()
