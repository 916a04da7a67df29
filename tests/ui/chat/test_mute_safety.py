"""禁言 with a safety net (issue 20), driving the real comments panel against the real sandbox:
the menu's durations, the key's short default, the undo toast, the 禁言列表 and its 解除禁言,
buyers named as such, a 本场 mute ending with its session, an expired mute letting the viewer
speak again, and a reviewer who sees the list but no mute action."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QMenu
from pytestqt.qtbot import QtBot

from tests.support.polling import until
from tests.ui.chat.test_chat_panel import WITHIN, ChatConsole, Connect, viewer_says
from ui.chat.mute_list import MuteListDialog


def operator_posts(srv: Any, path: str, body: dict[str, Any], role: str = "host") -> None:
    """An operator's request straight to the platform (another console, say)."""
    httpx.post(srv.api(path), json=body, headers=srv.headers(role)).raise_for_status()


def mute_menu(console: ChatConsole) -> QMenu:
    """The 禁言 submenu of the selected line's context menu."""
    menu = console.chat.context_menu()
    assert menu is not None
    act = next(a for a in menu.actions() if a.objectName() == "comment.mute")
    sub = act.menu()
    assert isinstance(sub, QMenu)
    return sub


def entry(menu: QMenu, name: str) -> QAction:
    return next(a for a in menu.actions() if a.objectName() == name)


def open_list(qtbot: QtBot, console: ChatConsole) -> MuteListDialog:
    qtbot.mouseClick(console.chat.mute_list_button, Qt.MouseButton.LeftButton)
    dialog = console.chat.findChild(MuteListDialog)
    assert dialog is not None and dialog.isVisible()
    return dialog


def row_texts(dialog: MuteListDialog, user_id: str) -> list[str]:
    row = dialog.user_ids().index(user_id)
    return [dialog.table.item(row, c).text() for c in range(3)]


def can_speak(srv: Any, user_id: str) -> bool:
    r = viewer_says(srv, user_id, user_id, "我能说话了吗")
    assert r.status_code in (200, 409), r.text
    if r.status_code == 409:
        assert r.json()["error"]["code"] == "muted"
    return r.status_code == 200


async def test_a_timed_mute_from_the_menu_is_listed_and_unmute_from_the_list_lifts_it(
    qtbot: QtBot, sandbox_server: Any, live_room: Connect
) -> None:
    srv = sandbox_server(debug_routes=True, live=True)
    host = ChatConsole(qtbot, await live_room(srv, "host"))
    assistant = ChatConsole(qtbot, await live_room(srv, "assistant"))
    li = viewer_says(srv, "u2", "小李", "好看").json()["comment"]["id"]
    wang = viewer_says(srv, "u1", "小王", "有M码吗").json()["comment"]["id"]
    await host.shown(wang)
    host.select(li)
    menu = mute_menu(host)
    assert [a.text() for a in menu.actions()] == ["5 分钟", "1 小时", "本场", "永久"]
    assert entry(menu, "comment.mute.5m").shortcut().toString() == "Ctrl+Shift+M"
    entry(menu, "comment.mute.1h").trigger()
    await until(lambda: "u2" in host.room.muted_user_ids, WITHIN, "user_muted")
    assert (host.room.muted_until["u2"] or 0) > time.time() + 3500  # an hour, not for good
    assert not can_speak(srv, "u2")
    await until(lambda: host.chat.toast.isVisible(), WITHIN, "the undo toast")
    assert host.chat.toast.label.text() == "已禁言 小李 1 小时"
    assert not host.chat.toast.note.isVisible()  # no order: nothing said about buying
    await until(lambda: host.room.moderation(host.line(li)) == "muted", WITHIN, "the mark")

    # the 禁言列表, from the panel's button: who, until when, who did it
    dialog = open_list(qtbot, host)
    assert dialog.user_ids() == ["u2"]
    name, until_text, who = row_texts(dialog, "u2")
    assert name == "小李" and who == "主播"
    assert re.fullmatch(r"至 \d\d:\d\d:\d\d（还剩 (59:\d\d|1:00:00)）", until_text), until_text
    # the teammate's console lists it too (from the menu this time); its feed may run behind
    await assistant.shown(wang)
    assistant.select(wang)
    next(
        a for a in assistant.chat.context_menu().actions() if a.objectName() == "comment.mutes"
    ).trigger()  # type: ignore[union-attr]
    other = assistant.chat.findChild(MuteListDialog)
    assert other is not None
    await until(lambda: other.user_ids() == ["u2"], WITHIN, "the teammate's list")

    # 解除禁言 on the row: the platform lifts it, both lists empty, the mark goes, u2 speaks
    button = dialog.unmute_button("u2")
    assert button is not None and button.isVisible()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    await until(lambda: "u2" not in host.room.muted_user_ids, WITHIN, "user_unmuted")
    await until(lambda: dialog.user_ids() == [] and other.user_ids() == [], WITHIN, "lists")
    assert dialog.empty.isVisible()
    assert host.room.moderation(host.line(li)) is None
    assert can_speak(srv, "u2")
    assert not any(level == "error" for level, _ in host.messages + assistant.messages)


