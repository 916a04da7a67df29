"""The comments panel against the real sandbox server: viewers' comments come in through the
platform, the operator acts from the panel (menu actions and shortcuts), the events come back and
change what the panel shows — in a calm room too, and on a console that joins later."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QObject, QRect, Qt
from PySide6.QtGui import QAction, QColor, QFontMetrics, QGuiApplication, QImage
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from app.live.comment_kinds import Kind
from app.live.room import ChatLine, LiveRoom
from tests.support.console import Console
from tests.support.polling import until
from ui.chat.model import LineRole
from ui.chat.panel import ChatPanel

Connect = Callable[..., Awaitable[LiveRoom]]
WITHIN = 30.0  # generous for a loaded machine; each step is a few ms on a quiet one


def viewer_says(srv: Any, user_id: str, nickname: str, text: str, **kw: Any) -> httpx.Response:
    """A viewer's comment through the platform (the sandbox's debug route, host token)."""
    body = {"user_id": user_id, "nickname": nickname, "text": text, **kw}
    return httpx.post(srv.api("/_debug/viewer-comment"), json=body, headers=srv.headers("host"))


class PaintCounter(QObject):
    """Counts paint events of a widget (did the panel repaint after an event?)."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self.count = 0
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


class ChatConsole(Console):
    """One operator's console (tests/support/console.py) showing its comments panel, as the
    console makes it, in a window of its own."""

    def __init__(self, qtbot: QtBot, room: LiveRoom) -> None:
        super().__init__(qtbot, room)
        self.chat = self.panel("comments", ChatPanel)
        self.window.resize(900, 640)
        self.chat.resize(900, 640)
        self.chat.raise_()  # over the stage, which shares the console's window here
        self.window.show()
        qtbot.waitExposed(self.window)
        self.painted = PaintCounter(self.chat.view.viewport())

    def texts(self, key: str = "all") -> list[str]:
        model = self.chat.models[key]
        return [model.line(r).text for r in range(model.rowCount())]

    def row_of(self, comment_id: str) -> int:
        model = self.chat.view.model()
        for r in range(model.rowCount()):
            if model.index(r, 0).data(LineRole).id == comment_id:
                return r
        raise AssertionError(f"{comment_id} is not in the panel")

    def line(self, comment_id: str) -> ChatLine:
        line = self.chat.view.model().index(self.row_of(comment_id), 0).data(LineRole)
        assert isinstance(line, ChatLine)
        return line

    def select(self, *comment_ids: str) -> None:
        view = self.chat.view
        view.clearSelection()
        for n, cid in enumerate(comment_ids):
            index = view.model().index(self.row_of(cid), 0)
            if n == 0:
                view.setCurrentIndex(index)
            flags = QItemSelectionModel.SelectionFlag
            view.selectionModel().select(index, flags.Select | flags.Rows)

    def unselect(self) -> None:
        self.chat.view.clearSelection()
        self.chat.view.setCurrentIndex(QModelIndex())

    def menu_action(self, action_id: str) -> QAction:
        menu = self.chat.context_menu()
        assert menu is not None
        return next(a for a in menu.actions() if a.objectName() == action_id)

    def row_image(self, comment_id: str) -> QImage:
        view = self.chat.view
        rect: QRect = view.visualRect(view.model().index(self.row_of(comment_id), 0))
        return view.viewport().grab(rect).toImage()

    async def shown(self, comment_id: str) -> None:
        await until(
            lambda: any(
                self.chat.models["all"].line(r).id == comment_id
                for r in range(self.chat.models["all"].rowCount())
            ),
            WITHIN,
            f"{comment_id} in the panel",
        )
        QApplication.processEvents()


def darkest(img: QImage) -> int:
    """The lowest lightness of any pixel: black text ≈ 0, the dimmed grey of a hidden line ≈ 158."""
    return min(
        QColor(img.pixel(x, y)).lightness() for x in range(img.width()) for y in range(img.height())
    )


def ink_right(img: QImage) -> int:
    right = 0
    for x in range(img.width()):
        if any(QColor(img.pixel(x, y)).lightness() < 160 for y in range(img.height())):
            right = x
    return right


