"""The screen tells the truth about the links (issue "Safe on air"): the real main window on a real
sandbox platform.

- The built-in sandbox, started the way the console starts it (``SandboxAdapterFactory.open``:
  a child process on a db of its own), is SIGKILLed mid-show: a red banner says the platform link
  is down and the figures stopped, the 直播中 timer stops and is greyed with 「数据已停止」, the
  metrics panel is veiled, a beep is made; the child is started again on the same port and the same
  database and the banner says so; the room resumes from its last seq (a viewer's comment made
  after the restart shows in the chat panel, no seq missed), and the banner gives way to 「已恢复」.
- 重连 reconnects at once instead of after the backoff wait.
- Live with OBS not connected at all: the orange row says so.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QPushButton, QToolBar
from pytestqt.qtbot import QtBot

from app.live.room import LiveRoom
from app.obs.stack import ObsStack
from app.platform.client import PlatformClient
from app.platform.connection import LinkState
from app.platform.stream import StreamConfig
from app.settings import Settings
from plugins.sandbox.adapter import SandboxAdapter, SandboxAdapterFactory
from tests.support.console import main_window
from tests.support.ports import free_port
from ui import theme
from ui.chat.panel import ChatPanel
from ui.link_banner import StaleVeil
from ui.main_window import MainWindow

Until = Callable[..., Awaitable[None]]


def _cmdline(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")


def _arg(cmd: list[str], name: str) -> str:
    """The value of the last ``name`` option (argparse keeps the last one)."""
    return [cmd[i + 1] for i, a in enumerate(cmd[:-1]) if a == name][-1]


def _viewer_comment(url: str, room: str, token: str, text: str) -> None:
    r = httpx.post(
        f"{url}/api/v1/rooms/{room}/_debug/viewer-comment",
        headers={"Authorization": f"Bearer {token}"},
        json={"user_id": "u-after-restart", "nickname": "回来的观众", "text": text},
        timeout=30,
    )
    r.raise_for_status()


async def test_killed_builtin_sandbox_shows_the_banner_restarts_on_its_port_and_db_and_the_room_goes_on(
    qtbot: QtBot, tmp_path: Path, until: Until
) -> None:
    db = tmp_path / "data" / "sandbox.db"
    adapter = await SandboxAdapterFactory().open(
        {"db": str(db), "args": ["--viewers", "0", "--debug-routes", "--live"]}
    )
    assert isinstance(adapter, SandboxAdapter) and adapter.child is not None
    first = adapter.child
    url, port = first.url, first.port
    room = LiveRoom(adapter)
    seqs: list[int] = []
    room.subscribe_events(lambda evs: seqs.extend(e.seq for e in evs))
    room.start()
    window: MainWindow | None = None
    try:
        await asyncio.wait_for(room.wait_loaded(), 30)
        await until(lambda: room.online, 30, "the event stream to connect")
        assert room.session is not None and room.session.status == "live"
        window = main_window(qtbot, room, tmp_path)
        banner = window.link_banner
        # the restart may take little more than the default 1.5 s grace on a quiet machine: a
        # shorter one keeps the test about the banner, not about how fast Python starts
        banner.grace = 0.3
        bar = window.findChild(QToolBar, "toolbar:link-banner")
        timer = window.session_label
        veil = window.panels["metrics"].findChild(StaleVeil)
        chat = window.panels["comments"]
        assert bar is not None and veil is not None and isinstance(chat, ChatPanel)
        await until(lambda: "直播中" in timer.text(), 10, "the live timer")
        assert not bar.isVisible() and not banner.platform.isVisible()
        assert not veil.isVisible()
        seen_before = len(seqs)

        # --- the platform process dies ----------------------------------------------------------
        os.kill(first.proc.pid, signal.SIGKILL)
        details: list[str] = []

        def down_shown() -> bool:
            if banner.platform.isVisible():
                details.append(banner.platform.detail.text())
            return banner.platform.isVisible()

        await until(down_shown, 20, "the red banner")
        assert bar.isVisible()
        assert banner.platform.title.text() == "平台连接已断开 · 画面数据已停止更新"
        assert banner.platform.button.text() in ("重连", "正在重连…")
        assert banner.alarms == 1
        assert veil.isVisible() and veil.label.text() == "数据已停止"
        assert "数据已停止" in timer.text() and theme.FADED in timer.styleSheet()  # greyed
        frozen = timer.text()
        await asyncio.sleep(1.2)
        if banner.platform.isVisible():  # the clock stopped where the data stopped
            assert timer.text() == frozen

        # the built-in platform comes back by itself, on the same port and the same database
        def restarted() -> bool:
            if banner.platform.isVisible():
                details.append(banner.platform.detail.text())
            return adapter.restarts == 1 and room.online

        await until(restarted, 60, "the sandbox restarted and the room back online")
        second = adapter.child
        assert second is not None and second is not first and second.proc.pid != first.proc.pid
        assert second.url == url and second.room == first.room
        cmd = _cmdline(second.proc.pid)
        assert _arg(cmd, "--port") == str(port) and Path(_arg(cmd, "--db")) == db
        assert "--live" not in cmd  # a restart never starts (or ends) a session
        assert any("自动重启" in d for d in details), details

        # the banner gives way to a short 「已恢复」; the timer counts again; the veil is gone
        await until(lambda: not banner.platform.isVisible(), 10, "the red banner to go")
        assert banner.recovered.isVisible()
        assert banner.recovered.title.text() == "平台连接已恢复"
        assert "内置沙盒平台已自动重启" in banner.recovered.detail.text()
        await until(lambda: "数据已停止" not in timer.text(), 5, "the timer to run again")
        assert not veil.isVisible() and timer.styleSheet() == ""

        # the room carries on from its last seq: a comment made after the restart shows
        assert room.session is not None and room.session.status == "live"
        text = "重启后还在吗"
        await asyncio.to_thread(_viewer_comment, url, first.room, first.tokens["host"], text)
        model = chat.models["all"]

        def comment_shown() -> bool:
            return any(model.line(r).text == text for r in range(model.rowCount()))

        await until(comment_shown, 20, "the new comment in the chat panel")
        assert len(seqs) > seen_before
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), "a seq was missed or repeated"
        await until(lambda: not bar.isVisible(), 15, "the 已恢复 note to go")
    finally:
        if window is not None:
            window.close_without_asking()
        await room.stop()
        await adapter.close()
    assert adapter.child is not None and adapter.child.proc.returncode is not None


async def test_reconnect_button_reconnects_at_once_instead_of_after_the_backoff(
    qtbot: QtBot, sandbox_server: Any, tmp_path: Path, until: Until
) -> None:
    port = free_port()
    srv = sandbox_server(live=True, extra=["--port", str(port)])
    # a long backoff: left alone, the console would wait up to 10 minutes between attempts
    config = StreamConfig(backoff_base=600.0, backoff_cap=600.0)
    client = PlatformClient(srv.url, srv.room, srv.tokens["host"], stream_config=config)
    room = LiveRoom(client)
    room.start()
    try:
        await asyncio.wait_for(room.wait_loaded(), 30)
        await until(lambda: room.online, 30, "the event stream to connect")
        window = main_window(qtbot, room, tmp_path)
        banner = window.link_banner
        srv.kill()
        await until(lambda: banner.platform.isVisible(), 20, "the red banner")
        await until(
            lambda: client.connection.status.state is LinkState.RECONNECTING, 10, "reconnecting"
        )
        assert "正在重连…（第 " in banner.platform.detail.text()
        await asyncio.to_thread(srv.start)  # the platform is back, on the same port
        assert srv.url == f"http://127.0.0.1:{port}"
        await asyncio.sleep(0.5)
        assert not room.online, "reconnected by itself: the backoff was not long enough"
        button = banner.platform.button
        assert isinstance(button, QPushButton) and button.text() == "重连"
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)
        await until(lambda: room.online, 15, "重连 to reconnect at once")
        await until(lambda: not banner.platform.isVisible(), 5, "the red banner to go")
        assert banner.recovered.isVisible()
        assert "断开" in banner.recovered.detail.text()
        window.close_without_asking()
    finally:
        await room.stop()
        await client.close()


async def test_live_with_obs_not_connected_says_so_in_orange(
    qtbot: QtBot, sandbox_server: Any, tmp_path: Path, until: Until
) -> None:
    srv = sandbox_server(live=True)
    client = PlatformClient(srv.url, srv.room, srv.tokens["host"])
    room = LiveRoom(client)
    room.start()
    settings = Settings()
    settings.obs.port = free_port()  # nobody there: OBS is not running
    settings.obs.overlay_server_port = 0
    stack = ObsStack.build(room, settings, password="", overlay_dir=tmp_path / "overlays")
    await stack.start()
    try:
        await asyncio.wait_for(room.wait_loaded(), 30)
        await until(lambda: room.online, 30, "the event stream to connect")
        window = main_window(qtbot, room, tmp_path, settings=settings, obs=stack)
        row = window.link_banner.obs_row
        await until(lambda: row.isVisible(), 10, "the orange row")
        assert row.title.text() == "直播中，但 OBS 未连接 · 观众可能看不到画面"
        assert not window.link_banner.platform.isVisible()
        found = window.findChild(QLabel, "linkBannerTitle_obs")
        assert found is row.title
        window.close_without_asking()
    finally:
        await stack.stop()
        await room.stop()
        await client.close()
