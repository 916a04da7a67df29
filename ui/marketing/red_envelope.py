"""Red-envelope rain (红包雨) dock: the total, the number of envelopes, the split (拼手气 with a
minimum, or 平均), start now or in N seconds, the duration and who may grab (everyone, followers,
or a fans level); one click (or Ctrl+Alt+R) starts it on the platform.

While a rain is scheduled or on, the card above the form shows the countdown (to its start, then
to its end), 已抢 n / N with the money grabbed and left, 手气最佳 and the latest grabbers, all
from the platform's events (``red_envelope_*``: every console shows the same), and 结束红包雨
ends it early. Ended rains are listed below with what was grabbed and the leftover the platform
reported (退回). The title goes on stream: it is checked by the compliance rules before it is
pushed. Money is in cents; nothing here computes a split (the platform does, exactly)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.format import countdown, money
from app.live.room import RED_ENVELOPES, LiveRoom
from app.platform import models as m
from ui import theme
from ui.i18n import tr
from ui.lifetime import unsubscribe_on_destroy
from ui.marketing.common import (
    GROUP,
    cents_of,
    compliance_problems,
    confirm_compliance,
    money_spin,
    row_list,
)
from ui.notify import Notifier, OneAtATime
from ui.shortcuts import ActionSpec

if TYPE_CHECKING:
    from ui.context import ConsoleContext

TITLE_MAX = 40
GRABBERS_SHOWN = 5


def rain_label(rain: m.RedEnvelopeRain, currency: str = m.DEFAULT_CURRENCY) -> str:
    """「感谢家人们 · ¥88.88 × 100 个」 (the title when there is one)."""
    amount = tr("{total} × {n} 个").format(total=money(rain.total_cents, currency), n=rain.count)
    return f"{rain.title} · {amount}" if rain.title else amount


def eligibility_text(rain: m.RedEnvelopeRain) -> str:
    if rain.eligibility == "followers":
        return tr("仅关注主播的观众")
    if rain.eligibility == "fans":
        return tr("粉丝团 {n} 级及以上").format(n=rain.min_fan_level)
    return tr("所有观众")


class RainCard(QFrame):
    """The rain that is on (or the next scheduled one): countdown, grabbed / left, best, latest."""

    def __init__(self, panel: RedEnvelopePanel) -> None:
        super().__init__(panel)
        self.setObjectName("rainCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.panel = panel
        self.rain: m.RedEnvelopeRain | None = None
        self.title = QLabel(self)
        self.title.setObjectName("rainTitle")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setStyleSheet("font-weight: 600;")
        self.state = QLabel(self)
        self.state.setObjectName("rainState")
        self.state.setTextFormat(Qt.TextFormat.PlainText)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("rainProgress")
        self.progress.setFormat(tr("已抢 %v / %m 个"))
        self.money = QLabel(self)
        self.money.setObjectName("rainMoney")
        self.money.setTextFormat(Qt.TextFormat.PlainText)
        self.best = QLabel(self)
        self.best.setObjectName("rainBest")
        self.best.setTextFormat(Qt.TextFormat.PlainText)
        self.grabbers = QLabel(self)
        self.grabbers.setObjectName("rainGrabbers")
        self.grabbers.setTextFormat(Qt.TextFormat.PlainText)
        self.grabbers.setWordWrap(True)
        self.grabbers.setStyleSheet(theme.text_style(theme.SECONDARY))
        self.end_button = QPushButton(tr("结束红包雨"), self)
        self.end_button.setObjectName("endRain")
        self.end_button.clicked.connect(panel.end)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 4)
        lay.addWidget(self.title)
        lay.addWidget(self.state)
        lay.addWidget(self.progress)
        lay.addWidget(self.money)
        lay.addWidget(self.best)
        lay.addWidget(self.grabbers)
        lay.addWidget(self.end_button)

    def show_rain(self, rain: m.RedEnvelopeRain, grabs: list[m.RedEnvelopeGrab]) -> None:
        self.rain = rain
        cur = self.panel.room.gift_currency
        self.title.setText(f"{rain_label(rain, cur)} · {eligibility_text(rain)}")
        self.progress.setRange(0, rain.count)
        self.progress.setValue(min(rain.grabbed, rain.count))
        self.money.setText(
            tr("已抢 {grabbed} · 剩余 {left}").format(
                grabbed=money(rain.grabbed_cents, cur), left=money(rain.remaining_cents, cur)
            )
        )
        best = rain.best
        self.best.setText(
            tr("手气最佳：{name} {amount}").format(
                name=best.nickname, amount=money(best.amount_cents, cur)
            )
            if best
            else ""
        )
        self.best.setVisible(best is not None)
        latest = [g for g in grabs if g.red_envelope_id == rain.id][-GRABBERS_SHOWN:]
        self.grabbers.setText(
            tr("最新：{list}").format(
                list="、".join(
                    f"{g.nickname} {money(g.amount_cents, cur)}" for g in reversed(latest)
                )
            )
            if latest
            else ""
        )
        self.grabbers.setVisible(bool(latest))
        self.state.setStyleSheet(
            theme.text_style(theme.WARNING_STRONG, bold=True) if rain.status == "scheduled" else ""
        )
        self.tick()

    def tick(self) -> None:
        rain = self.rain
        if rain is None:
            return
        now = time.time()
        if rain.status == "scheduled":
            text = tr("待开始 · {t} 后开始").format(t=countdown(rain.starts_ts - now))
        else:
            text = tr("进行中 · 还剩 {t}").format(t=countdown(rain.ends_ts - now))
        self.state.setText(text)


class EndedRainRow(QLabel):
    def __init__(self, rain: m.RedEnvelopeRain, parent: QWidget, currency: str) -> None:
        super().__init__(parent)
        self.currency = currency
        self.setObjectName(f"rain:{rain.id}")
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        self.show_rain(rain)

    def show_rain(self, rain: m.RedEnvelopeRain) -> None:
        self.rain = rain
        left = rain.leftover_cents if rain.leftover_cents is not None else rain.remaining_cents
        self.setText(
            tr("{label} · 已抢 {n} 个 {grabbed} · 退回 {left}").format(
                label=rain_label(rain, self.currency),
                n=rain.grabbed,
                grabbed=money(rain.grabbed_cents, self.currency),
                left=money(left, self.currency),
            )
            + (tr(" · 已抢光") if rain.end_reason == "all_grabbed" else "")
        )


class RedEnvelopePanel(QWidget):
    def __init__(self, room: LiveRoom, notifier: Notifier, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.room = room
        self.notifier = notifier
        self.card = RainCard(self)
        self.card.hide()
        self.title = QLineEdit(self)
        self.title.setObjectName("rainTitleEdit")
        self.title.setMaxLength(TITLE_MAX)
        self.title.setPlaceholderText(tr("可选，显示在直播画面上"))
        self.total = money_spin(self, 8888, room.gift_currency, maximum_units=100_000.0)
        self.total.setObjectName("rainTotal")
        self.count = QSpinBox(self)
        self.count.setObjectName("rainCount")
        self.count.setRange(1, 10_000)
        self.count.setValue(100)
        self.split = QComboBox(self)
        self.split.setObjectName("rainSplit")
        self.split.addItem(tr("拼手气（随机）"), "random")
        self.split.addItem(tr("平均分配"), "equal")
        self.minimum = money_spin(self, 1, room.gift_currency, maximum_units=10_000.0)
        self.minimum.setObjectName("rainMinimum")
        self.minimum.setMinimum(0.01)
        self.starts_in = QSpinBox(self)
        self.starts_in.setObjectName("rainStartsIn")
        self.starts_in.setRange(0, 86_400)
        self.starts_in.setSuffix(tr(" 秒"))
        self.starts_in.setSpecialValueText(tr("立即"))
        self.duration = QSpinBox(self)
        self.duration.setObjectName("rainDuration")
        self.duration.setRange(1, 3600)
        self.duration.setValue(30)
        self.duration.setSuffix(tr(" 秒"))
        self.eligibility = QComboBox(self)
        self.eligibility.setObjectName("rainEligibility")
        self.eligibility.addItem(tr("所有观众"), "all")
        self.eligibility.addItem(tr("仅关注主播的观众"), "followers")
        self.eligibility.addItem(tr("粉丝团等级"), "fans")
        self.fan_level = QSpinBox(self)
        self.fan_level.setObjectName("rainFanLevel")
        self.fan_level.setRange(1, 100)
        self.fan_level.setValue(3)
        self.fan_level.setPrefix(tr("≥ 等级 "))
        who = QHBoxLayout()
        who.setContentsMargins(0, 0, 0, 0)
        who.addWidget(self.eligibility, 1)
        who.addWidget(self.fan_level)
        form = QFormLayout()
        form.addRow(tr("标题"), self.title)
        form.addRow(tr("总金额"), self.total)
        form.addRow(tr("红包个数"), self.count)
        form.addRow(tr("分配方式"), self.split)
        form.addRow(tr("每个最少"), self.minimum)
        form.addRow(tr("开始于"), self.starts_in)
        form.addRow(tr("持续"), self.duration)
        form.addRow(tr("领取条件"), who)
        self.per_envelope = QLabel(self)
        self.per_envelope.setObjectName("rainPerEnvelope")
        self.per_envelope.setTextFormat(Qt.TextFormat.PlainText)
        self.per_envelope.setStyleSheet(theme.text_style(theme.SECONDARY))
        self.problem_label = QLabel(self)
        self.problem_label.setObjectName("rainProblem")
        self.problem_label.setTextFormat(Qt.TextFormat.PlainText)
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet(theme.text_style(theme.DANGER))
        self.start_button = QPushButton(tr("发红包雨"), self)
        self.start_button.setObjectName("startRain")
        self.start_button.setStyleSheet("font-weight: 600;")
        self.start_button.clicked.connect(self.start)
        self.starting = OneAtATime(notifier, self.start_button)
        self.starting.on_done = self._validate
        self.ending = OneAtATime(notifier, self.card.end_button)
        self.ended_rows: dict[str, EndedRainRow] = {}
        self._list, scroll = row_list(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.card)
        layout.addLayout(form)
        layout.addWidget(self.per_envelope)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.start_button)
        layout.addWidget(scroll, 1)
        self.title.textChanged.connect(lambda _t: self._validate())
        for spin in (self.count, self.starts_in, self.duration, self.fan_level):
            spin.valueChanged.connect(self._validate)
        for amount in (self.total, self.minimum):
            amount.valueChanged.connect(self._validate)
        for combo in (self.split, self.eligibility):
            combo.currentIndexChanged.connect(self._validate)
        self._unsub = room.subscribe(self._changed)
        unsubscribe_on_destroy(self, self._unsub)
        self._clock = QTimer(self)
        self._clock.setInterval(1000)
        self._clock.timeout.connect(self.card.tick)
        self._clock.start()
        self._changed(frozenset({RED_ENVELOPES}))

    # --- the form ----------------------------------------------------------------------------
    def problem(self) -> str:
        total, n, least = cents_of(self.total), self.count.value(), cents_of(self.minimum)
        cur = self.room.gift_currency
        if total <= 0:
            return tr("总金额必须大于 0")
        if least <= 0:
            return tr("每个红包至少 {least}").format(least=money(1, cur))
        if total < n * least:
            return tr("总金额不足：{n} 个红包每个至少 {least}，共需 {need}").format(
                n=n, least=money(least, cur), need=money(n * least, cur)
            )
        if self.title.text().strip() and compliance_problems(self.title.text()):
            return tr("标题含有违规词：{hits}").format(hits=compliance_problems(self.title.text()))
        return ""

    def _validate(self) -> None:
        self.fan_level.setEnabled(self.eligibility.currentData() == "fans")
        self.minimum.setEnabled(self.split.currentData() == "random")
        total, n = cents_of(self.total), self.count.value()
        self.per_envelope.setText(
            tr("平均每个 {avg}").format(avg=money(total // n, self.room.gift_currency))
            if n and total > 0
            else ""
        )
        problem = self.problem()
        self.problem_label.setText(problem)
        self.start_button.setEnabled(
            not problem
            and not self.starting.busy
            and self.room.can_act
            and self.room.active_rain() is None
        )
        if self.room.active_rain() is not None and not problem:
            self.problem_label.setText(tr("一场红包雨进行中，结束后才能再发"))

    def spec(self) -> m.RedEnvelopeSpec:
        split = str(self.split.currentData())
        eligibility = str(self.eligibility.currentData())
        return m.RedEnvelopeSpec(
            title=self.title.text().strip(),
            total_cents=cents_of(self.total),
            count=self.count.value(),
            split=split,  # type: ignore[arg-type]
            min_cents=cents_of(self.minimum) if split == "random" else 1,
            starts_in_seconds=self.starts_in.value(),
            duration_seconds=self.duration.value(),
            eligibility=eligibility,  # type: ignore[arg-type]
            min_fan_level=self.fan_level.value() if eligibility == "fans" else 0,
        )

    def start(self) -> None:
        if self.starting.busy or not self.start_button.isEnabled():
            return
        spec = self.spec()
        if spec.title and not confirm_compliance(self, tr("红包雨标题"), spec.title):
            return
        done = (
            tr("红包雨已安排，{t} 后开始").format(t=countdown(spec.starts_in_seconds))
            if spec.starts_in_seconds
            else tr("红包雨已开始")
        )
        self.starting.run(tr("发红包雨"), self.room.start_red_envelope(spec), done=done)

    def end(self) -> None:
        rain = self.room.active_rain()
        if rain is None or self.ending.busy or not self.room.can_act:
            return
        self.ending.run(
            tr("结束红包雨"), self.room.end_red_envelope(rain.id), done=tr("红包雨已结束")
        )

    # --- what the platform says --------------------------------------------------------------
    def _changed(self, changes: frozenset[str]) -> None:
        cur = self.room.gift_currency
        if self.total.set_currency(cur) | self.minimum.set_currency(cur):
            self._validate()
        if RED_ENVELOPES not in changes:
            return
        rain = self.room.active_rain()
        if rain is None:
            self.card.hide()
        else:
            self.card.show_rain(rain, list(self.room.recent_grabs))
            self.card.end_button.setEnabled(self.room.can_act and not self.ending.busy)
            self.card.show()
        ended = sorted(
            (r for r in self.room.red_envelopes.values() if r.status == "ended"),
            key=lambda r: -r.starts_ts,
        )
        for r in ended:
            row = self.ended_rows.get(r.id)
            if row is None:
                row = self.ended_rows[r.id] = EndedRainRow(r, self, self.room.gift_currency)
            elif row.rain != r:
                row.show_rain(r)
        for i, r in enumerate(ended):
            if self._list.indexOf(self.ended_rows[r.id]) != i:
                self._list.insertWidget(i, self.ended_rows[r.id])
        self._validate()


#: the dock's window-wide key (ui/panels.py lists it: without red envelopes it only says why)
START = ActionSpec("red_envelope.start", "发红包雨", "Ctrl+Alt+R", GROUP)


def make(ctx: ConsoleContext) -> RedEnvelopePanel:
    """The 红包雨 dock (ui/panels.py), with its shortcut."""
    panel = RedEnvelopePanel(ctx.room, ctx.notifier)
    ctx.shortcuts.register(START, panel.start, enabled=ctx.room.can_act)
    return panel