async def test_html_in_a_viewers_comment_is_shown_literally_in_the_feed_and_the_pinned_bar(
    qtbot: QtBot, sandbox_server: Any, live_room: Connect
) -> None:
    srv = sandbox_server(debug_routes=True, live=True)
    host = ChatConsole(qtbot, await live_room(srv, "host"))
    evil = "<b>x</b><img src=x>"
    cid = viewer_says(srv, "u1", "n", evil).raise_for_status().json()["comment"]["id"]
    await host.shown(cid)
    assert host.line(cid).text == evil
    fm = QFontMetrics(host.chat.view.font())
    literal = fm.horizontalAdvance("n：" + evil)
    # as HTML it would be a bold "x" and a broken image: a few pixels of ink, not the tags
    assert ink_right(host.row_image(cid)) >= 0.8 * literal
    host.select(cid)
    host.shortcuts.actions["comment.pin"].trigger()
    await until(lambda: host.chat.pinned_bar.isVisible(), WITHIN, "the pinned bar")
    assert host.chat.pinned_text.text() == "n：" + evil
    pinned = host.chat.pinned_text.grab().toImage()
    assert ink_right(pinned) >= 0.8 * QFontMetrics(host.chat.pinned_text.font()).horizontalAdvance(
        "n：" + evil
    )


async def test_pin_hide_mute_reply_copy_from_the_panel_come_back_and_change_what_it_shows(
    qtbot: QtBot, sandbox_server: Any, live_room: Connect
) -> None:
    srv = sandbox_server(debug_routes=True, live=True)
    host = ChatConsole(qtbot, await live_room(srv, "host"))
    assistant = ChatConsole(qtbot, await live_room(srv, "assistant"))
    wang = viewer_says(srv, "u1", "小王", "这件有M码吗").json()["comment"]["id"]
    li_buy = viewer_says(srv, "u2", "小李", "已拍").json()["comment"]["id"]
    li_plain = viewer_says(srv, "u2", "小李", "好看").json()["comment"]["id"]
    zhang = viewer_says(srv, "u3", "小张", "好看呀").json()["comment"]["id"]
    for console in (host, assistant):
        await console.shown(zhang)

    # pin (shortcut) → comment_pinned → the bar on both consoles
    host.select(wang)
    host.shortcuts.actions["comment.pin"].trigger()
    for console in (host, assistant):
        await until(
            lambda c=console: c.chat.pinned_text.text() == "小王：这件有M码吗",  # type: ignore[misc]
            WITHIN,
            "the pinned bar",
        )
        assert console.chat.pinned_bar.isVisible()
    # the other console pins another comment from its menu: this bar follows
    assistant.select(li_buy)
    assistant.menu_action("comment.pin").trigger()
    await until(lambda: host.chat.pinned_text.text() == "小李：已拍", WITHIN, "re-pinned")

    # hide (menu) → comment_hidden → the line is dimmed and labelled, though nothing else arrives
    host.unselect()
    assistant.unselect()
    QApplication.processEvents()
    before = host.row_image(zhang)
    assert darkest(before) < 80  # black text
    host.select(zhang)
    action = host.menu_action("comment.hide")
    host.unselect()
    QApplication.processEvents()
    paints = host.painted.count  # nothing else arrives: only the panel itself can repaint
    action.trigger()
    await until(lambda: zhang in host.room.hidden_comment_ids, WITHIN, "comment_hidden")
    await until(lambda: host.painted.count > paints, WITHIN, "a repaint after the hide")
    after = host.row_image(zhang)
    assert after != before and darkest(after) >= 120  # all grey now: dimmed, struck, labelled
    assert host.room.moderation(host.line(zhang)) == "hidden"
    await until(lambda: zhang in assistant.room.hidden_comment_ids, WITHIN, "other console")
    QApplication.processEvents()
    assert darkest(assistant.row_image(zhang)) >= 120

    # mute (shortcut) → user_muted → every line of that user dimmed; the platform drops new ones
    plain_before = host.row_image(li_plain)
    assert darkest(plain_before) < 80
    host.select(li_plain)
    host.shortcuts.actions["comment.mute"].trigger()
    host.unselect()
    await until(lambda: "u2" in host.room.muted_user_ids, WITHIN, "user_muted")
    await until(lambda: darkest(host.row_image(li_plain)) >= 120, WITHIN, "muted line dimmed")
    assert host.row_image(li_plain) != plain_before
    assert host.room.moderation(host.line(li_buy)) == "muted"
    assert host.room.moderation(host.line(wang)) is None
    assert viewer_says(srv, "u2", "小李", "我还能说话吗").status_code == 409
    assert darkest(host.row_image(wang)) < 80  # someone else's line is untouched

    # reply (shortcut) → the reply box addresses the viewer; Enter sends as the host
    host.select(wang)
    host.shortcuts.actions["comment.reply"].trigger()
    assert host.chat.reply.text() == "@小王 "
    host.chat.reply.setText(host.chat.reply.text() + "有的，M码有货")
    host.chat.reply.returnPressed.emit()
    await until(lambda: "@小王 有的，M码有货" in host.texts(), WITHIN, "the host's reply")
    reply = next(
        host.chat.models["all"].line(r)
        for r in range(host.chat.models["all"].rowCount())
        if host.chat.models["all"].line(r).text == "@小王 有的，M码有货"
    )
    assert reply.nickname == "主播" and Kind.STAFF in reply.kind
    await until(lambda: "@小王 有的，M码有货" in assistant.texts(), WITHIN, "reply elsewhere")

    # copy (shortcut): the selected lines as "nickname：text", one a line
    host.select(wang, li_buy)
    host.shortcuts.actions["comment.copy"].trigger()
    assert QGuiApplication.clipboard().text() == "小王：这件有M码吗\n小李：已拍"
    assert not any(level == "error" for level, _ in host.messages + assistant.messages)


