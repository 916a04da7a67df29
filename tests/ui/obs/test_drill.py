"""A drill run (应急演练, app/drill) against a real OBS and a real sandbox room, with its report.

The console's parts are the real ones: the failover watching OBS's camera input and microphone,
a host LiveRoom on the sandbox with its recorder, the 实时数据 panel sampling the room and firing
its alerts. The drill injects, one after another: the camera black (a filter), lost (the input
renamed), frozen (the media paused), the microphone muted, the platform's network gone for 6 s,
a sudden viewer drop and a burst of complaints. What is asserted is the report: each fault found
by the reaction that should find it, the automatic switch to 备用画面 recorded with viewers seeing
the card meanwhile, plausible durations — and the replay rebuilding the same report from the
session file. The measured times are printed (``-s``) for the lead. A UI test (tests/ui: a qasync
loop, so the panel's 1 Hz sampling timer runs as in the console).
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QTableWidgetItem

from app.drill.engine import Drill, Step, watch
from app.drill.faults import Sandbox, obs_faults, platform_faults
from app.drill.report import FaultResult, rows, summary
from app.obs.connection import ObsConnection
from app.obs.names import CAMERA, SCENE_FULL
from app.platform.client import PlatformClient
from app.session.replay import SessionFile
from app.session.report import build_html
from app.settings import FailoverSettings
from tests.integration.obs.test_obs_failover import (
    MIC,
    build_rig,
    camera_moving,
    program_shows_standby,
)
from tests.support.polling import until
from tests.support.real_obs import RealObs
from tests.support.recording_rig import recording_host
from ui.metrics.panel import MetricsPanel
from ui.replay.window import ReplayWindow

pytestmark = [pytest.mark.obs, pytest.mark.slow]


@pytest.fixture
async def obs(clean_obs: RealObs) -> AsyncIterator[ObsConnection]:
    """A connection to the suite's shared OBS at its baseline (as tests/integration/obs)."""
    conn = ObsConnection("127.0.0.1", clean_obs.port, clean_obs.password)
    await conn.connect_once()
    try:
        yield conn
    finally:
        await conn.stop()


SCRIPT = [
    Step("camera_black", hold_s=5, gap_s=2, deadline_s=20, recover_s=30),
    Step("camera_lost", hold_s=5, gap_s=2, deadline_s=20, recover_s=30),
    Step("camera_frozen", hold_s=5, gap_s=2, deadline_s=20, recover_s=30),
    Step("mic_silence", hold_s=6, gap_s=2, deadline_s=20, recover_s=30),
    Step("network_loss", hold_s=6, gap_s=3, deadline_s=20, recover_s=60),
    Step("viewer_drop", hold_s=5, gap_s=1, deadline_s=30, recover_s=0),
    Step("complaint_burst", hold_s=1, gap_s=0, deadline_s=30, recover_s=0),
]


