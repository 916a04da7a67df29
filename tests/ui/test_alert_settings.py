"""提醒与评分设置 in the console: reached from the 视图 menu, it shows every alert threshold and
the score's weights; saved values are in the settings file and the live metrics judge with them
at the next sample (no restart); values that cannot work are refused with the reason."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from pytestqt.qtbot import QtBot

from app.live.room import LiveRoom
from app.settings import AlertSettings, Settings, load_settings
from tests.support.console import main_window
from tests.support.polling import until
from ui.alert_settings import ALERT_ROWS, AlertSettingsDialog
from ui.main_window import MainWindow
from ui.metrics.panel import MetricsPanel

Connect = Callable[..., Awaitable[LiveRoom]]


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LIVEDESK_CONFIG_DIR", str(tmp_path / "config"))
    return tmp_path / "config" / "settings.json"


def _open(w: MainWindow) -> AlertSettingsDialog:
    entry = w.findChild(QAction, "action:alert-settings")
    assert entry is not None
    [view_menu] = [a.menu() for a in w.menuBar().actions() if a.text() == "视图"]
    assert entry in view_menu.actions()  # type: ignore[union-attr]
    entry.trigger()
    [dialog] = [d for d in w.findChildren(AlertSettingsDialog) if d.isVisible()]
    return dialog


def _window(qtbot: QtBot, room: LiveRoom, tmp_path: Path) -> MainWindow:
    w = main_window(qtbot, room, tmp_path, Settings(), show=False)
    w.docks["products"].hide()  # no image downloads outliving the test's loop
    w.show()
    return w


def _set(dialog: AlertSettingsDialog, name: str, value: float) -> None:
    box = dialog.boxes[name]
    assert box.objectName() == f"field:{name}"
    box.setValue(value)


async def test_thresholds_saved_and_applied_without_a_restart(
    qtbot: QtBot, sandbox_server: Any, live_room: Connect, tmp_path: Path, config: Path
) -> None:
    srv = sandbox_server(debug_routes=True)
    room = await live_room(srv, "host")
    w = _window(qtbot, room, tmp_path)
    metrics = w.panels["metrics"]
    assert isinstance(metrics, MetricsPanel)
    assert metrics.alerts.config.interaction_drop_ratio == 0.10
    dialog = _open(w)
    # every threshold the rules have is on the page, with its current value
    assert {r.name for r in ALERT_ROWS} == set(AlertSettings.model_fields)
    assert dialog.boxes["interaction_drop_percent"].value() == 10
    _set(dialog, "interaction_drop_percent", 25)
    _set(dialog, "interaction_baseline_minutes", 3)
    _set(dialog, "stock_threshold", 4)
    _set(dialog, "weight_gmv", 70)
    _set(dialog, "target_gmv_cents", 2000.5)  # shown in yuan
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    # the sandbox keeps the team's score settings: the page closes once the platform took them
    # (tests/ui/test_alert_settings_team.py)
    await until(
        lambda: not shiboken6.isValid(dialog) or not dialog.isVisible(), what="the page to close"
    )
    saved = load_settings(config)
    assert saved.alerts.interaction_drop_percent == 25
    assert saved.alerts.interaction_baseline_minutes == 3 and saved.alerts.stock_threshold == 4
    assert saved.review.weight_gmv == 70 and saved.review.target_gmv_cents == 200_050
    metrics.sample()  # the next 1 Hz sample judges with the new thresholds
    cfg = metrics.alerts.config
    assert (cfg.interaction_drop_ratio, cfg.interaction_baseline_minutes) == (0.25, 3)
    assert cfg.stock_threshold == 4
    # opened again, the page shows what was saved
    again = _open(w)
    assert again.boxes["interaction_drop_percent"].value() == 25
    again.reject()


async def test_values_that_cannot_work_are_refused_with_the_reason(
    qtbot: QtBot, sandbox_server: Any, live_room: Connect, tmp_path: Path, config: Path
) -> None:
    srv = sandbox_server(debug_routes=True)
    room = await live_room(srv, "host")
    w = _window(qtbot, room, tmp_path)
    dialog = _open(w)
    _set(dialog, "comment_window_s", 300)
    _set(dialog, "comment_baseline_s", 120)  # an average shorter than the window it judges
    _set(dialog, "interaction_baseline_minutes", 14)
    _set(dialog, "interaction_window_s", 120)  # 16 minutes: longer than the history kept
    dialog.save_button.click()
    assert dialog.isVisible() and dialog.error.isVisible()
    text = dialog.error.text()
    assert text.startswith("未保存：")
    assert "评论速度均值时长必须长于评论速度当前窗口" in text and "15 分钟" in text
    for name in ("weight_gmv", "weight_conversion", "weight_interaction"):
        _set(dialog, name, 0)
    _set(dialog, "comment_baseline_s", 600)
    _set(dialog, "interaction_baseline_minutes", 5)
    dialog.save_button.click()
    assert dialog.isVisible() and "评分权重至少有一项大于 0" in dialog.error.text()
    assert not config.exists()  # nothing was written  # noqa: ASYNC240
    assert w.settings.alerts == AlertSettings()


async def test_the_failover_tab_saves_its_thresholds_and_the_failover_uses_them(
    qtbot: QtBot, config: Path
) -> None:
    from app.obs.connection import ObsConnection
    from app.obs.failover import Failover
    from app.obs.scenes import Scenes
    from app.settings import save_settings

    settings = Settings()
    conn = ObsConnection("127.0.0.1", 1, "")  # never connected: the failover only holds settings
    failover = Failover(conn, Scenes(conn), settings.failover)
    saves: list[bool] = []

    def save() -> None:
        save_settings(settings)
        saves.append(True)

    dialog = AlertSettingsDialog(settings, save, on_failover=failover.apply_settings)
    qtbot.addWidget(dialog)
    dialog.show()
    titles = [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())]
    assert titles[-1] == "故障切换"
    dialog.tabs.setCurrentIndex(len(titles) - 1)
    # a check period as long as the window: refused with the reason, nothing saved
    _set(dialog, "checks_per_second", 1.0)
    _set(dialog, "window_s", 1.0)
    dialog.save_button.click()
    assert dialog.isVisible() and dialog.error.isVisible()
    assert "检查间隔" in dialog.error.text()
    assert saves == []
    _set(dialog, "checks_per_second", 4.0)
    _set(dialog, "window_s", 3.5)
    _set(dialog, "recover_s", 2.0)
    _set(dialog, "mic_window_s", 12.0)
    dialog.auto_return.setChecked(False)
    dialog.mic_input.setText("  领夹麦  ")
    dialog.save_button.click()
    assert not dialog.isVisible() and saves == [True]
    saved = load_settings().failover
    assert (saved.window_s, saved.checks_per_second, saved.recover_s) == (3.5, 4.0, 2.0)
    assert saved.mic_window_s == 12.0 and not saved.auto_return and saved.mic_input == "领夹麦"
    # the running failover judges with them from its next sample
    assert failover.settings == saved
    assert (failover.judge.window, failover.judge.recover) == (3.5, 2.0)
    await failover.stop()