async def test_question_intent_and_keyword_tabs_show_the_right_lines_from_the_live_room(
    qtbot: QtBot, sandbox_server: Any, live_room: Connect
) -> None:
    srv = sandbox_server(debug_routes=True, live=True)
    host = ChatConsole(qtbot, await live_room(srv, "host"))
    said = [
        ("这件有M码吗", "u1"),
        ("已拍", "u2"),
        ("好看", "u3"),
        ("扣1", "u4"),
        ("尺码偏大还是偏小？", "u5"),
        ("想要蓝色的", "u6"),
        ("主播好美", "u7"),
    ]
    last = ""
    for text, uid in said:
        last = viewer_says(srv, uid, f"观众{uid}", text, is_follower=uid == "u3").json()["comment"][
            "id"
        ]
    await host.shown(last)
    for model in host.chat.models.values():
        model.flush()
    assert host.texts("questions") == ["这件有M码吗", "尺码偏大还是偏小？"]
    assert host.texts("intent") == ["已拍", "扣1", "想要蓝色的"]
    assert host.texts("fans") == ["好看"]
    host.chat.show_view("questions")
    view_model = host.chat.view.model()
    assert [view_model.index(r, 0).data() for r in range(view_model.rowCount())] == [
        "这件有M码吗",
        "尺码偏大还是偏小？",
    ]
    host.chat.show_view("keyword")
    assert host.chat.keyword.isVisible()
    host.chat.keyword.setText("偏")
    assert host.texts("keyword") == ["尺码偏大还是偏小？"]
    # later arrivals are filtered at ingest into the keyword view
    cid = viewer_says(srv, "u8", "观众u8", "偏瘦的能穿吗").json()["comment"]["id"]
    await host.shown(cid)
    await until(lambda: host.texts("keyword")[-1:] == ["偏瘦的能穿吗"], WITHIN, "keyword arrival")
    assert "偏瘦的能穿吗" in host.texts("questions") and "偏瘦的能穿吗" not in host.texts("intent")


