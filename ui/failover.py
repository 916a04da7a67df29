"""The failover and the emergency key in the main window (app/obs/failover.py does the work).

- 一键应急 (F12 by default, :data:`EMERGENCY`; a red button on the live toolbar): program →
  备用画面, microphone muted, scheduled pushes paused (the explain hold's re-sends; the lottery
  panel's 到点自动开奖). The same key and button then read 结束应急 and restore what was changed.
  While the automatic failover waits for the operator (auto-return off, camera back), they read
  切回直播画面 and switch back.
- The failover is armed while the session is live or OBS streams.
- Each failover event is said through the one notifier (errors for a switch and a microphone
  alert, info for the rest) and, when the alarm sound is on (视图 → 断线提示音), heard as a beep.

Nothing here touches OBS itself; the button's action runs through :class:`ui.notify.OneAtATime`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractButton, QApplication, QCheckBox, QToolBar, QWidget

from app.live.hold import ExplainHold
from app.live.room import SESSION
from app.obs.failover import Failover, FailoverEvent
from ui import theme
from ui.context import ConsoleContext
from ui.i18n import tr
from ui.lifetime import unsubscribe_on_destroy
from ui.notify import OneAtATime
from ui.shortcuts import ActionSpec

EMERGENCY = ActionSpec("obs.emergency", "一键应急", "F12", "直播")
_ALARMING = ("switched", "mic_alert", "recovered", "emergency")


@dataclass
class HoldPause:
    """The explain hold's re-sends, paused by the emergency key (the hold is released and taken
    up again on return, if nothing else was explained meanwhile)."""

    hold: ExplainHold
    product_id: str | None = None

    def pause(self) -> bool:
        self.product_id = self.hold.product_id
        if self.product_id is None:
            return False
        self.hold.release()
        return True

    def resume(self) -> None:
        pid, self.product_id = self.product_id, None
        explaining = self.hold.room.explaining
        if pid is not None and (explaining is None or explaining.product_id == pid):
            self.hold.hold(pid)


@dataclass
class CheckPause:
    """A checkbox that lets a push run by itself (the lottery's 到点自动开奖): unticked while
    paused, without saving that as the operator's preference."""

    box: QCheckBox
    was: bool = field(default=False)

    def pause(self) -> bool:
        self.was = self.box.isChecked()
        if not self.was:
            return False
        self.box.blockSignals(True)
        self.box.setChecked(False)
        self.box.blockSignals(False)
        return True

    def resume(self) -> None:
        self.box.blockSignals(True)
        self.box.setChecked(self.was)
        self.box.blockSignals(False)


class FailoverControls:
    """The emergency action and button, the failover's messages and its arming."""

    def __init__(self, ctx: ConsoleContext, bar: QToolBar, panels: dict[str, QWidget]) -> None:
        self.ctx = ctx
        self.failover: Failover | None = ctx.obs.failover if ctx.obs is not None else None
        self.beeps = 0  # alarms sounded (the sound setting decides whether they are heard)
        self.action: QAction = ctx.shortcuts.register(
            EMERGENCY,
            self.trigger,
            enabled=ctx.room.role != "reviewer",
        )
        bar.addSeparator()
        bar.addAction(self.action)
        button = bar.widgetForAction(self.action)
        button.setObjectName("emergencyKey")
        self.button = button
        self.runner = OneAtATime(
            ctx.notifier, *([button] if isinstance(button, QAbstractButton) else [])
        )
        self.runner.on_done = self.refresh
        if self.failover is None:
            self.action.setToolTip(tr("未启用 OBS 控制：一键应急不可用"))
            return
        failover = self.failover
        failover.add_pausable(HoldPause(ctx.hold))
        lottery = panels.get("lottery")
        box = lottery.findChild(QCheckBox, "lotteryAutoDraw") if lottery is not None else None
        if box is not None:
            failover.add_pausable(CheckPause(box))
        unsubs: list[Callable[[], None]] = [
            failover.subscribe(self._on_event),
            ctx.room.subscribe(lambda changes: self._arm() if SESSION in changes else None),
        ]
        assert ctx.obs is not None
        unsubs.append(ctx.obs.outputs.subscribe(lambda _state: self._arm()))
        unsubscribe_on_destroy(button, *unsubs)
        self._arm()
        self.refresh()

    def _arm(self) -> None:
        assert self.failover is not None and self.ctx.obs is not None
        s = self.ctx.room.session
        live = s is not None and s.status == "live"
        self.failover.arm(live or self.ctx.obs.outputs.state.streaming)

    def trigger(self) -> None:
        f = self.failover
        if f is None:  # OBS control is off: the key says why instead of doing nothing
            self.ctx.notifier.warning(tr("未启用 OBS 控制：一键应急不可用"))
            return
        if f.emergency_state is not None:
            self.runner.run(tr("结束应急"), f.end_emergency())
        elif f.awaiting_return:
            self.runner.run(tr("切回直播画面"), f.go_back())
        else:
            self.runner.run(tr("一键应急"), f.emergency())

    def refresh(self) -> None:
        f = self.failover
        if f is None:  # OBS control is off: the key says why instead of doing nothing
            self.ctx.notifier.warning(tr("未启用 OBS 控制：一键应急不可用"))
            return
        if f.emergency_state is not None:
            text, colour = tr("结束应急"), theme.OK
        elif f.awaiting_return:
            text, colour = tr("切回直播画面"), theme.WARNING_STRONG
        else:
            text, colour = tr("一键应急"), theme.DANGER
        self.action.setText(text)
        self.button.setStyleSheet(theme.text_style(colour, bold=True))

    def _on_event(self, event: FailoverEvent) -> None:
        notifier = self.ctx.notifier
        if event.kind in ("switched", "mic_alert"):
            notifier.error(event.text)
        elif event.kind == "recovered":
            notifier.warning(event.text)
        else:
            notifier.info(event.text)
        if event.kind in _ALARMING:
            self.beeps += 1
            if self.ctx.settings.ui.link_alarm_sound:
                QApplication.beep()
        self.refresh()


def install_failover(
    ctx: ConsoleContext, bar: QToolBar, panels: dict[str, QWidget]
) -> FailoverControls:
    return FailoverControls(ctx, bar, panels)
