"""An event the console cannot take (larger than its limit) on the real main window following a
real sandbox: the window says once which event was skipped, the health bar keeps the count, and
the chat goes on with the next event (issue 13 D3)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from app.live.room import LiveRoom
from app.platform.client import PlatformClient
from app.platform.stream import StreamConfig
from app.settings import Settings
from ui.chat.panel import ChatPanel
from ui.main_window import MainWindow

Until = Callable[..., Awaitable[None]]
LIMIT = 256 * 1024  # the console's largest message, lowered so the test moves little data


async def test_an_event_too_large_is_skipped_with_a_note_and_the_chat_goes_on(
    qtbot: QtBot, sandbox_server: Any, tmp_path: Path, until: Until
) -> None:
    srv = sandbox_server(debug_routes=True)
    config = StreamConfig(
        heartbeat_timeout=5.0, backoff_base=0.05, backoff_cap=0.5, max_message=LIMIT
    )
    client = PlatformClient(srv.url, srv.room, srv.tokens["host"], stream_config=config)
    room = LiveRoom(client)
    room.start()
    window: MainWindow | None = None
    notes: list[str] = []
    try:
        await asyncio.wait_for(room.wait_loaded(), 30)
        await until(lambda: room.online, 30, "the event stream to connect")
        qs = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
        window = MainWindow(room, Settings(), qsettings=qs)
        qtbot.addWidget(window)
        window.show()
        window.notifier.message.connect(lambda _level, text: notes.append(text))
        indicator = window.findChild(QLabel, "health:platform")
        message = window.findChild(QLabel, "statusMessage")
        chat = window.panels["comments"]
        assert indicator is not None and message is not None and isinstance(chat, ChatPanel)

        r = await asyncio.to_thread(
            httpx.post,
            srv.api("/_debug/oversized-event"),
            params={"pad_bytes": 2 * LIMIT},
            headers=srv.headers(),
            timeout=60,
        )
        assert r.status_code == 200, r.text
        big = int(r.json()["seq"])
        # a viewer goes on commenting (the platform's side: the console's link may be
        # reconnecting right now, after the frame it could not take)
        r = await asyncio.to_thread(
            httpx.post,
            srv.api("/_debug/viewer-comment"),
            json={"user_id": "u1", "nickname": "小王", "text": "大事件之后还在"},
            headers=srv.headers(),
            timeout=60,
        )
        assert r.status_code == 200, r.text

        model = chat.models["all"]

        def texts() -> list[str]:
            return [model.line(i).text for i in range(model.rowCount())]

        await until(lambda: "大事件之后还在" in texts(), 30, "the comment after the big event")
        await until(lambda: f"跳过了 1 条无法接收的事件 (seq {big})" in message.text(), 10, "note")
        await until(lambda: "已跳过 1 条" in indicator.text(), 5, "the count in the health bar")
        assert "平台 已连接" in indicator.text(), indicator.text()
        assert str(big) in indicator.toolTip()
        assert "大事件" not in texts()  # the skipped one is not shown half-read
        await asyncio.sleep(1.0)  # and said once, not once per reconnect
        assert sum("跳过了" in n for n in notes) == 1, notes
        assert client.stream.reconnects == 2
    finally:
        if window is not None:
            window.close()
        await room.stop()
        await client.close()
