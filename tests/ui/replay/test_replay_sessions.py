"""The 复盘 panel's shared sessions, against the real sandbox server: a host's console uploads a
recorded session; a reviewer's console (its own data folder) cannot upload (the button says why),
lists the shared session in the 平台共享场次 dialog — date, room, session, size from the platform —
downloads it, sees its duration / GMV / orders / peak online, and opens it with the same totals."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QPushButton

from app.format import hms, human_size, money
from app.live.room import LiveRoom
from app.session.recorder import SessionRecorder
from app.session.replay import SessionFile
from tests.support.console import Console
from tests.support.polling import until
from tests.ui.replay.test_replay_moment import rows
from ui.replay.sessions import SessionsWindow
from ui.replay.window import ReplayWindow

# the offscreen platform cannot propagate size hints or raise a window
pytestmark = [pytest.mark.slow, pytest.mark.qt_log_ignore("propagateSizeHints", "support raise")]


def click(button: QPushButton | None) -> None:
    assert button is not None and button.isEnabled()
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)


async def test_host_shares_a_session_and_a_reviewer_downloads_and_opens_it(
    qtbot: Any,
    sandbox_server: Callable[..., Any],
    live_room: Callable[..., Awaitable[LiveRoom]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    srv = sandbox_server(viewers=200, seed=8, extra=["--rate", "200"])
    app = QApplication.instance()
    assert isinstance(app, QApplication)

    # the host's console records a short session into its data folder
    monkeypatch.setenv("LIVEDESK_DATA_DIR", str(tmp_path / "host"))
    host = await live_room(srv, "host")
    rec = SessionRecorder(host)
    rec.start()
    try:
        await host.start_session()
        await until(lambda: rec.recording, 20, "recording")
        await until(lambda: host.metrics.orders >= 3, 30, "orders")
        await host.end_session()
        await until(lambda: not rec.recording, 20, "the file to close")
    finally:
        await rec.stop()
    [recorded] = rec.files
    with SessionFile(recorded) as f:
        want = f.summary()
    assert want.orders >= 3

    host_console = Console(qtbot, host)  # the 复盘 dock as the console makes it
    host_panel = host_console.panel("replay", SessionsWindow)
    host_console.window.show()
    assert host_panel.directory == tmp_path / "host" / "sessions"
    await until(lambda: host_panel.table.rowCount() == 1, 30, "the sessions list")
    assert host_panel.table.item(0, 9).text() == "本机录制"
    assert host_panel.upload_button is not None and host_panel.upload_button.isEnabled()
    host_panel.table.selectRow(0)
    click(host_panel.upload_button)
    await until(lambda: host_panel.where.text().startswith("已上传"), 30, "the upload")
    async with httpx.AsyncClient(timeout=30) as http:
        listed = (await http.get(srv.api("/recordings"), headers=srv.headers("reviewer"))).json()
    assert [i["name"] for i in listed] == [recorded.name]

    # the reviewer's console: its own (empty) data folder, the same room, read-only
    monkeypatch.setenv("LIVEDESK_DATA_DIR", str(tmp_path / "reviewer"))
    reviewer = await live_room(srv, "reviewer")
    reviewer_console = Console(qtbot, reviewer)
    panel = reviewer_console.panel("replay", SessionsWindow)
    reviewer_console.window.show()
    await until(lambda: not panel.loading, 30, "the sessions list")
    assert panel.table.rowCount() == 0
    assert panel.upload_button is not None and not panel.upload_button.isEnabled()
    assert "复盘员" in panel.upload_button.toolTip()

    click(panel.shared_button)
    dialog = panel.shared_dialog
    assert dialog is not None and dialog.isVisible()
    await until(lambda: dialog.table.rowCount() == 1, 30, "the shared sessions list")
    started = time.strftime("%Y-%m-%d %H:%M", time.localtime(want.started_ts))
    size = human_size(listed[0]["size"])
    uploaded = time.strftime("%m-%d %H:%M", time.localtime(listed[0]["uploaded_ts"]))
    before = ["—", "—", "—", "—", size, uploaded, "主播", "未下载"]
    assert rows(dialog.table) == [[started, want.room, want.session_id, *before]]
    assert not dialog.download_button.isEnabled()  # nothing selected yet

    dialog.table.selectRow(0)
    click(dialog.download_button)
    # stored beside (never over) a local recording of the same session, named as shared
    assert recorded.name.endswith(".livedesk")
    local = panel.directory / recorded.name.replace(".livedesk", ".shared-host.livedesk")
    await until(lambda: dialog.status.text().startswith("已下载"), 30, "the download")
    assert local.stat().st_size == listed[0]["size"]
    assert not (panel.directory / recorded.name).exists()
    # now read from the file itself: the host's totals
    totals = [hms(want.duration_s), money(want.gmv_cents), str(want.orders), str(want.peak_online)]
    after = [*totals, size, uploaded, "主播", "已下载"]
    assert rows(dialog.table) == [[started, want.room, want.session_id, *after]]
    # the downloaded session is in the local list, shown as shared by the host
    await until(lambda: panel.table.rowCount() == 1, 30, "the local list")
    assert panel.table.item(0, 9).text() == "平台共享（主播）"

    # it opens with the same totals
    dialog.table.selectRow(0)
    click(dialog.open_button)
    await until(lambda: any(isinstance(w, ReplayWindow) for w in panel.opened), 30, "the review")
    win = next(w for w in panel.opened if isinstance(w, ReplayWindow))
    try:
        got = win.summary
        assert (got.orders, got.gmv_cents, got.comments, got.peak_online, got.events) == (
            want.orders,
            want.gmv_cents,
            want.comments,
            want.peak_online,
            want.events,
        )
        assert got.duration_s == want.duration_s
        assert f"订单 {want.orders}" in win.header.text()
    finally:
        win.close()
        dialog.close()