async def test_a_later_console_shows_the_pinned_comment_and_the_muted_users_at_once(
    qtbot: QtBot, sandbox_server: Any, live_room: Connect
) -> None:
    srv = sandbox_server(debug_routes=True, live=True)
    first = await live_room(srv, "host")
    cid = viewer_says(srv, "u1", "小王", "这件有M码吗").json()["comment"]["id"]
    await first.pin_comment(cid)
    await first.mute_user("u9")
    await first.mute_user("u8", 3600)
    late = ChatConsole(qtbot, await live_room(srv, "assistant"))  # snapshot after the events
    assert late.chat.pinned_bar.isVisible()
    assert late.chat.pinned_text.text() == "小王：这件有M码吗"
    assert {"u8", "u9"} <= late.room.muted_user_ids
    assert late.room.muted_until["u9"] is None
    assert (late.room.muted_until["u8"] or 0) > time.time() + 3000  # ends in an hour


async def test_a_reviewer_sees_the_comments_but_every_action_is_disabled_and_refused(
    qtbot: QtBot, sandbox_server: Any, live_room: Connect
) -> None:
    srv = sandbox_server(debug_routes=True, live=True)
    reviewer = ChatConsole(qtbot, await live_room(srv, "reviewer"))
    cid = viewer_says(srv, "u1", "小王", "这件有M码吗").json()["comment"]["id"]
    await reviewer.shown(cid)
    reviewer.select(cid)
    for aid in ("comment.pin", "comment.hide", "comment.mute", "comment.reply"):
        assert not reviewer.menu_action(aid).isEnabled(), aid
        assert not reviewer.shortcuts.actions[aid].isEnabled(), aid
    assert reviewer.menu_action("comment.copy").isEnabled()  # reading is allowed
    assert reviewer.shortcuts.actions["comment.copy"].isEnabled()
    assert not reviewer.chat.reply.isEnabled() and not reviewer.chat.send.isEnabled()
    # a call that slipped past the UI is refused by the room, and the platform refuses it too
    reviewer.chat.pin(reviewer.line(cid))
    await until(lambda: any(lv == "error" for lv, _ in reviewer.messages), WITHIN, "refusal")
    async with httpx.AsyncClient(headers=srv.headers("reviewer"), timeout=WITHIN) as http:
        r = await http.post(srv.api(f"/comments/{cid}/pin"))
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    assert reviewer.room.pinned is None


async def test_a_selected_comment_pauses_the_list_visibly_and_back_to_newest_follows_again(
    qtbot: QtBot, sandbox_server: Any, live_room: Connect
) -> None:
    """Selecting a line holds the list still (to pin or reply to it); that pause used to look
    like a frozen feed. Now a bar says so and counts what arrived; 回到最新 or Esc follows again."""
    srv = sandbox_server(debug_routes=True, live=True)
    host = ChatConsole(qtbot, await live_room(srv, "host"))
    panel, view = host.chat, host.chat.view
    first = viewer_says(srv, "u1", "小鱼", "这件有S码吗").raise_for_status().json()["comment"]["id"]
    await host.shown(first)
    assert panel.paused_bar.isHidden()
    rect = view.visualRect(view.model().index(host.row_of(first), 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert view.paused_by_selection and not view.following
    assert not panel.paused_bar.isHidden()
    for i in range(3):
        viewer_says(srv, f"u{i + 2}", "n", f"新评论{i}").raise_for_status()
    await until(lambda: "有 3 条新评论" in panel.paused_text.text(), WITHIN, "the count of new")
    assert panel.paused_text.text() == "已暂停滚动 · 有 3 条新评论"
    assert view.new_button.isHidden()  # one statement of the pause, not two
    qtbot.mouseClick(panel.resume_button, Qt.MouseButton.LeftButton)
    assert panel.paused_bar.isHidden() and view.following
    assert not view.selectionModel().hasSelection()
    last = view.model().rowCount() - 1
    await until(
        lambda: view.rowAt(view.viewport().height() - 2) in (last, -1), WITHIN, "at the newest"
    )
    # Esc in the list lets go of the selected line too
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert not panel.paused_bar.isHidden()
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert panel.paused_bar.isHidden() and view.following
