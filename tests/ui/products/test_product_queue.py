"""The product queue against the real sandbox server: explain, reorder across two consoles, a stale
reorder resolved, price/stock edits, hold, run-order paste, compliance confirmation."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QDialog, QWidget
from pytestqt.qtbot import QtBot

from app.live.room import LiveRoom
from app.platform import models as m
from app.platform.client import PlatformClient
from app.settings import Settings
from tests.support.console import Console, main_window
from tests.support.polling import until
from ui.compliance_dialog import ComplianceDialog
from ui.products.panel import ProductQueuePanel
from ui.stage import Stage

CLEAN = "p02"  # 高腰直筒牛仔裤: no compliance hits in title or selling points
FLAGGED = "p03"  # 轻薄羽绒服: "全网最低价" in a selling point


Connect = Callable[..., Awaitable[LiveRoom]]


@pytest.fixture
async def connect() -> AsyncIterator[Connect]:
    """``await connect(srv, "host")`` → a loaded, online LiveRoom on the real server."""
    opened: list[tuple[LiveRoom, PlatformClient]] = []

    async def _connect(srv: Any, role: str = "host") -> LiveRoom:
        client = PlatformClient(srv.url, srv.room, srv.tokens[role], role=role)
        room = LiveRoom(client)
        opened.append((room, client))
        room.start()
        await asyncio.wait_for(room.wait_loaded(), 20)
        await until(lambda: room.online, what="stream connected")
        return room

    yield _connect
    for room, client in opened:
        await room.stop()
        await client.close()


def _panel(
    qtbot: QtBot, room: LiveRoom, settings: Settings | None = None
) -> tuple[ProductQueuePanel, Console]:
    """The product queue as the console makes it, and its console (tests/support/console.py:
    the messages said, the stage showing the same hold)."""
    console = Console(qtbot, room, settings)
    return console.panel("products", ProductQueuePanel), console


async def test_click_explain_the_event_comes_back_and_the_stage_shows_it(
    qtbot: QtBot, sandbox_server: Any, connect: Connect, tmp_path: Path
) -> None:
    srv = sandbox_server(live=True)
    room = await connect(srv)
    w = main_window(qtbot, room, tmp_path, show=False)
    panel = w.panels["products"]
    assert isinstance(panel, ProductQueuePanel) and isinstance(w.stage, Stage)
    events: list[m.Event] = []
    room.subscribe_events(events.extend)
    await until(lambda: panel.model.rowCount() == len(room.product_ids) > 20)
    panel.select(CLEAN)
    assert w.stage.findChild(QWidget, "stageStatus").text() == "未在讲解"  # type: ignore[union-attr]
    qtbot.mouseClick(panel.buttons["explain"], Qt.MouseButton.LeftButton)
    await until(lambda: room.explaining is not None, what="product_explaining event")
    ev = next(e for e in events if e.type is m.EventType.PRODUCT_EXPLAINING)
    assert ev.data.product_id == CLEAN and ev.data.explaining
    assert ev.actor is not None and ev.actor.role == "host"
    title = room.products[CLEAN].title
    await until(lambda: title in w.stage.title.text())  # type: ignore[attr-defined]
    stage = w.stage
    assert stage.price.text() == "¥159.00"
    assert "高腰设计拉长腿部比例" in stage.points.text()
    assert stage.points.font().pointSize() >= 28  # readable from 2 m
    assert stage.hits == []
    assert stage.next_label.text().startswith("下一个：" + room.products["p03"].title)
    await until(lambda: panel.model.row(panel.model.row_of(CLEAN)).explaining)
    # Ctrl+Right (next) pushes the next product; the flagged one asks first — decline it here
    panel.confirm = lambda *a, **k: False
    w.shortcuts.actions["product.next"].trigger()
    await asyncio.sleep(0.3)
    assert room.explaining is not None and room.explaining.product_id == CLEAN


async def test_every_product_image_is_loaded_before_its_row_is_scrolled_to(
    qtbot: QtBot, sandbox_server: Any, connect: Connect
) -> None:
    """A streamer scrolling (or explaining) down the bag mid-broadcast sees each picture at once:
    the panel fetches the whole bag's images up front, through one HTTP client (a client per
    image cost ~20 ms of UI thread each, and made the first explain of a product lag)."""
    srv = sandbox_server()
    room = await connect(srv)
    panel, _ = _panel(qtbot, room)
    host = panel.parentWidget()
    assert host is not None
    host.resize(400, 300)  # a few rows on screen out of 26
    panel.resize(400, 300)
    host.show()
    urls = [p.image_url for p in room.bag]
    assert len(urls) > 20 and all(urls)
    await until(
        lambda: all(panel.images.cached(u) is not None for u in urls), what="every image fetched"
    )
    last = panel.view.visualRect(panel.model.index(len(urls) - 1))
    assert not panel.view.viewport().rect().intersects(last)  # the last row was never shown
    assert not panel.images.cached(urls[-1]).isNull()  # type: ignore[union-attr]
    assert len(panel.images._client) == 1  # one client served all of them


async def test_drag_reorder_on_one_console_shows_on_the_other_from_events(
    qtbot: QtBot, sandbox_server: Any, connect: Connect
) -> None:
    srv = sandbox_server()
    host = await connect(srv, "host")
    assistant = await connect(srv, "assistant")
    panel_a, msgs = _panel(qtbot, host)
    panel_b, _ = _panel(qtbot, assistant)
    before = panel_a.model.ids()
    model = panel_a.model
    # the view's drop: the 5th row dragged into the gap above the 2nd row
    data = model.mimeData([model.index(4)])
    assert model.dropMimeData(data, Qt.DropAction.MoveAction, 1, 0, QModelIndex())
    assert not model.removeRows(4, 1)  # the view cannot drop the source row itself
    assert model.ids() == before  # nothing moves until the platform says so
    expected = [before[0], before[4], *before[1:4], *before[5:]]
    await until(lambda: panel_b.model.ids() == expected, what="second console sees the move")
    await until(lambda: model.ids() == expected)
    assert assistant.product_ids == expected and assistant.bag_version == host.bag_version
    assert panel_b.model.row(1).position == 2
    assert msgs.has("info", "排品顺序已更新")


async def test_a_teammates_quick_edits_show_on_the_other_queue_at_once_not_coalesced(
    qtbot: QtBot, sandbox_server: Any, connect: Connect
) -> None:
    """Stock ticks are redrawn a few times a second, but an operator's change is something a
    person waits for: a price edit and then a reorder right after it (within the queue's redraw
    interval) each show on the teammate's queue in the same moment its room has them."""
    srv = sandbox_server()
    host = await connect(srv, "host")
    assistant = await connect(srv, "assistant")
    panel_b, _ = _panel(qtbot, assistant)
    before = panel_b.model.ids()
    expected = [before[1], before[0], *before[2:]]
    late: list[str] = []

    def seen(_changes: frozenset[str]) -> None:  # subscribed after the panel: called after it
        if assistant.products[CLEAN].price_cents == 12300:
            if panel_b.model.row(panel_b.model.row_of(CLEAN)).price != "¥123.00":
                late.append("price")
        if assistant.product_ids == expected and panel_b.model.ids() != expected:
            late.append("reorder")

    assistant.subscribe(seen)
    await host.update_product(CLEAN, price_cents=12300)
    await host.reorder(expected)
    await until(lambda: panel_b.model.ids() == expected, what="the reorder on the assistant")
    assert late == []


