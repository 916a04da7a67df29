"""The reviewer (复盘员) sees the room but cannot act, proven on the real main window over a real
sandbox server: the same widgets that a host's window offers enabled — coupons, flash sale and
lottery actions, the chat's reply box and context-menu actions, the product queue's buttons and the
session buttons — are disabled in the reviewer's window; pressing their shortcuts sends nothing;
an action forced past the disabled UI is refused with a message in the window, and the platform
itself answers 403 to every action the reviewer's token sends directly."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QMenu, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from app.live.room import ActionRecord, LiveRoom
from app.platform import models as m
from app.platform.errors import PlatformError
from tests.support.console import main_window
from ui.chat import panel as chat_panel
from ui.chat.panel import ChatPanel
from ui.main_window import MainWindow
from ui.marketing.coupons import CouponsPanel
from ui.marketing.flash_sale import FlashSalePanel
from ui.marketing.lottery import LotteryPanel
from ui.products.editor import ProductEditor
from ui.products.panel import ProductQueuePanel

Until = Callable[..., Awaitable[None]]
MakeRoom = Callable[..., Awaitable[LiveRoom]]
CLEAN = "p02"
#: shortcuts that only read or copy: a reviewer keeps them
READ_ONLY = {"help.shortcuts", "comment.copy"}
#: the menu entries of a comment that act on the room
COMMENT_ACTIONS = ["置顶", "隐藏", "禁言", "回复"]  # 禁言: a submenu of durations
#: the menu entries of a comment that only read (a reviewer keeps them)
COMMENT_READING = {"复制": True, "禁言列表…": True}


@pytest.fixture
def menus(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[list[tuple[str, bool]]]]:
    """The chat's context menus are recorded (entry text, enabled) instead of blocking in exec."""
    shown: list[list[tuple[str, bool]]] = []

    class RecordingMenu(QMenu):
        def exec(self, *_args: object) -> None:  # type: ignore[override]
            shown.append([(a.text(), a.isEnabled()) for a in self.actions() if not a.isSeparator()])

    monkeypatch.setattr(chat_panel, "QMenu", RecordingMenu)
    yield shown


def _send_button(chat: ChatPanel) -> QPushButton:
    found = [b for b in chat.findChildren(QPushButton) if b.text() == "发送"]
    assert len(found) == 1, [b.text() for b in chat.findChildren(QPushButton)]
    return found[0]


def _panels(
    w: MainWindow,
) -> tuple[CouponsPanel, FlashSalePanel, LotteryPanel, ChatPanel, ProductQueuePanel]:
    p = w.panels
    coupons, flash, lottery = p["coupons"], p["flash_sale"], p["lottery"]
    chat, queue = p["comments"], p["products"]
    assert isinstance(coupons, CouponsPanel) and isinstance(flash, FlashSalePanel)
    assert isinstance(lottery, LotteryPanel) and isinstance(chat, ChatPanel)
    assert isinstance(queue, ProductQueuePanel)
    return coupons, flash, lottery, chat, queue


def _fill_forms(w: MainWindow) -> None:
    """Valid input everywhere, so only the role can keep an action disabled."""
    coupons, flash, lottery, chat, queue = _panels(w)
    coupons.name.setText("复盘测试券")
    flash.select_product(CLEAN)
    lottery.prize.setText("口红一支")
    lottery.keyword.setText("我要福袋")
    queue.select(CLEAN)
    model = chat.models["all"]
    chat.view.setCurrentIndex(model.index(model.rowCount() - 1, 0))


def action_widgets(w: MainWindow) -> dict[str, QWidget | QAction]:
    """Every control in the window that makes the platform do something."""
    coupons, flash, lottery, chat, queue = _panels(w)
    out: dict[str, QWidget | QAction] = {
        "coupons.issue": coupons.issue_button,
        "flash.start": flash.start_button,
        "lottery.start": lottery.start_button,
        "lottery.draw": lottery.draw_button,
        "chat.reply": chat.reply,
        "chat.send": _send_button(chat),
        "queue.paste": queue.paste,
        "session.end": w.end_action,
    }
    apply = queue.findChild(QPushButton, "runOrderApply")
    assert apply is not None
    out["queue.apply"] = apply
    for cid, row in coupons.rows.items():
        out[f"coupons.end:{cid}"] = row.end_button
    for key, button in queue.buttons.items():
        out[f"queue.button:{key}"] = button
    for aid, action in w.shortcuts.actions.items():
        if aid not in READ_ONLY and aid != "session.start":  # start: already live, for both
            out[f"shortcut:{aid}"] = action
    return out


