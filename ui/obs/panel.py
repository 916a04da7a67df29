"""The OBS panel: scene list with one-click switching (program highlighted; studio mode shows preview
and program), start/stop streaming and recording with live status and frame-drop alerts, the
"set up OBS for live selling" action and the connection state. Thin: it renders app.obs state and
forwards intents; every request runs in the background and failures are said plainly."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont, QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.aio import spawn
from app.format import hms, time_of_day
from app.obs import output_watch as watch
from app.obs.connection import ObsConnection
from app.obs.errors import ObsError
from app.obs.outputs import Outputs, OutputsState
from app.obs.scenes import Scenes, SceneState
from app.obs.stats import ObsStats, StatsPoller
from app.obs.stream_target import StreamTargetSync
from app.overlays.layout import Kind
from app.overlays.server import OverlayServer
from app.platform.capabilities import Capability
from app.platform.connection import ConnectionStatus, LinkState
from ui import theme
from ui.i18n import localize, tr
from ui.lifetime import unsubscribe_on_destroy
from ui.notify import MessageLabel, Notifier

SetupAction = Callable[[str], Awaitable[object]]  # canvas "16:9" | "9:16" → report
PROGRAM_BG = QColor(theme.STAGE_LIVE)
PREVIEW_BG = QColor(theme.STAGE_PREVIEW)
REVIEWER_TIP = "复盘员只能查看 OBS 状态，不能切换场景、推流或录制"
OVERLAY_NAMES = {
    Kind.PRODUCT: "商品卡",
    Kind.COUPON: "优惠券",
    Kind.FLASH_SALE: "秒杀倒计时",
    Kind.LOTTERY: "抽奖",
    Kind.WINNERS: "中奖名单",
    Kind.QUIZ: "答题",
    Kind.RED_ENVELOPE: "红包雨",
}


W = TypeVar("W", bound=QWidget)


def _named(widget: W, name: str) -> W:
    widget.setObjectName(name)
    return widget


def link_text(status: ConnectionStatus) -> str:
    since = time_of_day(status.since)
    if status.state is LinkState.CONNECTED:
        return tr("OBS 已连接")
    if status.state is LinkState.CONNECTING:
        return tr("正在连接 OBS…")
    if status.state is LinkState.RECONNECTING:
        why = f"：{localize(status.error)}" if status.error else ""
        return (
            tr("OBS 正在重连（自 {since} 起，第 {n} 次）").format(since=since, n=status.attempt)
            + why
        )
    return tr("OBS 未连接") + (f"：{localize(status.error)}" if status.error else "")


class ObsPanel(QWidget):
    def __init__(
        self,
        conn: ObsConnection,
        scenes: Scenes,
        outputs: Outputs,
        stats: StatsPoller,
        *,
        setup: SetupAction | None = None,
        open_settings: Callable[[], None] | None = None,
        overlay_server: OverlayServer | None = None,
        target: StreamTargetSync | None = None,
        reviewer: bool = False,
        notifier: Notifier | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """``notifier``: the console's one way to tell the operator (ui/notify.py)."""
        super().__init__(parent)
        self.setObjectName("ObsPanel")
        self.notifier = notifier
        self.conn, self.scenes, self.outputs, self.stats = conn, scenes, outputs, stats
        self.reviewer = reviewer  # sees everything, acts on nothing
        self._setup = None if reviewer else setup
        self.overlay_server = overlay_server
        self.alerts: list[str] = []
        self._outputs_seen = outputs.state
        self._slow_start: asyncio.Task[None] | None = None

        self.notices = Notifier(self)  # the panel's messages, said in its own line below
        self.message = _named(MessageLabel(self.notices), "obsMessage")
        layout = QVBoxLayout(self)
        layout.addLayout(self._link_row(open_settings))
        layout.addWidget(self._scene_box(), 1)
        layout.addWidget(self._output_box())
        layout.addLayout(self._setup_row())
        layout.addWidget(self.message)
        layout.addWidget(self._overlay_box(overlay_server is not None))
        if reviewer:
            for w in (self.stream_btn, self.record_btn, self.studio_btn, self.transition_btn,
                      self.setup_btn):  # fmt: skip
                w.setToolTip(tr(REVIEWER_TIP))
            self.scene_list.setToolTip(tr(REVIEWER_TIP))
        self._listen(target)

    # --- layout ----------------------------------------------------------------------------------
    def _link_row(self, open_settings: Callable[[], None] | None) -> QHBoxLayout:
        """The OBS link's state and the connection settings button."""
        self.link = _named(QLabel(), "obsLink")
        self.link.setWordWrap(True)
        settings_btn = QPushButton(tr("连接设置…"))
        settings_btn.setEnabled(open_settings is not None)
        if open_settings is not None:
            settings_btn.clicked.connect(open_settings)
        top = QHBoxLayout()
        top.addWidget(self.link, 1)
        top.addWidget(settings_btn)

        return top

    def _scene_box(self) -> QGroupBox:
        """The scenes (one click switches), studio mode and the transition."""
        self.scene_list = _named(QListWidget(), "obsScenes")
        self.scene_list.setUniformItemSizes(True)
        self.scene_list.itemClicked.connect(self._scene_clicked)
        self.mode_label = QLabel()
        self.studio_btn = QPushButton(tr("工作室模式"))
        self.studio_btn.setCheckable(True)
        self.studio_btn.clicked.connect(
            lambda checked: self._run(tr("切换工作室模式"), self.scenes.set_studio_mode(checked))
        )
        self.transition_btn = QPushButton(tr("切换到直播 ▶"))
        self.transition_btn.clicked.connect(lambda: self._run(tr("转场"), self.scenes.transition()))
        scene_box = QGroupBox(tr("场景（单击切换）"))
        sl = QVBoxLayout(scene_box)
        sl.addWidget(self.scene_list)
        sl.addWidget(self.mode_label)
        row = QHBoxLayout()
        row.addWidget(self.studio_btn)
        row.addWidget(self.transition_btn)
        sl.addLayout(row)

        return scene_box

    def _output_box(self) -> QGroupBox:
        """Stream and record buttons, the output figures, the alert line and the push target."""
        self.stream_btn = _named(QPushButton(tr("开始推流")), "obsStream")
        self.stream_btn.clicked.connect(self._toggle_stream)
        self.record_btn = _named(QPushButton(tr("开始录制")), "obsRecord")
        self.record_btn.clicked.connect(self._toggle_record)
        self.values: dict[str, QLabel] = {}
        grid = QGridLayout()
        names = [("stream", "推流时长"), ("record", "录制时长"), ("kbps", "码率"),
                 ("dropped", "网络丢帧"), ("skipped", "编码跳帧"), ("cpu", "CPU"),
                 ("lag", "渲染延迟"), ("fps", "帧率")]  # fmt: skip
        for i, (key, label) in enumerate(names):
            value = QLabel("—")
            value.setObjectName(f"obsStat_{key}")
            self.values[key] = value
            grid.addWidget(QLabel(tr(label)), i // 2, (i % 2) * 2)
            grid.addWidget(value, i // 2, (i % 2) * 2 + 1)
        self.alert = _named(QLabel(), "obsAlert")
        self.alert.setWordWrap(True)
        self.alert.setStyleSheet(theme.text_style(theme.DANGER, bold=True))
        out_box = QGroupBox(tr("推流与录制"))
        ol = QVBoxLayout(out_box)
        buttons = QHBoxLayout()
        buttons.addWidget(self.stream_btn)
        buttons.addWidget(self.record_btn)
        ol.addLayout(buttons)
        ol.addLayout(grid)
        ol.addWidget(self.alert)

        self.target_label = _named(QLabel(), "obsTarget")
        self.target_label.setWordWrap(True)
        ol.addWidget(self.target_label)

        return out_box

    def _setup_row(self) -> QHBoxLayout:
        """One-click scene setup for a 16:9 or 9:16 canvas."""
        self.canvas = QComboBox()
        self.canvas.addItem(tr("横屏 16:9"), "16:9")
        self.canvas.addItem(tr("竖屏 9:16（抖音/快手）"), "9:16")
        self.setup_btn = _named(QPushButton(tr("一键配置 OBS 直播带货场景")), "obsSetup")
        self.setup_btn.clicked.connect(self._do_setup)
        self.setup_btn.setEnabled(self._setup is not None)
        setup_row = QHBoxLayout()
        setup_row.addWidget(self.canvas)
        setup_row.addWidget(self.setup_btn, 1)

        return setup_row

    def _overlay_box(self, served: bool) -> QGroupBox:
        """The overlay pages' URLs to paste into OBS browser sources."""
        self.overlay_box = _named(
            QGroupBox(tr("叠加层网页（OBS 浏览器源）"), self), "obsOverlayUrls"
        )
        grid_urls = QGridLayout(self.overlay_box)
        self.overlay_urls: dict[Kind, QLineEdit] = {}
        self.copy_buttons: dict[Kind, QToolButton] = {}
        for i, kind in enumerate(Kind):
            edit = _named(QLineEdit(), f"overlayUrl_{kind.value}")
            edit.setReadOnly(True)
            copy = _named(QToolButton(), f"copyOverlay_{kind.value}")
            copy.setText(tr("复制"))
            copy.setToolTip(tr("复制地址，粘贴到 OBS 浏览器源的 URL"))
            copy.clicked.connect(lambda _c=False, k=kind: self.copy_overlay_url(k))
            grid_urls.addWidget(QLabel(tr(OVERLAY_NAMES[kind])), i, 0)
            grid_urls.addWidget(edit, i, 1)
            grid_urls.addWidget(copy, i, 2)
            self.overlay_urls[kind] = edit
            self.copy_buttons[kind] = copy
        self.overlay_note = _named(QLabel(), "obsOverlayNote")
        self.overlay_note.setWordWrap(True)
        grid_urls.addWidget(self.overlay_note, len(Kind), 0, 1, 3)
        self.overlay_box.setVisible(served)
        return self.overlay_box

    def _listen(self, target: StreamTargetSync | None) -> None:
        """Follow the link, scenes, outputs, stats and push target until Qt destroys the panel."""
        conn, scenes, outputs, stats = self.conn, self.scenes, self.outputs, self.stats
        self._unsubs = [
            conn.tracker.subscribe(self._on_link),
            scenes.subscribe(self._on_scenes),
            outputs.subscribe(self._on_outputs),
            stats.subscribe(self._on_stats),
        ]
        self._target = target
        if target is not None:
            self._unsubs.append(target.subscribe(self._on_target))
            self._on_target(target)
        # a dock never gets a close event: stop listening when Qt destroys the panel (with its
        # window), or a state change of the OBS link would call into a deleted widget
        unsubs = self._unsubs  # the slot holds the list, never the panel

        def stop_listening() -> None:
            while unsubs:
                unsubs.pop()()

        unsubscribe_on_destroy(self, stop_listening)
        self._on_link(conn.tracker.status)
        self._on_scenes(scenes.state)
        self._on_outputs(outputs.state)
        self.refresh_overlay_urls()

    # --- intents ----------------------------------------------------------------------------------
    def _run(self, what: str, coro: Coroutine[Any, Any, Any], done: str = "") -> None:
        """Through the one runner (:meth:`ui.notify.Notifier.run`); said in the panel's line."""
        self.notices.run(what, coro, done=done or None)

    def switch_to_index(self, index: int) -> None:
        """One-click (and shortcut) scene switch: the ``index``-th scene as listed (0-based)."""
        names = self.scenes.state.scenes
        if 0 <= index < len(names):
            self.switch_to(names[index])

    def _refused(self) -> bool:
        if self.reviewer:
            self.notices.error(tr(REVIEWER_TIP))
        return self.reviewer

    def switch_to(self, name: str) -> None:
        if self._refused():
            return
        if self.scenes.state.studio_mode:
            self._run(tr("预览场景“{name}”").format(name=name), self.scenes.set_preview(name))
        else:
            self._run(tr("切换到场景“{name}”").format(name=name), self.scenes.switch(name))

    def _scene_clicked(self, item: QListWidgetItem) -> None:
        self.switch_to(item.data(Qt.ItemDataRole.UserRole))

    def _toggle_stream(self) -> None:
        if self._refused():
            return
        if self.outputs.state.streaming:
            self._run(tr("停止推流"), self.outputs.stop_stream())
        else:
            self._run(tr("开始推流"), self.outputs.start_stream())

    def _toggle_record(self) -> None:
        if self._refused():
            return
        if self.outputs.state.recording:
            self._run(tr("停止录制"), self.outputs.stop_record())
        else:
            self._run(tr("开始录制"), self.outputs.start_record())

    def _do_setup(self) -> None:
        if self._setup is None:
            return
        canvas = str(self.canvas.currentData())

        async def go() -> None:
            report = await self._setup(canvas)  # type: ignore[misc]
            created = getattr(report, "created", [])
            warnings = getattr(report, "warnings", [])
            updated = getattr(report, "updated", [])
            text = (
                tr("已配置：新建 {n} 项").format(n=len(created))
                if created
                else tr("场景已是最新，无需新建")
            )
            self.notices.info(
                "；".join([text, *(localize(u) for u in updated), *(localize(w) for w in warnings)])
            )

        self._run(tr("配置 OBS"), go())

    def copy_overlay_url(self, kind: Kind) -> None:
        url = self.overlay_urls[kind].text()
        if url:
            QGuiApplication.clipboard().setText(url)
            self.notices.info(
                tr("已复制{name}地址：{url}").format(name=tr(OVERLAY_NAMES[kind]), url=url)
            )

    def refresh_overlay_urls(self) -> None:
        """Show the overlay page server's current URLs (the port is fixed unless it was taken)."""
        server = self.overlay_server
        if server is None:
            return
        urls = server.page_urls() if server.running else {}
        for kind, edit in self.overlay_urls.items():
            edit.setText(urls.get(kind, ""))
            self.copy_buttons[kind].setEnabled(kind in urls)
        note = (
            localize(server.note) if server.note else ("" if urls else tr("叠加层网页服务未运行"))
        )
        self.overlay_note.setText(note)
        self.overlay_note.setStyleSheet(theme.text_style(theme.WARNING if note else ""))

    def showEvent(self, event: Any) -> None:
        self.refresh_overlay_urls()
        super().showEvent(event)

    def register_shortcuts(self, registry: Any) -> None:
        """Alt+1…Alt+9 switch to the 1st…9th scene (configurable like every one-click action)."""
        from ui.shortcuts import ActionSpec

        for n in range(1, 10):
            registry.register(
                ActionSpec(
                    f"obs.scene.{n}", tr("切换到第 {n} 个场景").format(n=n), f"Alt+{n}", "OBS"
                ),
                lambda i=n - 1: self.switch_to_index(i),
                enabled=not self.reviewer,
            )

    # --- state → widgets -----------------------------------------------------------------------
    def _on_link(self, status: ConnectionStatus) -> None:
        self.link.setText(link_text(status))
        self.link.setStyleSheet(theme.text_style(theme.LINK_COLOURS[status.state], bold=True))
        online = status.state is LinkState.CONNECTED
        self.scene_list.setEnabled(online)  # a reviewer still reads it; clicks are refused
        can_act = online and not self.reviewer
        for w in (self.stream_btn, self.record_btn, self.studio_btn):
            w.setEnabled(can_act)
        self.setup_btn.setEnabled(can_act and self._setup is not None)
        self.transition_btn.setEnabled(can_act and self.scenes.state.studio_mode)

    def _on_scenes(self, state: SceneState) -> None:
        self.scene_list.clear()
        bold = QFont()
        bold.setBold(True)
        for i, name in enumerate(state.scenes):
            marks = []
            if name == state.program:
                marks.append(tr("直播中"))
            if state.studio_mode and name == state.preview:
                marks.append(tr("预览"))
            key = f"Alt+{i + 1}  " if i < 9 else ""
            text = f"{key}{name}" + (f"   [{' · '.join(marks)}]" if marks else "")
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, name)
            if name == state.program:
                item.setBackground(QBrush(PROGRAM_BG))
                item.setForeground(QBrush(QColor("white")))
                item.setFont(bold)
            elif state.studio_mode and name == state.preview:
                item.setBackground(QBrush(PREVIEW_BG))
                item.setForeground(QBrush(QColor("white")))
            self.scene_list.addItem(item)
        self.studio_btn.setChecked(state.studio_mode)
        self.transition_btn.setVisible(state.studio_mode)
        self.transition_btn.setEnabled(
            state.studio_mode and self.conn.connected and not self.reviewer
        )
        if state.studio_mode:
            self.mode_label.setText(
                tr("预览：{p}    直播：{q}").format(p=state.preview or "—", q=state.program or "—")
            )
        else:
            self.mode_label.setText(tr("直播画面：{q}").format(q=state.program or "—"))

    def program_item_text(self) -> str:
        for i in range(self.scene_list.count()):
            item = self.scene_list.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == self.scenes.state.program:
                return item.text()
        return ""

    def _on_outputs(self, state: OutputsState) -> None:
        before, self._outputs_seen = self._outputs_seen, state
        self.stream_btn.setText(tr("停止推流") if state.streaming else tr("开始推流"))
        self.record_btn.setText(tr("停止录制") if state.recording else tr("开始录制"))
        phase = {
            watch.STARTING: tr("正在开始…"),
            watch.STOPPING: tr("正在停止…"),
            watch.RECONNECTING: tr("连接中断，OBS 正在重连…"),
        }
        if state.stream_state in phase:
            self.values["stream"].setText(phase[state.stream_state])
        elif not state.streaming:
            self.values["stream"].setText(tr("未推流"))
        if state.record_state in (watch.STARTING, watch.STOPPING):
            self.values["record"].setText(phase[state.record_state])
        elif not state.recording:
            self.values["record"].setText(tr("未录制"))
        if state.stream_state == watch.STARTING and before.stream_state != watch.STARTING:
            self._watch_slow_start()
        if watch.stream_start_failed(before, state):
            spawn(self._say_stream_failed(), name="obs:stream-failed")
        if watch.record_start_failed(before, state):
            self.notices.error(tr("录制未能开始：请在 OBS 的“设置 → 输出”中检查录像路径与编码器"))
        if state.stream_state == watch.RECONNECTING and before.stream_state != watch.RECONNECTING:
            self._alert([tr("推流中断：OBS 正在重新连接推流服务器")])

    async def _say_stream_failed(self) -> None:
        try:
            server, _key = await self.outputs.stream_target()
        except ObsError:
            server = ""
        self.notices.error(localize(watch.stream_failure_text(server)))

    def _watch_slow_start(self) -> None:
        async def watchdog() -> None:
            await asyncio.sleep(watch.SLOW_START_S)
            if not shiboken6.isValid(self):
                return
            if self._outputs_seen.stream_state == watch.STARTING:
                self.notices.error(tr("OBS 仍在连接推流服务器（已超过 {s:.0f} 秒）：请检查推流地址与网络")
                                   .format(s=watch.SLOW_START_S))  # fmt: skip

        if self._slow_start is not None:
            self._slow_start.cancel()
        self._slow_start = spawn(watchdog(), name="obs:slow-start")

    def retranslate(self) -> None:
        """After a language switch (ui/i18n.py): the target line is formatted text."""
        if self._target is not None:
            self._on_target(self._target)

    def _on_target(self, target: StreamTargetSync) -> None:
        why = target.room.why_not(Capability.PUSH_URL) if target.room.role == "host" else None
        if why is not None:  # the platform gives no push URL: say so calmly, once, here
            self.target_label.setText(why)
            self.target_label.setStyleSheet(theme.text_style(theme.FADED))
        elif target.error:
            self.target_label.setText(localize(target.error))
            self.target_label.setStyleSheet(theme.text_style(theme.DANGER, bold=True))
        elif target.applied is not None:
            self.target_label.setText(tr("推流地址已写入 OBS：{url}").format(url=target.applied[0]))
            self.target_label.setStyleSheet(theme.text_style(theme.OK))
        else:
            self.target_label.setText("")

    def _on_stats(self, s: ObsStats, alerts: list[str]) -> None:
        v = self.values
        out = self._outputs_seen
        if s.streaming:
            v["stream"].setText(tr("推流中 {t}").format(t=hms(s.stream_duration_ms // 1000)))
        elif out.stream_state not in (watch.STARTING, watch.STOPPING):
            v["stream"].setText(tr("未推流"))
        if s.recording:
            v["record"].setText(tr("录制中 {t}").format(t=hms(s.record_duration_ms // 1000)))
        elif out.record_state not in (watch.STARTING, watch.STOPPING):
            v["record"].setText(tr("未录制"))
        v["kbps"].setText(f"{s.stream_kbps:.0f} kbps" if s.streaming else "—")
        v["dropped"].setText(f"{s.stream_dropped}（{s.dropped_percent:.1f}%）")
        v["skipped"].setText(f"{s.output_skipped} / {s.output_total}")
        v["cpu"].setText(f"{s.cpu_percent:.1f}%")
        v["lag"].setText(
            tr("{n} 帧（{ms:.0f} ms）").format(n=s.render_missed, ms=s.average_render_ms)
        )
        v["fps"].setText(f"{s.fps:.1f}")
        if alerts:
            self._alert(alerts)

    def _alert(self, alerts: list[str]) -> None:
        self.alerts.extend(alerts)
        stamp = time.strftime("%H:%M:%S")
        self.alert.setText(f"⚠ {stamp} " + "；".join(alerts))

    def closeEvent(self, event: Any) -> None:
        self._stop_listening()
        super().closeEvent(event)

    def _stop_listening(self) -> None:
        if self._slow_start is not None:
            self._slow_start.cancel()
        while self._unsubs:
            self._unsubs.pop()()
