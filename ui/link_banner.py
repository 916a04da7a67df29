"""The truth about the links, across the top of the main window.

A dead platform must never look live. :class:`LinkBanner` shows, above everything else:

- **red**, while the platform link is down (reconnecting, or stopped) for more than
  ``GRACE_S`` (a blip of a reconnect does not alarm): 「平台连接已断开 · 画面数据已停止更新」 in
  large type, since when, what is being done (「正在重连…（第 N 次）」; for the built-in sandbox
  the console restarts: 「正在原端口和原数据库上自动重启…」), the reason, and a 重连 button that
  reconnects at once (skipping the backoff wait; or starts the supervisor again after it gave
  up). A beep when it appears (``UiSettings.link_alarm_sound``, on by default). While it is up,
  ``data_stopped_at`` says since when the figures are old: the window's live timer stops there
  and is greyed with 「数据已停止」, and :class:`StaleVeil` greys the metrics panel.
- **green** for ``RECOVERED_S`` once the link is back: 「平台连接已恢复」 and how long it was down.
- **red**, while viewers see the standby picture (app/obs/failover.py): the failover switched to
  备用画面 by itself (why, since when, and whether it comes back by itself or waits for 切回直播画面),
  or the emergency key is on (结束应急); the button does what the toolbar's emergency key does.
  A status-bar line is too easy to miss while the stream shows 「马上回来」.
- **orange**, for the host while the session is live and OBS is not sending
  (:class:`app.obs.sending.SendingWatch`: OBS not connected, stream output not active or still
  starting, or 0 kbps for over 10 s), until it resolves; with 「开始推流」 when OBS is connected.

Rows are plain-text labels (error texts come from the network). The banner re-evaluates on link
and session changes and on a 0.5 s clock; it listens to long-lived objects and stops listening
when Qt destroys it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.format import time_of_day
from app.live.room import SESSION, LiveRoom
from app.obs.failover import FailoverEvent, problem_text
from app.obs.names import SCENE_STANDBY
from app.obs.sending import Sending, SendingWatch
from app.platform.connection import ConnectionStatus, LinkState, Recovery, RecoveryStep
from app.settings import UiSettings
from ui import theme
from ui.i18n import language, localize, tr
from ui.lifetime import unsubscribe_on_destroy
from ui.notify import Notifier

if TYPE_CHECKING:
    from app.obs.stack import ObsStack

#: a link down for less than this (a reconnect blip) does not raise the banner
GRACE_S = 1.5
#: how long 「已恢复」 stays up
RECOVERED_S = 6.0
REASON_CHARS = 90

RED, ORANGE, GREEN = theme.DANGER, theme.WARNING_STRONG, theme.OK


def _duration(secs: float) -> str:
    s = int(max(0, secs))
    if s < 60:
        return tr("{s} 秒").format(s=s)
    if s < 3600:
        return tr("{m} 分 {s} 秒").format(m=s // 60, s=s % 60)
    return tr("{h} 小时 {m} 分").format(h=s // 3600, m=s % 3600 // 60)


_GIST = re.compile(r"\s*\([^()\u4e00-\u9fff]*\)\s*$")  # a trailing " (English gist)"
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _first_line(text: str) -> str:
    """The first line of a core/platform message in the UI language: in Chinese without its
    trailing English gist (the banner is read at a glance)."""
    line = localize(text).splitlines()[0] if text else ""
    if language() == "zh_CN":
        short = _GIST.sub("", line)
        line = short if _CJK.search(short) else line
    return line if len(line) <= REASON_CHARS else line[: REASON_CHARS - 1] + "…"


def _why(rec: Recovery) -> str:
    if rec.exit_code is not None:
        return tr("退出码 {code}").format(code=rec.exit_code)
    return _first_line(rec.detail)


class AlertRow(QWidget):
    """One coloured line of the banner: a large title, a detail line and an optional button."""

    def __init__(self, key: str, colour: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"linkBanner_{key}")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(
            f"#linkBanner_{key} {{ background: {colour}; }}"
            " QLabel { color: white; background: transparent; }"
        )
        self.title = QLabel(self)
        self.title.setObjectName(f"linkBannerTitle_{key}")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setStyleSheet("font-size: 17pt; font-weight: 700;")
        self.detail = QLabel(self)
        self.detail.setObjectName(f"linkBannerDetail_{key}")
        self.detail.setTextFormat(Qt.TextFormat.PlainText)
        self.detail.setWordWrap(True)
        self.detail.setStyleSheet("font-size: 11pt; font-weight: 600;")
        self.button = QPushButton(self)
        self.button.setObjectName(f"linkBannerButton_{key}")
        self.button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # never takes Space/Enter from a list
        self.button.setMinimumHeight(36)
        self.button.setStyleSheet(
            f"QPushButton {{ background: white; color: {colour}; font-size: 12pt;"
            " font-weight: 700; padding: 4px 18px; border-radius: 4px; }"
            f" QPushButton:disabled {{ color: {theme.FADED}; }}"
        )
        self.button.hide()
        text = QVBoxLayout()
        text.setSpacing(2)
        text.addWidget(self.title)
        text.addWidget(self.detail)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 8, 16, 8)
        layout.addLayout(text, 1)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignVCenter)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.hide()

    def show_text(self, title: str, detail: str) -> None:
        if self.title.text() != title:
            self.title.setText(title)
        if self.detail.text() != detail:
            self.detail.setText(detail)
        self.detail.setVisible(bool(detail))
        if self.isHidden():
            self.show()

    def set_button(self, text: str | None, enabled: bool = True) -> None:
        if text is None:
            self.button.hide()
            return
        self.button.setText(text)
        self.button.setEnabled(enabled)
        self.button.show()


class LinkBanner(QWidget):
    """The banner rows; ``stale_changed(bool)`` when the figures start/stop being old."""

    stale_changed = Signal(bool)

    def __init__(
        self,
        room: LiveRoom,
        settings: UiSettings,
        notifier: Notifier,
        *,
        obs: ObsStack | None = None,
        grace: float = GRACE_S,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("linkBanner")
        self.room = room
        self.settings = settings
        self.notifier = notifier
        self.obs = obs
        self.grace = grace
        self.sending = SendingWatch()
        self.verdict = Sending.OK
        #: wall-clock time the platform link went down (None: connected)
        self.down_since: float | None = None
        #: the figures on screen are as of this time (set while the red row is up)
        self.data_stopped_at: float | None = None
        self.alarms = 0  # beeps so far (the sound setting decides whether they are heard)
        self._recovered_until = 0.0
        self._restarted = False  # this outage ended with the built-in platform restarted
        self._reconnect_asked = 0.0
        self._seen_connected = False
        self.platform = AlertRow("platform", RED, self)
        self.platform.button.clicked.connect(self.reconnect)
        self.recovered = AlertRow("recovered", GREEN, self)
        self.obs_row = AlertRow("obs", ORANGE, self)
        self.obs_row.button.clicked.connect(self.start_stream)
        self.standby_row = AlertRow("standby", RED, self)
        self.standby_row.button.clicked.connect(self.leave_standby)
        #: the failover's last switch to standby: (when, why: frozen / black / lost)
        self._switched: tuple[float, str] | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        for row in (self.platform, self.recovered, self.standby_row, self.obs_row):
            layout.addWidget(row)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

        self.sound_action = QAction(tr("断线提示音"), self)
        self.sound_action.setObjectName("action:link-alarm-sound")
        self.sound_action.setCheckable(True)
        self.sound_action.setChecked(settings.link_alarm_sound)
        self.sound_action.toggled.connect(self._sound_toggled)
        self.save_settings: Callable[[], None] = lambda: None

        unsubs = [
            room.adapter.connection.subscribe(lambda _s: self._later()),
            room.subscribe(lambda ch: self._later() if SESSION in ch else None),
        ]
        if obs is not None:
            unsubs += [
                obs.conn.tracker.subscribe(lambda _s: self._later()),
                obs.outputs.subscribe(lambda _s: self._later()),
            ]
            if obs.failover is not None:
                unsubs.append(obs.failover.subscribe(self._on_failover))
        unsubscribe_on_destroy(self, *unsubs)
        self._clock = QTimer(self)
        self._clock.setInterval(500)
        self._clock.timeout.connect(self.refresh)
        self._clock.start()
        #: the widget that carries the banner (the window's toolbar line): shown while a row is
        #: up, hidden otherwise, whatever a restored layout said
        self.holder: QWidget | None = None
        self.refresh()

    # --- what the operator can do --------------------------------------------------------------
    def reconnect(self) -> None:
        """重连: try the platform again now (skips the backoff; restarts a given-up sandbox)."""
        self._reconnect_asked = time.time()
        self.room.reconnect_now()
        self.refresh()

    def start_stream(self) -> None:
        if self.obs is None:
            return
        self.notifier.run(tr("开始推流"), self.obs.outputs.start_stream())

    def leave_standby(self) -> None:
        """The standby row's button: 切回直播画面 or 结束应急 (what the emergency key does now)."""
        f = self.obs.failover if self.obs is not None else None
        if f is None:
            return
        if f.emergency_state is not None:
            self.notifier.run(tr("结束应急"), f.end_emergency())
        elif f.standby_from is not None:
            self.notifier.run(tr("切回直播画面"), f.go_back())

    def _on_failover(self, event: FailoverEvent) -> None:
        if event.kind == "switched" and event.scene:
            self._switched = (event.ts, event.reason)
        self._later()

    def _sound_toggled(self, on: bool) -> None:
        self.settings.link_alarm_sound = on
        self.save_settings()

    # --- state -------------------------------------------------------------------------------
    def _later(self) -> None:
        # listeners run inside the tracker's/room's call: redraw from Qt's dispatch instead
        if shiboken6.isValid(self):
            QTimer.singleShot(0, self, self.refresh)

    def refresh(self) -> None:
        if not shiboken6.isValid(self):
            return
        now = time.time()
        self._refresh_platform(self.room.adapter.connection.status, now)
        self._refresh_obs(now)
        self._refresh_standby(now)
        rows = (self.platform, self.recovered, self.standby_row, self.obs_row)
        wanted = any(not r.isHidden() for r in rows)
        holder = self.holder
        if holder is not None and holder.isHidden() == wanted:
            holder.setVisible(wanted)

    def _refresh_platform(self, status: ConnectionStatus, now: float) -> None:
        if status.state is LinkState.CONNECTED:
            self._seen_connected = True
        # stopped (OFFLINE) counts once the link had worked: before that the health bar says it
        down = status.state is LinkState.RECONNECTING or (
            status.state is LinkState.OFFLINE and self._seen_connected
        )
        if status.recovery is not None and status.recovery.step is RecoveryStep.RESTARTED:
            self._restarted = True
        if not down:
            if self.data_stopped_at is not None:  # it was up: say it is over
                self._recovered_until = now + RECOVERED_S
                was = now - self.data_stopped_at
                self.recovered.show_text(
                    tr("平台连接已恢复"),
                    (
                        tr("内置沙盒平台已自动重启 · 断开 {d}，数据已从断点继续")
                        if self._restarted
                        else tr("断开 {d}，数据已从断点继续")
                    ).format(d=_duration(was)),
                )
                self.data_stopped_at = None
                self.stale_changed.emit(False)
            if status.state is LinkState.CONNECTED:
                self.down_since = None
                self._restarted = False
            self.platform.hide()
            if not self.recovered.isHidden() and now >= self._recovered_until:
                self.recovered.hide()
            return
        if self.down_since is None:
            self.down_since = now
        if self.data_stopped_at is None:
            if now - self.down_since < self.grace:
                return
            self.data_stopped_at = self.down_since
            self.recovered.hide()
            self.stale_changed.emit(True)
            self._alarm()
        self.platform.show_text(
            tr("平台连接已断开 · 画面数据已停止更新"), self._platform_detail(status, now)
        )
        asked = now - self._reconnect_asked < 2.0
        self.platform.set_button(tr("正在重连…") if asked else tr("重连"), enabled=not asked)

    def _platform_detail(self, status: ConnectionStatus, now: float) -> str:
        since = self.down_since or now
        parts = [tr("自 {t} 起，已 {d}").format(t=time_of_day(since), d=_duration(now - since))]
        rec = status.recovery
        if rec is not None and rec.step is RecoveryStep.RESTARTING:
            parts.append(
                tr(
                    "内置沙盒平台已退出（{why}），正在原端口和原数据库上自动重启…（第 {n} 次）"
                ).format(why=_why(rec), n=rec.attempt)
            )
        elif rec is not None and rec.step is RecoveryStep.RESTARTED:
            parts.append(tr("内置沙盒平台已自动重启，正在重新连接…"))
        elif rec is not None and rec.step is RecoveryStep.GAVE_UP:
            parts.append(
                tr("内置沙盒平台无法自动重启（{why}）：点「重连」再试").format(why=_why(rec))
            )
        elif status.state is LinkState.RECONNECTING:
            parts.append(tr("正在重连…（第 {n} 次）").format(n=max(1, status.attempt)))
        else:
            parts.append(tr("已停止重连：点「重连」再试"))
        if status.error:
            parts.append(tr("原因：{e}").format(e=_first_line(status.error)))
        return " · ".join(parts)

    def _refresh_obs(self, now: float) -> None:
        obs = self.obs
        s = self.room.session
        live = s is not None and s.status == "live"
        if obs is None or self.room.role != "host":
            self.obs_row.hide()
            return
        self.verdict = verdict = self.sending.check(
            live=live,
            connected=obs.conn.connected,
            outputs=obs.outputs.state,
            stats=obs.stats.last,
            now=now,
        )
        if verdict is Sending.OK:
            self.obs_row.hide()
            return
        if verdict is Sending.NO_OBS:
            title = tr("直播中，但 OBS 未连接 · 观众可能看不到画面")
            detail = tr("请打开 OBS，或在「设备 → OBS 连接设置…」中检查地址与密码")
            button: str | None = None
        elif verdict is Sending.STARTING:
            title = tr("直播中，OBS 正在开始推流…")
            detail = tr("OBS 正在连接推流服务器；观众还看不到画面")
            button = None
        elif verdict is Sending.NOT_STREAMING:
            title = tr("直播中，但 OBS 没有在推流 · 观众看不到画面")
            detail = tr("平台上的直播间已开播，OBS 的推流输出未启动（或未能启动）")
            button = tr("开始推流")
        else:
            title = tr("直播中，但 OBS 推流没有数据 · 观众看不到画面")
            detail = tr("OBS 推流输出已开启，但已 {d} 没有发出数据：请检查网络与推流服务器").format(
                d=_duration(self.sending.zero_seconds(now))
            )
            button = None
        if obs.target.error and verdict is not Sending.NO_OBS:  # with no OBS it says the same
            detail += " · " + _first_line(obs.target.error)
        self.obs_row.show_text(title, detail)
        self.obs_row.set_button(button)

    def _refresh_standby(self, now: float) -> None:
        f = self.obs.failover if self.obs is not None else None
        if f is None or (f.emergency_state is None and f.standby_from is None):
            self.standby_row.hide()
            return
        can_act = self.room.role != "reviewer"
        if f.emergency_state is not None:
            title = tr("一键应急中 · 观众正在看「{scene}」").format(scene=SCENE_STANDBY)
            detail = tr("麦克风已静音，定时推送已暂停；处理好后点「结束应急」（或再按应急键）")
            button = tr("结束应急")
        else:
            when, why = self._switched or (now, "")
            title = tr("已自动切到「{scene}」· 观众看不到主画面").format(scene=SCENE_STANDBY)
            since = tr("自 {t} 起，已 {d}").format(t=time_of_day(when), d=_duration(now - when))
            if f.awaiting_return:
                then = tr("摄像头已恢复：确认画面正常后，点「切回直播画面」")
            elif f.settings.auto_return:
                then = tr("摄像头恢复后自动切回")
            else:
                then = tr("摄像头恢复后，由你确认切回")
            cause = tr("原因：摄像头{what}").format(what=problem_text(why)) if why else ""
            detail = " · ".join(p for p in (cause, since, then) if p)
            button = tr("切回直播画面")
        self.standby_row.show_text(title, detail)
        self.standby_row.set_button(button if can_act else None)

    def _alarm(self) -> None:
        self.alarms += 1
        if self.settings.link_alarm_sound:
            QApplication.beep()


class StaleVeil(QWidget):
    """A grey veil over a panel whose figures are old, with 「数据已停止」 in its middle.

    A child of the panel that follows its size; clicks and the wheel pass through to the panel."""

    def __init__(self, panel: QWidget) -> None:
        super().__init__(panel)
        self.panel = panel
        self.setObjectName("staleVeil")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet("#staleVeil { background: rgba(238, 238, 238, 200); }")
        self.label = QLabel(tr("数据已停止"), self)
        self.label.setObjectName("staleVeilText")
        self.label.setStyleSheet(
            f"color: white; background: {theme.MUTED}; font-size: 14pt; font-weight: 700;"
            " padding: 6px 16px; border-radius: 4px;"
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.label, 0, Qt.AlignmentFlag.AlignCenter)
        panel.installEventFilter(self)
        self.setGeometry(panel.rect())
        self.hide()

    def set_stale(self, stale: bool) -> None:
        if stale:
            self.setGeometry(self.panel.rect())
            self.raise_()
        self.setVisible(stale)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and watched is self.panel:
            self.setGeometry(self.panel.rect())
        return False