def comment_menu(chat: ChatPanel, menus: list[list[tuple[str, bool]]]) -> dict[str, bool]:
    """Right-click on the current comment; the menu's entries and whether each is enabled."""
    before = len(menus)
    chat.view.customContextMenuRequested.emit(QPoint(5, 5))
    assert len(menus) == before + 1, "no context menu"
    return dict(menus[-1])


def _post(srv: Any, path: str, body: dict[str, Any]) -> dict[str, Any]:
    with srv.client("host") as http:
        r = http.post(path, json=body)
    r.raise_for_status()
    return dict(r.json())


async def _viewer_comment(srv: Any, user: str, text: str) -> dict[str, Any]:
    body = {"user_id": user, "nickname": f"观众{user}", "text": text}
    return dict((await asyncio.to_thread(_post, srv, "/_debug/viewer-comment", body))["comment"])


async def test_reviewer_window_disables_every_action_the_host_window_offers_and_the_platform_refuses(
    qtbot: QtBot,
    sandbox_server: Any,
    live_room: MakeRoom,
    tmp_path: Path,
    until: Until,
    menus: list[list[tuple[str, bool]]],
) -> None:
    srv = sandbox_server(live=True, debug_routes=True)  # a quiet room: nothing moves by itself
    coupon = _post(srv, "/coupons", {"kind": "no_threshold", "amount_cents": 300, "quantity": 10,
                                     "valid_seconds": 600})  # fmt: skip
    _post(srv, f"/products/{CLEAN}/explain", {})

    # --- the host's window: the controls are there and enabled --------------------------------
    host_room = await live_room(srv, "host")
    host = main_window(qtbot, host_room, tmp_path, layout="layout-host.ini")
    _, _, host_lottery, host_chat, _ = _panels(host)
    host_lottery.auto_draw.setChecked(False)  # the lottery stays drawable for the reviewer
    # opened only now: one that ended while the window was being made (a busy machine) was drawn
    # by 到点自动开奖 before it could be turned off
    _post(srv, "/lotteries", {"prize": "围巾", "keyword": "围巾", "winners": 1,
                              "duration_seconds": 1})  # fmt: skip
    await _viewer_comment(srv, "u7", "好看")
    await until(lambda: host_chat.models["all"].rowCount() == 1, 10, "the comment in the chat")
    _fill_forms(host)
    await until(lambda: host_lottery.draw_button.isEnabled(), 10, "the lottery to be drawable")
    host_controls = action_widgets(host)
    assert f"coupons.end:{coupon['id']}" in host_controls
    assert {k for k, c in host_controls.items() if not c.isEnabled()} == set()
    assert comment_menu(host_chat, menus) == {
        **COMMENT_READING,
        **dict.fromkeys(COMMENT_ACTIONS, True),
    }
    # the harness delivers shortcuts: the host's Ctrl+Alt+C issues the configured coupon
    host.activateWindow()
    await until(lambda: QApplication.activeWindow() is host, 5, "the host window active")
    QTest.keySequence(host, host.shortcuts.actions["coupon.issue"].shortcut())
    await until(lambda: len(host_room.coupons) == 2, 10, "the coupon issued by the shortcut")
    host.close()

    # --- the reviewer's window: the same controls, all disabled --------------------------------
    room = await live_room(srv, "reviewer")
    assert room.role == "reviewer" and not room.can_act and len(room.coupons) == 2
    window = main_window(qtbot, room, tmp_path, layout="layout-reviewer.ini")
    coupons, _flash, lottery, chat, queue = _panels(window)
    comment = await _viewer_comment(srv, "u9", "能试穿吗")
    await until(lambda: chat.models["all"].rowCount() == 1, 10, "the comment in the chat")
    _fill_forms(window)
    await until(lambda: lottery.status.text().endswith("可以开奖"), 10, "the lottery shown ended")
    controls = action_widgets(window)
    assert controls.keys() == host_controls.keys() | {f"coupons.end:{c}" for c in room.coupons}
    assert {k for k, c in controls.items() if c.isEnabled()} == set()
    assert not queue.view.dragEnabled() and not window.start_action.isEnabled()
    role = window.findChild(QLabel, "roleLabel")
    assert role is not None and "复盘员" in role.text()
    # it sees everything the host sees: the queue, the coupons, the lottery, the comment
    assert queue.model.rowCount() == len(room.product_ids) > 0
    assert queue.model.row(queue.model.row_of(CLEAN)).explaining
    assert set(coupons.rows) == set(room.coupons) and lottery.choice.count() == 1
    # a double click on a product does not open the price editor
    queue.view.doubleClicked.emit(queue.model.index(queue.model.row_of(CLEAN)))
    assert queue.findChild(ProductEditor) is None
    # the chat: seen, but its actions are greyed out (copying stays)
    chat.reply.setText("试试")  # even with text in it, the box and its button stay disabled
    assert not chat.reply.isEnabled() and not _send_button(chat).isEnabled()
    assert comment_menu(chat, menus) == {**COMMENT_READING, **dict.fromkeys(COMMENT_ACTIONS, False)}

    # --- their shortcuts do nothing: nothing attempted, nothing sent ----------------------------
    attempts: list[ActionRecord] = []
    room.subscribe_actions(attempts.append)
    messages: list[tuple[str, str]] = []
    window.notifier.message.connect(lambda level, text: messages.append((level, text)))
    window.activateWindow()
    await until(lambda: QApplication.activeWindow() is window, 5, "the reviewer window active")
    queue.view.setFocus()
    seq_before = room.seq
    pressed = []
    for aid, action in window.shortcuts.actions.items():
        if aid in READ_ONLY or action.shortcut().isEmpty():
            continue
        QTest.keySequence(window, action.shortcut())
        pressed.append(aid)
    assert {"coupon.issue", "lottery.draw", "product.explain_selected", "session.end"} <= set(
        pressed
    ), pressed
    # a marker through the platform: once it is in, anything the keys had sent would be too
    await _viewer_comment(srv, "u8", "标记")
    marker_seq = await asyncio.to_thread(srv.last_seq)
    await until(lambda: room.seq >= marker_seq, 10, "the marker comment")
    assert marker_seq == seq_before + 1, "the platform logged something besides the marker"
    assert attempts == [] and messages == []
    assert len(room.coupons) == 2 and room.pinned is None

    # --- forced past the disabled button: refused, and the window says so -----------------------
    status = window.findChild(QLabel, "statusMessage")
    assert status is not None
    coupons.end(coupon["id"])
    await until(lambda: "结束优惠券失败" in status.text(), 5, "the refusal in the status bar")
    assert "只读角色不能操作" in status.text(), status.text()
    assert [(a.name, a.ok) for a in attempts] == [("end_coupon", False)]

    # --- and the platform refuses the reviewer's token itself (403), for every action ----------
    adapter = room.adapter
    assert room.session is not None
    session_id = room.session.id
    lottery_id = next(iter(room.lotteries))
    free = m.CouponSpec(kind=m.CouponKind.NO_THRESHOLD, amount_cents=100, quantity=1,
                        valid_seconds=60)  # fmt: skip
    calls: dict[str, Callable[[], Awaitable[Any]]] = {
        "explain": lambda: adapter.explain(CLEAN),
        "stop_explain": lambda: adapter.stop_explain(CLEAN),
        "reorder": lambda: adapter.reorder(room.bag_version, room.product_ids[::-1]),
        "update_product": lambda: adapter.update_product(CLEAN, price_cents=100),
        "issue_coupon": lambda: adapter.issue_coupon(free),
        "end_coupon": lambda: adapter.end_coupon(coupon["id"]),
        "start_flash_sale": lambda: adapter.start_flash_sale(
            m.FlashSaleSpec(product_id=CLEAN, price_cents=100, quantity=1, duration_seconds=60)
        ),
        "start_lottery": lambda: adapter.start_lottery(
            m.LotterySpec(prize="x", keyword="x", winners=1, duration_seconds=60)
        ),
        "draw_lottery": lambda: adapter.draw_lottery(lottery_id),
        "send_comment": lambda: adapter.send_comment("复盘员说话"),
        "pin_comment": lambda: adapter.pin_comment(comment["id"]),
        "hide_comment": lambda: adapter.hide_comment(comment["id"]),
        "mute_user": lambda: adapter.mute_user("u9"),
        "unmute_user": lambda: adapter.unmute_user("u9"),
        "start_session": lambda: adapter.start_session(),
        "end_session": lambda: adapter.end_session(session_id),
    }
    refused: dict[str, tuple[int, str]] = {}
    for name, call in calls.items():
        with pytest.raises(PlatformError) as info:
            await call()
        refused[name] = (info.value.status, info.value.message)
    assert {n: s for n, (s, _) in refused.items()} == dict.fromkeys(calls, 403), refused
    assert all("无权" in text for _, text in refused.values()), refused
    # shown to the operator as the platform words it
    window.notifier.run("发券", adapter.issue_coupon(free))
    await until(lambda: status.text().startswith("发券失败："), 5, "the 403 in the status bar")
    assert "reviewer" in status.text() and "无权" in status.text(), status.text()

    # nothing changed on the platform: the marker is still the last thing it logged
    assert await asyncio.to_thread(srv.last_seq) == marker_seq
    assert len(room.coupons) == 2 and room.pinned is None and room.explaining is not None