async def test_a_drill_run_and_its_report_in_the_replay(
    obs: ObsConnection, tmp_path: Path, qapp: Any, sandbox_server: Any
) -> None:
    srv = sandbox_server(viewers=150, live=True, seed=7)  # no --debug-routes: every sandbox drills
    rig = await build_rig(obs, tmp_path, FailoverSettings(window_s=2.0, mic_window_s=3.0))
    try:
        async with recording_host(srv, tmp_path / "sessions") as (room, rec):
            assert isinstance(room.adapter, PlatformClient)
            sandbox = Sandbox(room.adapter)
            await until(lambda: rec.recording, 30, "the recorder to open the live session's file")
            panel = MetricsPanel(room, sample_ms=1000)
            rig.failover.arm(True)
            await camera_moving(rig)
            injectors = {**await obs_faults(obs, MIC), **platform_faults(sandbox, hold_s=6)}
            assert set(injectors) >= {
                s.kind for s in SCRIPT
            }  # the camera is a clip: frozen offered
            drill = Drill(injectors)
            drill.subscribe(lambda r: rec.record_obs("drill", r.record()))
            off = watch(drill, failover=rig.failover, obs=obs, room=room)
            panel.alert_events.add(
                lambda ev, a: drill.observe(f"alert:{a.kind}") if ev == "fired" else None
            )
            # a full room (the online-drop rule needs a peak of 20 viewers) and a calm start
            await until(lambda: (room.metrics.online or 0) >= 60, 60, "the room to fill")
            await asyncio.sleep(3)
            standby_seen: list[bool] = []

            async def watch_program() -> None:  # what viewers see while the camera is broken
                while True:
                    if drill.current is not None and drill.current.auto:
                        standby_seen.append(await program_shows_standby(obs))
                    await asyncio.sleep(0.5)

            watcher = asyncio.get_running_loop().create_task(watch_program())
            try:
                results = await drill.run_script(SCRIPT)
            finally:
                watcher.cancel()
                off()
            for line in rows(results):
                print(" | ".join(line))
            print(summary(results))
            by = {r.kind: r for r in results}
            assert [r.kind for r in results] == [s.kind for s in SCRIPT]
            for kind in ("camera_black", "camera_lost", "camera_frozen"):
                r = by[kind]
                assert not r.missed and r.detected_by == "failover:switched", r
                assert r.auto[0][1] == "failover:switched"
                # window 2 s; the frozen clock starts at the clip's last change; slack for a busy box
                assert 1.5 <= (r.detect_s or 0) < 2.0 + 6.0, r
                assert r.broken_picture_s == r.detect_s
                assert r.recovered_at is not None and r.restored_at is not None
                assert r.recovered_at >= r.restored_at
            assert any(standby_seen), "viewers never saw the standby card during the camera faults"
            assert by["mic_silence"].detected_by == "failover:mic_alert"
            assert 2.5 <= (by["mic_silence"].detect_s or 0) < 3.0 + 6.0
            assert by["mic_silence"].recovered_at is not None
            net = by["network_loss"]
            assert not net.missed and net.detected_by == "platform:offline"
            assert (net.detect_s or 99) < 10
            assert net.recovered_at is not None and net.recovered_at > (net.restored_at or 0)
            drop = by["viewer_drop"]
            assert not drop.missed and drop.detected_by == "alert:online_drop", drop
            assert not by["complaint_burst"].missed
            # everything put back: the camera under its name, unfiltered; the mic live; back on air
            filters = await obs.request("GetSourceFilterList", sourceName=CAMERA)
            assert filters["filters"] == []
            assert not (await obs.request("GetInputMute", inputName=MIC))["inputMuted"]
            await until(lambda: rig.scenes.state.program == SCENE_FULL, 20, "the program back")
            await room.end_session()
            await until(lambda: not rec.recording, 30, "the file to close")
            panel.deleteLater()
    finally:
        await rig.failover.stop()
    [path] = rec.files
    with SessionFile(path) as f:
        replayed: list[FaultResult] = f.drill_results()
        marks = [mk for mk in f.markers() if mk.kind == "drill_fault"]
    assert replayed == results
    # the HTML report has the same report, in Chinese and in English
    with SessionFile(path) as f:
        zh, en = build_html(f, lang="zh_CN"), build_html(f, lang="en")
    assert "演练报告" in zh and "摄像头画面冻结" in zh and summary(results) in zh
    assert "Drill report" in en and "Camera frozen" in en and "Switched to standby by itself" in en
    assert rows(replayed) == rows(results)
    assert [mk.label for mk in marks] == [rows([r])[0][0] for r in results]
    # the replay window's 演练报告 tab shows that report
    win = ReplayWindow(path)
    try:
        tab = win.drill_tab
        assert tab is not None and tab.table.rowCount() == len(results)
        shown = [
            [
                (tab.table.item(i, c) or QTableWidgetItem()).text()
                for c in range(tab.table.columnCount())
            ]
            for i in range(tab.table.rowCount())
        ]
        assert shown == rows(results)
        assert tab.summary.text() == summary(results)
        titles = [win.tabs.tabText(i) for i in range(win.tabs.count())]
        assert "演练报告" in titles
        keep = os.environ.get("LIVEDESK_KEEP_DRILL_FILE")  # tools/drill_screenshots.py
        if keep:
            shutil.copy(path, keep)
    finally:
        win.close()
        win.deleteLater()