async def test_two_consoles_reordering_at_once_lose_neither_move(
    qtbot: QtBot, sandbox_server: Any, connect: Connect
) -> None:
    srv = sandbox_server()
    host = await connect(srv, "host")
    assistant = await connect(srv, "assistant")
    panel_a, msgs = _panel(qtbot, host)
    ids = list(host.product_ids)
    version = host.bag_version
    # The assistant's console saves "3rd product to the top" first. This call blocks the loop,
    # so the host console cannot hear about it before it sends its own move on the old version.
    theirs = [ids[2], *ids[:2], *ids[3:]]
    r = httpx.put(  # noqa: ASYNC210 -- blocking on purpose (see above)
        srv.api("/products/order"),
        json={"version": version, "product_ids": theirs},
        headers=srv.headers("assistant"),
        trust_env=False,
    )
    assert r.status_code == 200
    assert host.bag_version == version  # still stale here
    panel_a.request_move(ids[6], 1)  # host: 7th product right after the 1st
    await asyncio.gather(*panel_a.tasks)
    merged = [ids[2], ids[0], ids[6], ids[1], *ids[3:6], *ids[7:]]
    await until(lambda: host.product_ids == merged, what="merged order on the host")
    await until(lambda: assistant.product_ids == merged, what="merged order on the assistant")
    assert host.bag_version == version + 2
    assert msgs.has("warning", "另一台控制台刚刚也调整了排品")
    await until(lambda: panel_a.model.ids() == merged)