async def test_the_mute_key_mutes_a_buyer_for_five_minutes_and_undo_lifts_it(
    qtbot: QtBot, sandbox_server: Any, live_room: Connect
) -> None:
    srv = sandbox_server(debug_routes=True, live=True)
    host = ChatConsole(qtbot, await live_room(srv, "host"))
    order = {"user_id": "u3", "nickname": "张三", "product_id": "p01", "pay": True}
    operator_posts(srv, "/orders", order)
    zhang = viewer_says(srv, "u3", "张三", "已拍，什么时候发货").json()["comment"]["id"]
    await host.shown(zhang)
    await until(lambda: host.room.has_ordered("u3"), WITHIN, "the order")
    host.select(zhang)
    menu = mute_menu(host)  # the menu says it before anyone clicks
    assert entry(menu, "comment.mute.buyer").text() == "⚠ 该用户本场已下单"

    t0 = time.time()
    host.shortcuts.actions["comment.mute"].trigger()
    await until(lambda: "u3" in host.room.muted_user_ids, WITHIN, "user_muted")
    until_ts = host.room.muted_until["u3"]
    assert until_ts is not None, "the key muted for good"
    assert t0 + 250 < until_ts < time.time() + 310  # five minutes
    assert not can_speak(srv, "u3")
    await until(lambda: host.chat.toast.isVisible(), WITHIN, "the undo toast")
    assert host.chat.toast.label.text() == "已禁言 张三 5 分钟"
    assert host.chat.toast.note.isVisible()
    assert host.chat.toast.note.text() == "该用户本场已下单"

    qtbot.mouseClick(host.chat.toast.button, Qt.MouseButton.LeftButton)
    assert not host.chat.toast.isVisible()
    await until(lambda: "u3" not in host.room.muted_user_ids, WITHIN, "user_unmuted")
    assert can_speak(srv, "u3")
    assert ("info", "已解除禁言 张三") in host.messages


async def test_the_undo_toast_goes_by_itself(
    qtbot: QtBot, sandbox_server: Any, live_room: Connect
) -> None:
    srv = sandbox_server(debug_routes=True, live=True)
    host = ChatConsole(qtbot, await live_room(srv, "host"))
    cid = viewer_says(srv, "u4", "阿四", "hi").json()["comment"]["id"]
    await host.shown(cid)
    host.select(cid)
    entry(mute_menu(host), "comment.mute.forever").trigger()
    await until(lambda: host.chat.toast.isVisible(), WITHIN, "the undo toast")
    assert host.chat.toast.label.text() == "已永久禁言 阿四"
    shown = time.monotonic()
    await until(lambda: not host.chat.toast.isVisible(), WITHIN, "the toast to go")
    assert time.monotonic() - shown > 7  # ~8 s to change one's mind
    assert host.room.muted_until["u4"] is None  # still muted: only 撤销 lifts it


