"""The one way to tell the operator (ui/notify.py): an action's failure is said as
「<what>失败：<reason>」 in the UI language, an unexpected error is said too (and logged), success
says ``done``; a panel's MessageLabel shows it in the level's colour (the one error red); a
OneAtATime action sends once however often it is triggered, its button greyed meanwhile."""

from __future__ import annotations

import asyncio
import logging

import pytest
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from app.i18n import set_language
from app.obs.errors import ObsOfflineError
from app.platform.errors import PlatformError
from ui import theme
from ui.notify import MessageLabel, Notifier, OneAtATime


def _said(notifier: Notifier) -> list[tuple[str, str]]:
    said: list[tuple[str, str]] = []
    notifier.message.connect(lambda level, text: said.append((level, text)))
    return said


async def _fails(exc: Exception) -> None:
    await asyncio.sleep(0)
    raise exc


async def test_failures_are_said_in_the_ui_language_and_success_says_done(
    qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    notifier = Notifier()
    said = _said(notifier)
    label = MessageLabel(notifier)
    qtbot.addWidget(label)
    await notifier.run("开始推流", _fails(ObsOfflineError()))
    assert said[-1] == ("error", "开始推流失败：OBS 未连接，操作未执行")
    assert label.text() == said[-1][1] and theme.DANGER in label.styleSheet()
    await notifier.run("讲解", _fails(PlatformError("not_found", "商品不存在 (no such product)")))
    assert said[-1] == ("error", "讲解失败：商品不存在")
    with caplog.at_level(logging.ERROR):
        await notifier.run("转场", _fails(KeyError("scene")))
    assert said[-1] == ("error", "转场失败：KeyError: 'scene'")  # said, never swallowed
    assert "转场 failed" in caplog.text  # and logged with its traceback
    await notifier.run("发券", asyncio.sleep(0), done="已发券")
    assert said[-1] == ("info", "已发券")
    assert theme.LEVEL_COLOURS["info"] in label.styleSheet()
    assert theme.DANGER not in label.styleSheet()


async def test_the_reason_follows_the_ui_language(qtbot: QtBot) -> None:
    notifier = Notifier()
    said = _said(notifier)
    set_language("en")
    try:
        await notifier.run("开始推流", _fails(ObsOfflineError()))
    finally:
        set_language("zh_CN")
    assert said[-1][0] == "error" and "OBS offline: action not sent" in said[-1][1]


async def test_one_at_a_time_sends_once_and_greys_its_button(qtbot: QtBot) -> None:
    notifier = Notifier()
    said = _said(notifier)
    button = QPushButton("发起抽奖")
    qtbot.addWidget(button)
    sent: list[int] = []
    release = asyncio.Event()

    async def send() -> None:
        sent.append(1)
        await release.wait()

    runner = OneAtATime(notifier, button)
    assert runner.run("发起抽奖", send(), done="抽奖已开始")
    second = send()
    assert not runner.run("发起抽奖", second)  # a double click while the first is in flight
    assert runner.busy and not button.isEnabled()
    release.set()
    await asyncio.sleep(0.05)
    assert sent == [1] and not runner.busy
    assert said == [("info", "抽奖已开始")]
