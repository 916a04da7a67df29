"""应急演练 (failure drills) in the console: a dialog from 视图 → 应急演练… (app/drill does the work).

Offered only in a rehearsal room (the platform says ``simulated``: the sandbox); elsewhere the
dialog says so and starts nothing. The operator ticks the faults to rehearse (those this room and
this OBS can honestly produce: app/drill/faults.py — the camera freeze only for a media-source
camera, OBS killed never from here: LiveDesk does not own the OBS process), sets how long each
lasts and the pause between them, and starts: the faults run one after another while the table
shows, live, each fault's times (the report's columns, app/drill/report.py). 停止并恢复 ends the
drill at once and removes the fault being injected; closing the dialog does the same.

LiveDesk's reactions reach the drill from the failover (its events, which include the operator's
emergency key; the key pressed as 切回直播画面 is the operator's going back), the OBS and platform links, the chat's complaint flags and the 实时数据 panel's
alerts (a dismissed alert is the operator's acknowledgement). Each finished fault goes to the
session recording (``record``: ``record_obs("drill", …)``) so the replay's 演练报告 rebuilds it.
While the session is not live the failover is not armed: camera and microphone faults are then
reported missed, and the dialog says so before the start.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.aio import spawn
from app.drill.engine import Drill, Injector, Step, watch
from app.drill.faults import Sandbox, obs_faults, platform_faults
from app.drill.report import COLUMNS, FAULT_NAMES, FaultResult, fault_name, rows, summary
from app.format import time_of_day
from app.live.alerts import Alert
from app.platform.client import PlatformClient
from app.platform.errors import PlatformError
from ui import theme
from ui.context import ConsoleContext
from ui.i18n import tr
from ui.metrics.panel import MetricsPanel
from ui.replay.drill_tab import fit_report_table
from ui.replay.tables import Table

Record = Callable[[dict[str, Any]], None]


class DrillDialog(QDialog):
    def __init__(
        self,
        ctx: ConsoleContext,
        *,
        metrics: MetricsPanel | None = None,
        record: Record | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("drillDialog")
        self.setWindowTitle(tr("应急演练"))
        self.ctx = ctx
        self.metrics = metrics
        self.record = record
        self.injectors: dict[str, Injector] = {}
        self.drill: Drill | None = None
        self._unwatch: list[Callable[[], None]] = []
        self.ready = False  # the offered faults are known
        self.rehearsal = False  # the room is a rehearsal room

        self.intro = QLabel(tr("正在检查演练条件…"), self)
        self.intro.setObjectName("drillIntro")
        self.intro.setWordWrap(True)
        self.intro.setTextFormat(Qt.TextFormat.PlainText)
        self.boxes: dict[str, QCheckBox] = {}
        picks = QWidget(self)
        grid = QGridLayout(picks)
        grid.setContentsMargins(0, 0, 0, 0)
        for i, kind in enumerate(FAULT_NAMES):
            box = QCheckBox(fault_name(kind), picks)
            box.setObjectName(f"drill:{kind}")
            box.setEnabled(False)
            self.boxes[kind] = box
            grid.addWidget(box, i // 4, i % 4)
        self.hold = QSpinBox(self)
        self.hold.setRange(3, 120)
        self.hold.setValue(8)
        self.hold.setSuffix(tr(" 秒"))
        self.gap = QSpinBox(self)
        self.gap.setRange(0, 600)
        self.gap.setValue(5)
        self.gap.setSuffix(tr(" 秒"))
        for spin in (self.hold, self.gap):
            spin.setMaximumWidth(140)
        form = QFormLayout()
        form.addRow(tr("每项故障持续"), self.hold)
        form.addRow(tr("两项之间间隔"), self.gap)
        self.status = QLabel(self)
        self.status.setObjectName("drillStatus")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setStyleSheet(theme.text_style(theme.WARNING_STRONG, bold=True))
        self.table = Table(COLUMNS, self)
        self.summary = QLabel(self)
        self.summary.setObjectName("drillSummary")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.start_button = QPushButton(tr("开始演练"), self)
        self.start_button.setObjectName("drillStart")
        self.start_button.setEnabled(False)
        self.start_button.clicked.connect(self.start)
        self.stop_button = QPushButton(tr("停止并恢复"), self)
        self.stop_button.setObjectName("drillStop")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(lambda: spawn(self.stop(), name="drill-stop"))
        close = QPushButton(tr("关闭"), self)
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.stop_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        lay = QVBoxLayout(self)
        lay.addWidget(self.intro)
        lay.addWidget(picks)
        lay.addLayout(form)
        lay.addWidget(self.status)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.summary)
        lay.addLayout(buttons)
        self.resize(1100, 560)
        spawn(self.prepare(), name="drill-prepare")

    # --- what can be rehearsed here --------------------------------------------------------------
    async def prepare(self) -> None:
        adapter = self.ctx.room.adapter
        try:
            self.rehearsal = bool((await adapter.room_info()).simulated)
        except PlatformError as exc:
            self.intro.setText(tr("无法确认房间类型，不能演练：{e}").format(e=exc))
            return
        if not self.rehearsal:
            self.intro.setText(
                tr("应急演练只在演练房间（沙盒 · 模拟观众）中提供：真实直播间不注入故障。")
            )
            return
        obs = self.ctx.obs
        if obs is not None and obs.conn.connected:
            mic = self.ctx.settings.failover.mic_input or None
            self.injectors.update(await obs_faults(obs.conn, mic))
        if isinstance(adapter, PlatformClient):
            self.injectors.update(platform_faults(Sandbox(adapter), hold_s=self.hold.value()))
        notes = [
            tr("演练房间：选择要演练的故障，LiveDesk 的反应会被计时并记入本场录制。"),
            tr("「OBS 被关闭」不在此演练：LiveDesk 不掌管 OBS 进程。"),
        ]
        if obs is None or not obs.conn.connected:
            notes.append(tr("OBS 未连接：摄像头和麦克风故障不可演练。"))
        elif "camera_frozen" not in self.injectors:
            notes.append(tr("摄像头不是媒体源：画面冻结不可演练。"))
        session = self.ctx.room.session
        if session is None or session.status != "live":
            notes.append(tr("未开播：自动故障切换未启动，摄像头和麦克风故障将无法被发现。"))
        self.intro.setText("\n".join(notes))
        for kind, box in self.boxes.items():
            offered = kind in self.injectors
            box.setEnabled(offered)
            box.setChecked(offered)
            if not offered:
                box.setToolTip(tr("此环境不提供该故障"))
        self.ready = True
        self.start_button.setEnabled(bool(self.injectors))

    # --- running ---------------------------------------------------------------------------------
    def chosen(self) -> list[str]:
        return [k for k, b in self.boxes.items() if b.isChecked() and k in self.injectors]

    def start(self) -> None:
        kinds = self.chosen()
        if not kinds or (self.drill is not None and self.drill.running):
            return
        hold, gap = float(self.hold.value()), float(self.gap.value())
        adapter = self.ctx.room.adapter
        if "network_loss" in self.injectors and isinstance(adapter, PlatformClient):
            # the outage lasts what the operator set
            self.injectors.update(platform_faults(Sandbox(adapter), hold_s=hold))
        drill = Drill(self.injectors)
        self.drill = drill
        obs = self.ctx.obs
        self._unwatch = [
            watch(
                drill,
                failover=obs.failover if obs is not None else None,
                obs=obs.conn if obs is not None else None,
                room=self.ctx.room,
            ),
            drill.subscribe_status(lambda _current: self.refresh()),
            drill.subscribe(self._finished),
        ]
        if self.metrics is not None:
            self._unwatch.append(self.metrics.alert_events.add(self._on_alert))
        key = self.ctx.shortcuts.actions.get("obs.emergency")  # ui/failover.py's key and button
        if key is not None and obs is not None:
            failover = obs.failover

            def pressed() -> None:  # its own handler ran first: it reads what the press did
                if failover.awaiting_return:
                    drill.observe("operator:go_back")

            key.triggered.connect(pressed)

            def unpress() -> None:
                key.triggered.disconnect(pressed)

            self._unwatch.append(unpress)
        steps = [Step(k, hold, gap, deadline_s=hold + 20.0, recover_s=30.0) for k in kinds]
        task = drill.start(steps)
        task.add_done_callback(lambda _t: self._ended())
        self.start_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        self.refresh()

    def _on_alert(self, event: str, alert: Alert) -> None:
        if self.drill is None:
            return
        if event == "fired":
            self.drill.observe(f"alert:{alert.kind}")
        else:
            self.drill.observe("operator:acknowledged")

    def _finished(self, result: FaultResult) -> None:
        if self.record is not None:
            self.record(result.record())
        self.refresh()

    def _ended(self) -> None:
        for off in self._unwatch:
            off()
        self._unwatch = []
        self.start_button.setEnabled(self.ready and bool(self.injectors))
        self.stop_button.setEnabled(False)
        self.refresh()

    async def stop(self) -> None:
        """停止并恢复: the drill ends, the fault being injected is removed."""
        if self.drill is not None:
            await self.drill.stop()

    def refresh(self) -> None:
        drill = self.drill
        if drill is None:
            return
        results = list(drill.results)
        current = drill.current
        if current is not None:
            results.append(current)
            left = "" if current.detected_at is not None else tr("（等待 LiveDesk 发现）")
            self.status.setText(
                tr("正在演练：{fault}{left}").format(fault=fault_name(current.kind), left=left)
            )
        else:
            self.status.setText(
                tr("演练进行中…") if drill.running else tr("演练已结束，故障已全部恢复")
            )
        self.table.fill(rows(results, clock_text=time_of_day))
        fit_report_table(self.table)
        for i, r in enumerate(results):
            if r is not current and r.missed:
                for c in range(self.table.columnCount()):
                    item = self.table.item(i, c)
                    if item is not None:
                        item.setForeground(QColor(theme.DANGER))
        self.summary.setText(summary(list(drill.results)) if drill.results else "")

    def closeEvent(self, event: Any) -> None:
        if self.drill is not None and self.drill.running:
            spawn(self.stop(), name="drill-stop")
        super().closeEvent(event)