# the offscreen platform cannot size a dialog's window: a limitation of the test display
@pytest.mark.qt_log_ignore("propagateSizeHints")
async def test_price_and_stock_edits_are_checked_here_and_by_the_platform(
    qtbot: QtBot, sandbox_server: Any, connect: Connect
) -> None:
    srv = sandbox_server()
    room = await connect(srv)
    panel, msgs = _panel(qtbot, room)
    actions: list[str] = []
    room.subscribe_actions(lambda a: actions.append(a.name))
    panel.select(CLEAN)
    editor = panel.edit_selected()
    assert editor is not None and editor.price.text() == "159.00" and editor.stock.text() == "260"
    for price, stock, field, says in [
        ("0", "10", "price", "价格必须大于 0"),
        ("12.345", "10", "price", "最多两位小数"),
        ("十元", "10", "price", "价格格式不对"),
        ("", "10", "price", "请填写价格"),
        ("99", "-1", "stock", "库存不能为负数"),
        ("99", "1.5", "stock", "库存必须是整数"),
    ]:
        editor.price.setText(price)
        editor.stock.setText(stock)
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
        assert says in editor.errors().get(field, ""), (price, stock, editor.errors())
        assert editor.isVisible()
    assert actions == []  # nothing bad was sent
    # The local check refuses every value the sandbox refuses, so the platform's 422 is reached by
    # sending through the editor's send path directly: its message lands on the named field.
    editor.send(price_cents=0)
    await until(lambda: "price" in editor.errors(), what="server 422 shown")
    assert "平台拒绝" in editor.errors()["price"] and "price_cents" in editor.errors()["price"]
    assert editor.isVisible()
    editor.price.setText("¥129.9")  # a cut within 30 %: no question
    editor.stock.setText("50")
    closed: list[int] = []
    editor.finished.connect(closed.append)
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    await until(lambda: room.products[CLEAN].price_cents == 12990, what="product_updated back")
    assert room.products[CLEAN].stock == 50
    await until(lambda: closed == [QDialog.DialogCode.Accepted.value], what="editor closed")
    await until(lambda: panel.model.row(panel.model.row_of(CLEAN)).price == "¥129.90")
    assert msgs.has("info", "已保存")
    # list / delist
    panel.acts["listed"].trigger()
    await until(lambda: not room.products[CLEAN].listed, what="delisted")
    await until(lambda: not panel.model.row(panel.model.row_of(CLEAN)).product.listed)


async def test_hold_puts_the_card_back_after_another_console_stops_it(
    qtbot: QtBot, sandbox_server: Any, connect: Connect
) -> None:
    srv = sandbox_server(live=True)
    host = await connect(srv, "host")
    assistant = await connect(srv, "assistant")
    settings = Settings()
    settings.ui.explain_hold_seconds = 60.0
    panel, console = _panel(qtbot, host, settings)
    stage = console.stage
    panel.explain(CLEAN)
    await until(lambda: host.explaining is not None and assistant.explaining is not None)
    panel.acts["hold"].trigger()
    assert panel.hold.product_id == CLEAN and panel.acts["hold"].isChecked()
    assert stage.hold_badge.text() == "保持中"
    await assistant.stop_explain(CLEAN)  # the other console (or the platform's expiry) stops it
    await until(lambda: panel.hold.resends >= 1, what="hold re-sent the explain")
    await until(
        lambda: assistant.explaining is not None and assistant.explaining.product_id == CLEAN,
        what="card back up for everyone",
    )
    # another product explained elsewhere: the hold yields
    await assistant.explain("p04")
    await until(lambda: not panel.hold.active, what="hold released")
    await asyncio.sleep(0.5)
    assert host.explaining is not None and host.explaining.product_id == "p04"
    assert not stage.hold_badge.isVisible() and not panel.acts["hold"].isChecked()


async def test_pasted_run_order_rebuilds_the_queue_and_bad_input_is_explained(
    qtbot: QtBot, sandbox_server: Any, connect: Connect
) -> None:
    srv = sandbox_server()
    room = await connect(srv)
    panel, _ = _panel(qtbot, room)
    ids = list(room.product_ids)
    panel.paste.setText("1,99")
    panel.paste.returnPressed.emit()
    assert "序号 99 超出范围" in panel.paste_error.text() and not panel.paste_error.isHidden()
    panel.paste.setText("5，3、p01 7-8")
    qtbot.keyClick(panel.paste, Qt.Key.Key_Return)
    assert panel.paste_error.isHidden()
    expected = [ids[4], ids[2], ids[0], ids[6], ids[7]]
    expected += [i for i in ids if i not in expected]
    await until(lambda: room.product_ids == expected, what="run order applied")
    await until(lambda: panel.model.ids() == expected)


