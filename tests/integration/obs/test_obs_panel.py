"""The OBS panel against a real OBS: set-up button, one-click and keyboard scene switching, the
program scene highlighted and following OBS, live stats, connection state text."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget

from app.obs.camera_input import camera_from_source
from app.obs.connection import ObsConnection
from app.obs.outputs import Outputs
from app.obs.scenes import Scenes
from app.obs.setup import setup_live_selling
from app.obs.stats import StatsPoller
from app.overlays.obs_sink import ObsOverlaySink
from app.overlays.render import OverlayRenderer
from tests.support.polling import until
from tests.support.real_obs import RealObs
from ui.obs.panel import ObsPanel
from ui.shortcuts import ShortcutRegistry

pytestmark = pytest.mark.obs
SHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"


async def test_panel_switches_scenes_by_click_and_key_and_follows_obs(
    obs: ObsConnection, obs_instance: RealObs, camera_video: Path, tmp_path: Path, qtbot: object
) -> None:
    scenes, outputs, stats = Scenes(obs), Outputs(obs), StatsPoller(obs)
    sink = ObsOverlaySink(obs, OverlayRenderer("16:9"), tmp_path / "overlays")

    async def setup(canvas: str) -> object:
        sink.renderer.canvas = canvas  # type: ignore[assignment]
        return await setup_live_selling(
            obs, canvas=canvas, camera=camera_from_source(str(camera_video)),  # type: ignore[arg-type]
            overlay_files=sink.prepare(),
        )  # fmt: skip

    window = QWidget()
    panel = ObsPanel(obs, scenes, outputs, stats, setup=setup, open_settings=lambda: None,
                     parent=window)  # fmt: skip
    registry = ShortcutRegistry(window)
    panel.register_shortcuts(registry)
    window.resize(460, 640)
    panel.resize(460, 640)
    window.show()
    await scenes.refresh()
    await outputs.refresh()
    assert panel.link.text() == "OBS 已连接"

    QTest.mouseClick(panel.setup_btn, Qt.MouseButton.LeftButton)
    await until(lambda: "已配置" in panel.message.text() or "无需新建" in panel.message.text(),
               within=30)  # fmt: skip
    await until(lambda: "主播全景" in scenes.state.scenes, within=10)

    # one click on a scene → OBS program switches → the list highlights it
    names = [panel.scene_list.item(i).data(Qt.ItemDataRole.UserRole)
             for i in range(panel.scene_list.count())]  # fmt: skip
    row = names.index("商品特写")
    rect = panel.scene_list.visualItemRect(panel.scene_list.item(row))
    QTest.mouseClick(panel.scene_list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    await until(lambda: scenes.state.program == "商品特写")
    assert (await obs.request("GetCurrentProgramScene"))["currentProgramSceneName"] == "商品特写"
    assert "商品特写" in panel.program_item_text() and "直播中" in panel.program_item_text()

    # by key: Alt+N switches to the N-th listed scene
    target = scenes.state.scenes.index("主播全景")
    registry.actions[f"obs.scene.{target + 1}"].trigger()
    await until(lambda: scenes.state.program == "主播全景")

    # OBS itself switches: the highlight follows
    other = ObsConnection("127.0.0.1", obs_instance.port, obs_instance.password)
    await other.connect_once()
    try:
        await other.request("SetCurrentProgramScene", sceneName="画中画")
        await until(lambda: "画中画" in panel.program_item_text())
    finally:
        await other.stop()

    # live health from GetStats/GetStreamStatus
    await stats.poll()
    assert panel.values["cpu"].text().endswith("%")
    assert panel.values["stream"].text() == "未推流"

    if os.environ.get("LIVEDESK_SCREENSHOTS"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        await stats.poll()
        panel.grab().save(str(SHOTS / "obs-panel.png"))
    window.close()


async def test_panel_shows_reconnecting_then_connected(fresh_obs: RealObs, qtbot: object) -> None:
    conn = ObsConnection("127.0.0.1", fresh_obs.port, fresh_obs.password, backoff_cap=1.0)
    panel = ObsPanel(conn, Scenes(conn), Outputs(conn), StatsPoller(conn))
    conn.start()
    try:
        await until(lambda: panel.link.text() == "OBS 已连接", within=30)
        fresh_obs.kill_obs()
        await until(lambda: "正在重连" in panel.link.text(), within=15)
        assert not panel.scene_list.isEnabled()  # actions refused while offline
        fresh_obs.start_obs()
        await until(lambda: panel.link.text() == "OBS 已连接", within=60)
        assert panel.scene_list.isEnabled()
    finally:
        await conn.stop()
        panel.close()
