"""The console's main window: dockable panels around the streamer's stage, health always visible.

It is where the console is put together: it builds the one :class:`ui.context.ConsoleContext`
(room, settings, notifier, shortcuts, OBS, the explain hold and the stage it shows in the middle)
and makes each dock from the registry (ui/panels.py) with that context. No other ui module
imports this one (an import-linter contract): panels get the context, never the window."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QDockWidget,
    QFrame,
    QLabel,
    QMainWindow,
    QScrollArea,
    QToolBar,
    QWidget,
)

from app.live.room import SESSION, LiveRoom
from app.obs.stack import ObsStack
from app.platform.capabilities import Capability
from app.settings import Settings, config_dir
from ui.capability import Unavailable, explain_key
from ui.confirm import confirm
from ui.context import ConsoleContext
from ui.eliding_label import ElidingLabel
from ui.failover import install_failover
from ui.first_run import install_guide
from ui.health import HealthBar, skip_note
from ui.i18n import LANGUAGES, language, switch_language, tr
from ui.lifetime import unsubscribe_on_destroy
from ui.link_banner import LinkBanner, StaleVeil
from ui.panels import LAYOUT_VERSION, PANELS, TABBED, PanelSpec, R, build
from ui.platform.announce import install_announce
from ui.platform.notes import NoteLine
from ui.platform.switch import install_connect
from ui.shortcuts import ActionSpec, CheatSheet
from ui.team.install import install_team
from ui.theme import FADED, LEVEL_COLOURS, OK, text_style


class MainWindow(QMainWindow):
    closed = Signal()

    def __init__(
        self,
        room: LiveRoom,
        settings: Settings,
        *,
        qsettings: QSettings | None = None,
        obs: ObsStack | None = None,
        confirm_close_while_live: bool = False,
    ) -> None:
        """``confirm_close_while_live``: closing the window while this room is live asks first
        (the app's window; a signal or a shutdown closes through :meth:`close_without_asking`)."""
        super().__init__()
        self.room = room
        self.confirm_close_while_live = confirm_close_while_live
        self.platform_stops_with_console = False  # set by the launcher for the built-in sandbox
        # the composition root: what every panel is made from (ui/context.py), built once
        self.ctx = ConsoleContext.build(self, room, settings, obs=obs)
        self.settings = settings
        self.obs = obs
        self.notifier = self.ctx.notifier
        self.qsettings = qsettings or QSettings(
            str(config_dir() / "layout.ini"), QSettings.Format.IniFormat
        )
        self.setObjectName("mainWindow")
        self.setWindowTitle(tr("LiveDesk 直播中控台"))
        self.setDockOptions(
            QMainWindow.DockOption.AnimatedDocks
            | QMainWindow.DockOption.AllowTabbedDocks
            | QMainWindow.DockOption.AllowNestedDocks
        )
        self.shortcuts = self.ctx.shortcuts
        self.docks: dict[str, QDockWidget] = {}
        self.panels: dict[str, QWidget] = {}
        #: where a drill's results go (ui/launch.py: the session recorder); None: not recorded
        self.drill_record: Callable[[dict[str, Any]], None] | None = None

        self.health = HealthBar(self)
        self.health.add_link("platform", "平台", room.adapter.connection)
        if obs is not None:
            self.health.add_link("obs", "OBS", obs.conn.tracker)
        self.message = ElidingLabel(self)  # long OBS lines never push the health widgets
        self.message.setObjectName("statusMessage")
        self._message_timer = QTimer(self)
        self._message_timer.setSingleShot(True)
        self._message_timer.timeout.connect(lambda: self.message.setText(""))
        self.statusBar().addWidget(self.health)
        self.statusBar().addWidget(self.message, 1)
        self.notifier.message.connect(self.show_message)

        self._build_toolbar()
        self.hold = self.ctx.hold  # the window owns the hold and the stage; the queue uses both
        self.stage = self.ctx.stage
        self.setCentralWidget(self.stage)
        for spec in PANELS:
            self.add_panel(spec)
        #: docks the platform cannot fill (their note says why): hidden by default, reachable in
        #: 视图 → 当前平台不可用; the layout is remembered per set of such docks
        self.unavailable = [k for k, w in self.panels.items() if isinstance(w, Unavailable)]
        self._arrange_default()
        # 一键应急 on the live toolbar and the failover's alerts (ui/failover.py)
        self.failover = install_failover(self.ctx, self.live_bar, self.panels)
        self._build_link_banner()
        self._build_menus()
        # 平台 menu, invite, 在线成员, sandbox badge (ui/team/)
        self.team = install_team(self.ctx, self.docks, self.panels)
        # 平台 → 连接平台… (ui/platform/): the launcher opens the chosen platform when we close
        self.connect_controls = install_connect(self.ctx, self.team.menu)
        # 平台 → 在聊天中播报讲解与抽奖 (ui/platform/announce.py: explains and lotteries in chat)
        self.announce = install_announce(self.ctx, self.team.menu)
        # 帮助 → 新手引导 (ui/first_run.py): the launcher opens it at the first start
        self.guide = install_guide(
            self.ctx,
            self.help_menu,
            self.connect_controls,
            self.team,
            open_camera=self.open_camera_setup,
            open_obs_settings=self.open_obs_settings,
        )
        # what the platform's adapter tells the operator (ui/platform/notes.py): a line of its
        # own under the live toolbar, whole at any width, only while there is a note
        self.platform_notes = NoteLine(room.adapter, self.notifier, self)
        notes_bar = QToolBar(tr("平台提示"), self)
        notes_bar.setObjectName("toolbar:platform-notes")
        notes_bar.setMovable(False)
        notes_bar.setFloatable(False)
        notes_bar.toggleViewAction().setVisible(False)
        notes_bar.setStyleSheet("QToolBar { border: 0; padding: 0; margin: 0; spacing: 0; }")
        notes_bar.addWidget(self.platform_notes).setVisible(True)  # the bar shows and hides
        self.addToolBarBreak(Qt.ToolBarArea.TopToolBarArea)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, notes_bar)
        self.platform_notes.shown_by(notes_bar.setVisible)
        self._unsub = room.subscribe(self._room_changed)
        # the feed skipped an event it could not take: the operator hears of it once
        unsub_skips = room.adapter.connection.subscribe_skips(
            lambda skip: self.notifier.warning(skip_note(skip))
        )
        unsubscribe_on_destroy(self, self._unsub, unsub_skips)
        self._room_changed(frozenset({SESSION}))
        from ui.replay.summary import EndSummary

        self.end_summary = EndSummary(self, room)  # 下播总结 when the live session ends
        self.resize(1600, 960)
        screen = self.screen().availableGeometry()
        if screen.height() < 1000 or screen.width() < 1600:  # a laptop: fill it, never overflow
            self.resize(min(1600, screen.width()), min(960, screen.height() - 40))
        self.restore_layout()

    # --- building ----------------------------------------------------------------------------
    def add_panel(self, spec: PanelSpec) -> QDockWidget:
        widget = build(spec, self.ctx)  # or the note saying why the platform cannot do it
        dock = QDockWidget(tr(spec.title), self)
        dock.setObjectName(f"dock:{spec.key}")
        if spec.scroll:
            holder = QScrollArea(dock)
            holder.setWidgetResizable(True)
            holder.setFrameShape(QFrame.Shape.NoFrame)
            holder.setWidget(widget)
            dock.setWidget(holder)
        else:
            dock.setWidget(widget)
        self.addDockWidget(spec.area, dock)
        self.docks[spec.key] = dock
        self.panels[spec.key] = widget
        return dock

    def _arrange_default(self) -> None:
        # the right column (comments, metrics) runs the full height: chat is never squeezed
        self.setCorner(Qt.Corner.BottomRightCorner, R)
        self.setCorner(Qt.Corner.TopRightCorner, R)
        for front, *behind in TABBED:
            for key in behind:
                if front in self.docks and key in self.docks:
                    self.tabifyDockWidget(self.docks[front], self.docks[key])
            if front in self.docks:
                self.docks[front].raise_()
        docks = self.docks
        if {"products", "comments", "orders", "coupons"} <= docks.keys():
            self.resizeDocks(
                [docks["products"], docks["comments"]], [470, 440], Qt.Orientation.Horizontal
            )
            self.resizeDocks([docks["orders"]], [400], Qt.Orientation.Vertical)
            self.resizeDocks(
                [docks["comments"], docks["metrics"]], [560, 330], Qt.Orientation.Vertical
            )
            self.resizeDocks(
                [docks["orders"], docks["coupons"]], [640, 420], Qt.Orientation.Horizontal
            )
        for key in getattr(self, "unavailable", ()):  # no empty boxes: the reason is in 视图
            docks[key].hide()
        for front, *behind in TABBED:  # a tab group shows what the platform can fill
            shown = [k for k in (front, *behind) if k in docks and k not in self.unavailable]
            if shown:
                docks[shown[0]].raise_()

    def _build_toolbar(self) -> None:
        bar = QToolBar(tr("直播"), self)
        bar.setObjectName("toolbar:live")
        bar.setMovable(False)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        self.live_bar = bar
        self.session_label = QLabel(self)
        self.session_label.setObjectName("sessionLabel")
        self.session_label.setTextFormat(Qt.TextFormat.PlainText)
        host = self.room.role == "host"
        self.start_action = self.shortcuts.register(
            ActionSpec("session.start", "开播", "Ctrl+Shift+S", "直播"),
            self.start_session,
            enabled=host,
        )
        self.end_action = self.shortcuts.register(
            ActionSpec("session.end", "下播", "Ctrl+Shift+E", "直播"),
            self.end_session,
            enabled=host,
        )
        for action in (self.start_action, self.end_action):
            # a platform that cannot start a session from here: off, saying why (its key too)
            explain_key(self.room, self.notifier, action, Capability.SESSIONS, self)
        bar.addAction(self.start_action)
        bar.addAction(self.end_action)
        bar.widgetForAction(self.start_action).setObjectName("sessionStart")
        bar.widgetForAction(self.end_action).setObjectName("sessionEnd")
        bar.addSeparator()
        bar.addWidget(self.session_label)
        self.role_label = QLabel(self)
        self.role_label.setObjectName("roleLabel")
        self._show_role()
        bar.addWidget(self.role_label)
        self._clock = QTimer(self)
        self._clock.setInterval(1000)
        self._clock.timeout.connect(self._tick)
        self._clock.start()

    def _build_link_banner(self) -> None:
        """The red/orange banner across the top (ui/link_banner.py): its own toolbar line above
        the live toolbar, shown only while it has something to say; the live timer and the
        metrics panel are marked stale while the platform link is down."""
        self.link_banner = LinkBanner(self.room, self.settings.ui, self.notifier, obs=self.obs)
        self.link_banner.save_settings = self.ctx.save_settings
        bar = QToolBar(tr("连接警报"), self)
        bar.setObjectName("toolbar:link-banner")
        bar.setMovable(False)
        bar.setFloatable(False)
        bar.toggleViewAction().setVisible(False)  # never switched off by a stray right-click
        bar.setStyleSheet("QToolBar { border: 0; padding: 0; margin: 0; spacing: 0; }")
        bar.addWidget(self.link_banner)
        live = self.findChild(QToolBar, "toolbar:live")
        if live is not None:
            self.insertToolBar(live, bar)
            self.insertToolBarBreak(live)
        else:
            self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        self.link_banner.holder = bar
        self.link_banner.refresh()
        self.link_banner.stale_changed.connect(lambda _stale: self._tick())
        if "metrics" in self.panels:
            veil = StaleVeil(self.panels["metrics"])
            self.link_banner.stale_changed.connect(veil.set_stale)

    def _build_menus(self) -> None:
        view = self.menuBar().addMenu(tr("视图"))
        for key, dock in self.docks.items():
            if key not in self.unavailable:
                view.addAction(dock.toggleViewAction())
        if self.unavailable:
            off = view.addMenu(tr("当前平台不可用"))
            off.setObjectName("menu:unavailable")
            off.setToolTipsVisible(True)
            for key in self.unavailable:
                action = self.docks[key].toggleViewAction()
                widget = self.panels[key]
                assert isinstance(widget, Unavailable)
                action.setToolTip("\n".join(widget.reasons()))
                off.addAction(action)
            names = tr("、").join(self.docks[k].windowTitle() for k in self.unavailable)
            self.notifier.info(
                tr(
                    "当前平台不提供：{panels}（已收起，可在 视图 → 当前平台不可用 中查看原因）"
                ).format(panels=names)
            )
        view.addSeparator()
        reset = QAction(tr("恢复默认布局"), self)
        reset.triggered.connect(self.reset_layout)
        view.addAction(reset)
        view.addAction(self.link_banner.sound_action)
        thresholds = QAction(tr("提醒与评分设置…"), self)
        thresholds.setObjectName("action:alert-settings")
        thresholds.triggered.connect(self.open_alert_settings)
        view.addAction(thresholds)
        drill = QAction(tr("应急演练…"), self)  # ui/drill.py: rehearsal rooms only
        drill.setObjectName("action:drill")
        drill.triggered.connect(self.open_drill)
        view.addAction(drill)
        devices = self.menuBar().addMenu(tr("设备"))
        camera = QAction(tr("摄像头设置…"), self)
        camera.setObjectName("action:camera")
        camera.triggered.connect(self.open_camera_setup)
        devices.addAction(camera)
        obs_settings = QAction(tr("OBS 连接设置…"), self)
        obs_settings.setObjectName("action:obs-settings")
        obs_settings.triggered.connect(self.open_obs_settings)
        obs_settings.setEnabled(self.obs is not None)
        devices.addAction(obs_settings)
        presets = QAction(tr("画面预设（美颜/调色）…"), self)  # ui/camera/presets_dialog.py
        presets.setObjectName("action:picture-presets")
        presets.triggered.connect(self.open_picture_presets)
        presets.setEnabled(self.obs is not None)
        devices.addAction(presets)
        lang = self.menuBar().addMenu(tr("语言"))
        self._language_actions: list[QAction] = []
        for code, name in LANGUAGES.items():
            act = QAction(name, self)
            act.setObjectName(f"action:language-{code}")
            act.setData(code)
            self._language_actions.append(act)
            act.setCheckable(True)
            act.setChecked(code == language())
            act.triggered.connect(lambda _c=False, code=code: self.choose_language(code))
            lang.addAction(act)
        self.help_menu = help_menu = self.menuBar().addMenu(tr("帮助"))
        sheet = self.shortcuts.register(
            ActionSpec("help.shortcuts", "快捷键一览", "F1", "帮助"), self.show_cheat_sheet
        )
        help_menu.addAction(sheet)
        keys = QAction(tr("快捷键设置…"), self)
        keys.setObjectName("action:shortcut-settings")
        keys.triggered.connect(self.open_shortcut_settings)
        help_menu.addAction(keys)

    # --- behaviour ---------------------------------------------------------------------------
    def show_message(self, level: str, text: str) -> None:
        self.message.setStyleSheet(text_style(LEVEL_COLOURS.get(level, OK), bold=True))
        self.message.setText(text)
        self._message_timer.start(12_000 if level == "error" else 5_000)

    def _room_changed(self, changes: frozenset[str]) -> None:
        if SESSION in changes:
            live = self.room.session is not None and self.room.session.status == "live"
            host = self.room.role == "host"
            sessions = self.room.can(Capability.SESSIONS)
            self.start_action.setEnabled(host and not live and sessions)
            self.end_action.setEnabled(host and live and sessions)
            self._tick()

    def _tick(self) -> None:
        s = self.room.session
        stopped = self.link_banner.data_stopped_at  # the platform link is down since then
        self.session_label.setStyleSheet(text_style(FADED if stopped is not None else ""))
        if s is None or s.status != "live":
            self.session_label.setText(
                tr("未开播") if stopped is None else tr("未开播 · 数据已停止")
            )
            return
        secs = int(max(0.0, (stopped or time.time()) - s.started_ts))
        t = f"{secs // 3600:02d}:{secs % 3600 // 60:02d}:{secs % 60:02d}"
        # while the link is down the clock stops where the data stopped, greyed: nothing here
        # may look live when it is not known to be
        self.session_label.setText(
            tr("直播中 {t}").format(t=t)
            if stopped is None
            else tr("直播中 {t} · 数据已停止").format(t=t)
        )

    def start_session(self) -> None:
        from ui.go_live import go_live

        self.notifier.run(tr("开播"), go_live(self.ctx), done=tr("已开播"))

    def end_session(self) -> None:
        if confirm(self, tr("下播"), tr("确定结束本场直播吗？"), action=tr("下播")):
            self.notifier.run(tr("下播"), self.room.end_session(), done=tr("已下播"))

    def open_camera_setup(self) -> None:
        from ui.camera.dialog import CameraSetupDialog

        dialog = CameraSetupDialog(
            self, settings=self.settings, obs=self.obs.conn if self.obs else None
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def open_picture_presets(self) -> None:
        from ui.camera.presets_dialog import PicturePresetsDialog

        if self.obs is not None:
            dialog = PicturePresetsDialog(self, obs=self.obs.conn, settings=self.settings)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.open()

    def open_obs_settings(self) -> None:
        from ui.obs.dock import open_settings

        open_settings(self.ctx)

    def open_alert_settings(self) -> QDialog:
        """提醒与评分设置 (ui/alert_settings.py): saved values apply without a restart."""
        from ui.alert_settings import AlertSettingsDialog

        failover = self.failover.failover  # the thresholds of its 故障切换 tab apply at once
        dialog = AlertSettingsDialog(
            self.settings,
            self.ctx.save_settings,
            self,
            on_failover=failover.apply_settings if failover is not None else None,
            room=self.ctx.room,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def open_drill(self) -> QDialog:
        """应急演练 (ui/drill.py): faults injected in a rehearsal room, the reactions timed."""
        from ui.drill import DrillDialog
        from ui.metrics.panel import MetricsPanel

        metrics = self.panels.get("metrics")
        dialog = DrillDialog(
            self.ctx,
            metrics=metrics if isinstance(metrics, MetricsPanel) else None,
            record=self.drill_record,
            parent=self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def show_cheat_sheet(self) -> None:
        CheatSheet(self.shortcuts, self).exec()

    def open_shortcut_settings(self) -> None:
        from ui.shortcut_dialog import ShortcutDialog

        dialog = ShortcutDialog(self.shortcuts, self.settings.ui, self.ctx.save_settings, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def _show_role(self) -> None:
        self.role_label.setText(
            "  "
            + tr("房间 {room} · 身份：{role}").format(
                room=self.room.room_id, role=tr(_ROLE[self.room.role])
            )
        )

    def choose_language(self, code: str) -> None:
        """Switch the UI language live (ui/i18n.py ``switch_language``): every open window is
        re-translated in place, nothing is rebuilt, the room, stream and recorder keep running."""
        self.settings.ui.language = code  # type: ignore[assignment]
        self.ctx.save_settings()
        if code != language():
            switch_language(code)
        for act in self._language_actions:
            act.setChecked(act.data() == code)
        self.notifier.info(tr("界面语言已切换"))

    def retranslate(self) -> None:
        """Called by ui/i18n.py after a language switch: the texts made from data."""
        self._show_role()
        self._tick()

    # --- layout ------------------------------------------------------------------------------
    @property
    def _state_key(self) -> str:
        """Where the dock layout is remembered: one per set of docks the platform cannot fill
        (the sandbox's full layout stays where it always was)."""
        if not self.unavailable:
            return "window/state"
        return "window/state-without-" + "-".join(sorted(self.unavailable))

    def restore_layout(self) -> None:
        geometry = self.qsettings.value("window/geometry")
        state = self.qsettings.value(self._state_key)
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        if isinstance(state, QByteArray):
            self.restoreState(state, LAYOUT_VERSION)
        self.platform_notes.refresh()  # a saved layout never hides a note that is there now

    def save_layout(self) -> None:
        self.qsettings.setValue("window/geometry", self.saveGeometry())
        self.qsettings.setValue(self._state_key, self.saveState(LAYOUT_VERSION))
        self.qsettings.sync()

    def reset_layout(self) -> None:
        for spec in PANELS:
            dock = self.docks[spec.key]
            dock.setFloating(False)
            dock.show()
            self.addDockWidget(spec.area, dock)
        self._arrange_default()

    def close_without_asking(self) -> None:
        """Close now, live or not (SIGTERM, logout, a screenshot run)."""
        self.confirm_close_while_live = False
        self.close()

    def _may_close(self) -> bool:
        s = self.room.session
        if not self.confirm_close_while_live or s is None or s.status != "live":
            return True
        if self.platform_stops_with_console:
            text = tr(
                "本场直播仍在进行中。关闭中控台会同时停止内置沙盒平台，直播将中断。确定关闭吗？"
            )
        else:
            text = tr(
                "本场直播仍在进行中。关闭中控台不会结束直播，但你将看不到评论和订单，"
                "本机也不再记录本场数据。确定关闭吗？"
            )
        if not confirm(self, tr("关闭中控台"), text, action=tr("关闭中控台")):
            return False
        self.confirm_close_while_live = False  # decided: closing again (shutdown) asks no more
        return True

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._may_close():
            event.ignore()
            return
        self.save_layout()
        super().closeEvent(event)
        self.closed.emit()


_ROLE = {"host": "主播", "assistant": "场控", "reviewer": "复盘员"}