async def test_pushing_a_flagged_product_asks_first_and_the_stage_marks_the_hits(
    qtbot: QtBot, sandbox_server: Any, connect: Connect, monkeypatch: pytest.MonkeyPatch
) -> None:
    srv = sandbox_server(live=True)
    room = await connect(srv)
    panel, msgs = _panel(qtbot, room)
    stage = msgs.stage
    shown: list[ComplianceDialog] = []
    answer = [QDialog.DialogCode.Rejected]

    def fake_exec(self: ComplianceDialog) -> int:  # only the modal loop itself is replaced
        shown.append(self)
        return int(answer[0].value)

    monkeypatch.setattr(ComplianceDialog, "exec", fake_exec)
    actions: list[str] = []
    room.subscribe_actions(lambda a: actions.append(a.name))
    panel.select(FLAGGED)
    panel.acts["explain"].trigger()
    assert len(shown) == 1
    dialog = shown[0]
    assert dialog.terms() == ["全网最低", "最低价"]
    text = dialog.text_labels[0].text()
    assert (
        "全网最低价" in text.replace('<span style="', "").replace("</span>", "")
        or "全网最低" in text
    )
    assert "广告法" in dialog.findChildren(type(dialog.text_labels[0]))[2].text()
    assert dialog.cancel_button.isDefault()
    await asyncio.sleep(0.3)
    assert actions == [] and room.explaining is None  # declined: nothing pushed
    assert msgs.has("warning", "已取消讲解")
    answer[0] = QDialog.DialogCode.Accepted
    panel.acts["explain"].trigger()
    await until(lambda: room.explaining is not None, what="pushed after confirmation")
    await until(lambda: stage.hits != [])
    assert [h.term for h in stage.hits] == ["全网最低", "最低价"]
    assert "background-color:#fff176" in stage.points.text()
    assert "绝对化用语" in stage.warnings.text()
    panel.select(CLEAN)
    panel.acts["explain"].trigger()  # a clean product: no question asked
    await until(lambda: room.explaining is not None and room.explaining.product_id == CLEAN)
    assert len(shown) == 2


async def test_a_flagged_product_asks_once_per_session_then_the_stage_only_warns(
    qtbot: QtBot, sandbox_server: Any, connect: Connect, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 20: the operator confirms a flagged product once per live session; re-explains and
    下一个 onto it later do not block the broadcast; a new session asks again."""
    srv = sandbox_server(live=True)
    room = await connect(srv)
    panel, console = _panel(qtbot, room)
    stage = console.stage
    shown: list[ComplianceDialog] = []

    def fake_exec(self: ComplianceDialog) -> int:  # only the modal loop itself is replaced
        shown.append(self)
        return int(QDialog.DialogCode.Accepted.value)

    monkeypatch.setattr(ComplianceDialog, "exec", fake_exec)

    def explaining(pid: str) -> Callable[[], bool]:
        return lambda: room.explaining is not None and room.explaining.product_id == pid

    panel.select(FLAGGED)
    panel.acts["explain"].trigger()
    assert len(shown) == 1
    assert shown[0].push_button.text() == "仍要讲解" and shown[0].cancel_button.text() == "取消"
    assert shown[0].cancel_button.isDefault()
    await until(explaining(FLAGGED), what="pushed after confirmation")
    panel.acts["explain"].trigger()  # re-explain: no second question
    panel.select(CLEAN)
    panel.acts["explain"].trigger()
    await until(explaining(CLEAN))
    order = room.product_ids
    assert order.index(FLAGGED) == order.index(CLEAN) + 1
    panel.acts["next"].trigger()  # 下一个 onto the flagged product: no question either
    await until(explaining(FLAGGED), what="下一个 onto the confirmed product")
    assert len(shown) == 1
    await until(lambda: [h.term for h in stage.hits] == ["全网最低", "最低价"])
    assert "绝对化用语" in stage.warnings.text()  # the warning stays on the stage
    first = room.session.id if room.session else ""
    await room.end_session()
    await room.start_session()
    await until(lambda: room.session is not None and room.session.id != first, what="new session")
    panel.select(FLAGGED)
    panel.acts["explain"].trigger()
    assert len(shown) == 2  # a new session asks again


async def test_reviewer_sees_the_queue_but_cannot_act(
    qtbot: QtBot, sandbox_server: Any, connect: Connect
) -> None:
    srv = sandbox_server()
    room = await connect(srv, "reviewer")
    panel, _ = _panel(qtbot, room)
    assert panel.model.rowCount() == len(room.product_ids) > 0
    assert not any(a.isEnabled() for a in panel.acts.values())
    assert not panel.paste.isEnabled() and not panel.view.dragEnabled()
