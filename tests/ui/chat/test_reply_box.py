"""Issue 20, lost input and unclear errors: the reply box keeps what the operator typed when a
send fails, refuses an over-long reply before sending (with a live counter), and says what went
wrong in the UI language only (real panel, real sandbox)."""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from app import i18n
from tests.support.polling import until
from tests.ui.chat.test_chat_panel import ChatConsole, Connect

WITHIN = 15.0
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


def _type_and_send(qtbot: QtBot, console: ChatConsole, text: str) -> None:
    box = console.chat.reply
    box.clear()
    box.setFocus()
    box.setText(text)  # the keys a user types (setText: 301 key clicks only slow the test down)
    qtbot.keyClick(box, Qt.Key.Key_Return)


async def test_a_reply_over_300_characters_is_refused_before_sending_and_the_text_stays(
    qtbot: QtBot, sandbox_server: Any, live_room: Connect
) -> None:
    srv = sandbox_server(live=True)
    host = ChatConsole(qtbot, await live_room(srv, "host"))
    sent: list[str] = []
    host.room.subscribe_actions(lambda a: sent.append(a.name))
    long = "好" * 301
    _type_and_send(qtbot, host, long)
    assert ("warning", "回复最多 300 字，当前 301 字") in host.messages
    assert host.chat.reply.text() == long  # nothing lost
    assert host.chat.reply_count.text() == "301/300"
    assert sent == []  # refused here: nothing went to the platform
    host.chat.reply.backspace()
    assert host.chat.reply_count.text() == "300/300"  # the counter follows the typing
    qtbot.keyClick(host.chat.reply, Qt.Key.Key_Return)
    await until(lambda: long[:300] in host.texts(), WITHIN, "the 300-character reply in the feed")
    await until(lambda: host.chat.reply.text() == "", WITHIN, "the box cleared once sent")


async def test_a_reply_the_platform_refuses_keeps_the_text_and_says_why_in_chinese(
    qtbot: QtBot, sandbox_server: Any, live_room: Connect
) -> None:
    srv = sandbox_server(live=True)
    host = ChatConsole(qtbot, await live_room(srv, "host"))
    refused = "有的\x1b，M码有货"  # a control character: the platform refuses the comment (422)
    _type_and_send(qtbot, host, refused)
    await until(lambda: any(lv == "error" for lv, _ in host.messages), WITHIN, "the refusal")
    text = next(t for lv, t in host.messages if lv == "error")
    assert text.startswith("发送评论失败：内容不符合要求：评论内容"), text
    assert text.endswith("含有不可见的控制字符"), text
    assert host.chat.reply.text() == refused  # the operator's text is still there


async def test_offline_reply_says_so_in_one_language(
    qtbot: QtBot, sandbox_server: Any, live_room: Connect
) -> None:
    srv = sandbox_server(live=True)
    host = ChatConsole(qtbot, await live_room(srv, "host"))
    srv.kill()
    await until(lambda: not host.room.online, 20, "the console to notice the platform is gone")
    try:
        for language, other in (("zh_CN", _LATIN), ("en", _CJK)):
            i18n.set_language(language)
            host.messages.clear()
            _type_and_send(qtbot, host, "有的，M码有货")
            await until(lambda: bool(host.messages), WITHIN, f"the offline refusal ({language})")
            level, text = host.messages[0]
            assert level == "error" and not other.search(text), text
            assert host.chat.reply.text() == "有的，M码有货"
        assert text == "Send comment failed: Platform offline: action not sent", text
    finally:
        i18n.set_language("zh_CN")


def test_a_long_status_message_is_elided_and_never_pushes_its_neighbours(qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QHBoxLayout, QWidget

    from ui.eliding_label import ElidingLabel

    bar = QWidget()
    qtbot.addWidget(bar)
    row = QHBoxLayout(bar)
    health = QLabel("平台 已连接 · 实时", bar)
    message = ElidingLabel(bar)
    row.addWidget(health)
    row.addWidget(message, 1)
    bar.resize(500, 30)
    bar.show()
    qtbot.waitExposed(bar)
    width_before = health.width()
    long = "OBS 丢帧告警：" + "推流不稳定，网络拥塞 " * 40
    message.setText(long)
    qtbot.wait(50)
    assert bar.width() == 500 and health.width() == width_before  # the neighbour kept its room
    assert message.text() == " ".join(long.split())  # the whole message is still there
    assert message.shown_text().endswith("…") and len(message.shown_text()) < len(long)
    assert message.toolTip() == message.text()