async def test_a_session_mute_ends_with_the_session_and_a_permanent_one_stays(
    qtbot: QtBot, sandbox_server: Any, live_room: Connect
) -> None:
    srv = sandbox_server(debug_routes=True, live=True)
    host = ChatConsole(qtbot, await live_room(srv, "host"))
    a = viewer_says(srv, "u5", "五号", "a").json()["comment"]["id"]
    b = viewer_says(srv, "u6", "六号", "b").json()["comment"]["id"]
    await host.shown(b)
    host.select(a)
    entry(mute_menu(host), "comment.mute.session").trigger()
    host.select(b)
    entry(mute_menu(host), "comment.mute.forever").trigger()
    await until(lambda: {"u5", "u6"} <= host.room.muted_user_ids, WITHIN, "both mutes")
    dialog = open_list(qtbot, host)
    await until(lambda: sorted(dialog.user_ids()) == ["u5", "u6"], WITHIN, "both listed")
    assert row_texts(dialog, "u5")[1] == "本场结束"
    assert row_texts(dialog, "u6")[1] == "永久"
    assert host.room.session is not None
    await host.room.end_session()
    await until(lambda: dialog.user_ids() == ["u6"], WITHIN, "the 本场 mute to end")
    assert "u5" not in host.room.muted_user_ids and "u6" in host.room.muted_user_ids


async def test_an_expired_mute_lets_the_viewer_speak_and_the_marks_follow(
    qtbot: QtBot, sandbox_server: Any, live_room: Connect
) -> None:
    srv = sandbox_server(debug_routes=True, live=True)
    host = ChatConsole(qtbot, await live_room(srv, "host"))
    cid = viewer_says(srv, "u7", "七七", "hi").json()["comment"]["id"]
    await host.shown(cid)
    await host.room.mute_user("u7", 2, nickname="七七")
    await until(lambda: host.room.moderation(host.line(cid)) == "muted", WITHIN, "the mark")
    dialog = open_list(qtbot, host)
    assert dialog.user_ids() == ["u7"]
    await until(lambda: host.room.moderation(host.line(cid)) is None, WITHIN, "the mark to go")
    assert dialog.user_ids() == [] and "u7" not in host.room.muted_user_ids
    assert can_speak(srv, "u7")


async def test_a_reviewer_sees_the_mute_list_but_no_mute_action(
    qtbot: QtBot, sandbox_server: Any, live_room: Connect
) -> None:
    srv = sandbox_server(debug_routes=True, live=True)
    reviewer = ChatConsole(qtbot, await live_room(srv, "reviewer"))
    cid = viewer_says(srv, "u8", "八八", "hi").json()["comment"]["id"]
    operator_posts(srv, "/users/u9/mute", {"nickname": "九九"}, role="assistant")
    await reviewer.shown(cid)
    await until(lambda: "u9" in reviewer.room.muted_user_ids, WITHIN, "the mute")
    reviewer.select(cid)
    menu = mute_menu(reviewer)
    assert not menu.isEnabled() and not any(a.isEnabled() for a in menu.actions())
    assert not reviewer.shortcuts.actions["comment.mute"].isEnabled()
    reviewer.shortcuts.actions["comment.mute"].trigger()
    dialog = open_list(qtbot, reviewer)
    assert dialog.user_ids() == ["u9"]
    assert row_texts(dialog, "u9") == ["九九", "永久", "场控"]
    button = dialog.unmute_button("u9")
    assert dialog.table.isColumnHidden(3) and (button is None or not button.isVisible())
    QApplication.processEvents()
    assert "u8" not in reviewer.room.muted_user_ids and "u9" in reviewer.room.muted_user_ids
