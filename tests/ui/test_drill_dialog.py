"""应急演练 in the console (ui/drill.py): 视图 → 应急演练… on a real sandbox room (a rehearsal room)
in the real main window, no OBS. The dialog offers the platform's faults only (no OBS: no camera
or microphone faults, said in its text); the operator runs a network loss and a viewer drop; the
table shows each found by the reaction that should find it (the link, the 实时数据 panel's
alert), the recording callback gets both results, and the room is whole again afterwards."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QTableWidgetItem
from pytestqt.qtbot import QtBot

from app.drill.report import FaultResult
from app.live.room import LiveRoom
from app.settings import Settings
from tests.support.console import main_window
from tests.support.polling import until
from ui.drill import DrillDialog

Connect = Callable[..., Awaitable[LiveRoom]]


def _cell(dialog: DrillDialog, row: int, col: int) -> str:
    return (dialog.table.item(row, col) or QTableWidgetItem()).text()


async def test_a_platform_drill_from_the_console(
    qtbot: QtBot, sandbox_server: Any, live_room: Connect, tmp_path: Path
) -> None:
    srv = sandbox_server(viewers=150, live=True, seed=11)
    room = await live_room(srv, "host")
    w = main_window(qtbot, room, tmp_path, Settings(), show=False)
    w.docks["products"].hide()  # no image downloads outliving the test's loop
    w.show()
    recorded: list[dict[str, Any]] = []
    w.drill_record = recorded.append
    entry = w.findChild(QAction, "action:drill")
    assert entry is not None
    entry.trigger()
    [dialog] = [d for d in w.findChildren(DrillDialog) if d.isVisible()]
    await until(lambda: dialog.ready, 30, "the dialog to know what it may inject")
    assert "演练房间" in dialog.intro.text() and "OBS 未连接" in dialog.intro.text()
    assert not dialog.boxes["camera_black"].isEnabled()  # no OBS: not offered
    for kind, box in dialog.boxes.items():
        box.setChecked(kind in ("network_loss", "viewer_drop"))
    dialog.hold.setValue(5)
    dialog.gap.setValue(2)
    await until(lambda: (room.metrics.online or 0) >= 60, 60, "the room to fill")
    dialog.start_button.click()
    assert dialog.stop_button.isEnabled()
    await until(lambda: dialog.drill is not None and dialog.drill.current is not None, 10, "start")
    assert "正在演练" in dialog.status.text()
    shot = os.environ.get("LIVEDESK_DRILL_SHOT")  # tools/drill_screenshots.py: the dialog mid-drill
    if shot:
        await until(
            lambda: len(recorded) == 1 and dialog.drill and dialog.drill.current, 120, "2nd"
        )
        await asyncio.sleep(2.0)
        dialog.grab().save(shot)
    await until(lambda: len(recorded) == 2, 120, "both faults to run")
    await until(lambda: not dialog.stop_button.isEnabled(), 10, "the drill to end")
    results = [FaultResult.from_record(d) for d in recorded]
    net, drop = results
    assert net.kind == "network_loss" and net.detected_by == "platform:offline"
    assert net.recovered_at is not None
    assert drop.kind == "viewer_drop" and drop.detected_by == "alert:online_drop"
    assert dialog.table.rowCount() == 2
    assert _cell(dialog, 0, 0) == "平台网络中断" and _cell(dialog, 0, 3) == "平台连接中断"
    assert _cell(dialog, 1, 3) == "在线人数骤降提醒"
    assert "发现 2 项" in dialog.summary.text()
    assert "演练已结束" in dialog.status.text()
    await until(lambda: room.online, 30, "the platform link back")
    dialog.close()
    w.close_without_asking()
