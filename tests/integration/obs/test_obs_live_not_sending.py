"""Live on the platform but OBS not sending is an alert (issue "Safe on air"): the real main window
with a real OBS (its own, under Xvfb) and a real sandbox platform.

开播 asks whether OBS should start streaming (named buttons, 「稍后」 the default). Yes: OBS gets
the session's push URL and starts — and fails, since nothing listens at the sandbox's RTMP address
— so "OBS 已连接" alone would look fine while nobody sees a picture: the orange row says the room is
live and OBS is not streaming, with 开始推流. Pointed at a real RTMP server (nginx-rtmp), that
button streams and the row goes; stopping the stream brings it back; 下播 ends it."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from app.live.room import LiveRoom
from app.obs.output_watch import STARTING, stream_start_failed
from app.obs.outputs import OutputsState
from app.obs.sending import Sending
from app.obs.stack import ObsStack
from app.platform.client import PlatformClient
from app.settings import Settings
from tests.integration.obs.helpers import RtmpServer
from tests.support.real_obs import RealObs
from ui.main_window import MainWindow

pytestmark = pytest.mark.obs


async def poll(check: Callable[[], object], within: float) -> None:
    """Wait for ``check`` while Qt's events run too (timers, the window's banner clock): these
    tests run on a plain asyncio loop."""
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        QApplication.processEvents()
        await asyncio.sleep(0.02)


def _answer(button: str, seen: list[dict[str, Any]]) -> None:
    """Once the question is up (its own modal loop), note it and press ``button`` (objectName)."""

    def poll_box() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, poll_box)
            return
        buttons = {b.objectName(): b.text() for b in box.findChildren(QPushButton)}
        default = box.defaultButton()
        seen.append({"buttons": buttons, "default": default.text() if default else None})
        pressed = box.findChild(QPushButton, button)
        assert pressed is not None
        pressed.click()

    QTimer.singleShot(20, poll_box)


async def test_live_but_obs_not_sending_is_an_orange_alert_until_obs_streams(
    fresh_obs: RealObs,
    rtmp_server: RtmpServer,
    sandbox_server: Callable[..., Any],
    tmp_path: Path,
    qtbot: Any,
) -> None:
    srv = sandbox_server()  # off-air
    client = PlatformClient(srv.url, srv.room, srv.tokens["host"], role="host")
    room = LiveRoom(client)
    room.start()
    settings = Settings()
    settings.obs.port = fresh_obs.port
    settings.obs.overlay_server_port = 0
    stack = ObsStack.build(
        room, settings, password=fresh_obs.password, overlay_dir=tmp_path / "overlays"
    )
    states: list[OutputsState] = []
    stack.outputs.subscribe(states.append)
    await stack.start()
    window: MainWindow | None = None
    try:
        await room.wait_loaded()
        await poll(lambda: room.online and stack.conn.connected, within=60)
        await stack.outputs.refresh()
        assert not stack.outputs.state.streaming
        qs = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
        window = MainWindow(room, settings, qsettings=qs, obs=stack)
        qtbot.addWidget(window)
        window.show()
        banner, row = window.link_banner, window.link_banner.obs_row
        await poll(lambda: banner.verdict is Sending.OK, within=5)
        assert row.isHidden()  # not live: nothing to say

        # 开播 → the question; yes → OBS starts towards the sandbox's RTMP address, and fails
        seen: list[dict[str, Any]] = []
        _answer("confirmAction", seen)
        QTimer.singleShot(0, window.start_action.trigger)  # as Ctrl+Shift+S does
        await poll(lambda: len(seen) == 1, within=30)
        assert seen[0] == {
            "buttons": {"confirmAction": "开始推流", "confirmCancel": "稍后"},
            "default": "稍后",
        }
        await poll(lambda: room.session is not None and room.session.status == "live", within=20)
        await poll(lambda: any(s.stream_state == STARTING for s in states), within=30)
        assert stack.target.applied is not None and stack.target.applied[1] == room.session.id
        # the start fails (STARTING → STOPPED); OBS still says it is connected
        await poll(
            lambda: any(stream_start_failed(a, b) for a, b in itertools.pairwise(states)),
            within=60,
        )
        await poll(lambda: banner.verdict is Sending.NOT_STREAMING, within=10)
        assert row.isVisible()
        assert row.title.text() == "直播中，但 OBS 没有在推流 · 观众看不到画面"
        assert row.button.isVisible() and row.button.text() == "开始推流"
        assert stack.conn.connected  # "OBS 已连接" — and yet nothing is sent

        # pointed at a real RTMP server, 开始推流 in the banner streams and the alert goes
        await stack.outputs.set_stream_target(rtmp_server.url, "livedesk-banner")
        QTest.mouseClick(row.button, Qt.MouseButton.LeftButton)
        await poll(lambda: stack.outputs.state.streaming, within=60)
        await poll(lambda: row.isHidden() and banner.verdict is Sending.OK, within=10)
        stats = stack.stats
        await poll(lambda: stats.last is not None and stats.last.stream_kbps > 0, within=30)
        assert row.isHidden()

        # stopping the stream while live brings the alert back; 下播 ends it
        await stack.outputs.stop_stream()
        await poll(lambda: not stack.outputs.state.streaming, within=30)
        await poll(lambda: row.isVisible(), within=10)
        await room.end_session()
        await poll(lambda: row.isHidden(), within=20)
    finally:
        if window is not None:
            window.close_without_asking()
        if stack.conn.connected and stack.outputs.state.streaming:
            await stack.outputs.stop_stream()
        await stack.stop()
        await room.stop()
        await client.close()
