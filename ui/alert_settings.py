"""提醒与评分设置: every live alert threshold (settings ``alerts``, app/live/alerts.py), the
replay score's weights and targets (settings ``review``, app/session/score.py) and the failover's
thresholds (settings ``failover``, app/obs/failover.py: tab 故障切换) on one page.

Reached from 视图 → 提醒与评分设置…. Each value is a spin box within the schema's range; on 保存
the page checks what single ranges cannot (app/live/alerts.py ``problems``: a baseline longer
than its window, spans within the 15 minutes of live history; a score weight above 0) and refuses
with the reasons in plain text, keeping the dialog open. Accepted values replace the settings'
sections and are written to the settings file; the metrics dock reads them at its next sample and
the sessions list at its next refresh, the failover at once (``on_failover``) — no restart.
The failover's check period must be shorter than its window (else a problem would be judged on
one sample).

复盘评分 is the team's when the console's room is on a platform that keeps the team's settings
(``team_settings``, app/live/room.py ``team_review``): the tab says so and shows the team's
values; 保存 by the host or the assistant saves the other tabs here and, when the score's values
were changed on the page (never otherwise: saving thresholds publishes nothing), saves them on the
platform over the version the page was filled from (a teammate's save meanwhile is never
replaced unseen), and closes once the platform took them. A refusal
(a reviewer's 403, a teammate's save in between: 409, the platform away) is said on the page
through the notifier (ui/notify.py), the page stays open with the edit as it was; after a 409 the
next 保存 replaces the teammate's values knowingly. A teammate's save while the page is open is
shown at once: an untouched tab takes the new values (and says so); an edited one keeps the edit
and says that 保存 will replace the teammate's values (the 409 is then only for a save already on
its way). A reviewer sees the team's values read-only,
with why. On a platform without the capability (and with no room) the tab is this console's own
``review`` section, as before, and says why it is local only. The local section is also the cache
of the team's values (app/live/team_review.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import shiboken6
from pydantic import BaseModel, ValidationError
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.i18n import tr_noop
from app.live.alerts import problems
from app.live.room import TEAM_REVIEW, LiveRoom
from app.platform.capabilities import Capability
from app.platform.errors import PlatformError, StaleVersionError
from app.settings import AlertSettings, FailoverSettings, ReviewSettings, Settings
from ui import theme
from ui.i18n import tr
from ui.notify import MessageLabel, Notifier, OneAtATime


@dataclass(frozen=True)
class Row:
    name: str  # the settings field
    label: str  # Chinese source text
    suffix: str = ""  # Chinese source text (a unit)
    decimals: int = 0  # 0: a whole number
    scale: float = 1.0  # shown = stored ÷ scale (cents shown as yuan)


ALERT_ROWS = (
    Row("online_drop_percent", tr_noop("在线人数下降超过"), "%"),
    Row("online_window_s", tr_noop("在线人数对比窗口"), tr_noop(" 秒")),
    Row("online_min_peak", tr_noop("在线人数峰值至少"), tr_noop(" 人")),
    Row("stock_threshold", tr_noop("库存告急阈值"), tr_noop(" 件")),
    Row("comment_below_percent", tr_noop("评论速度低于均值的"), "%"),
    Row("comment_window_s", tr_noop("评论速度当前窗口"), tr_noop(" 秒")),
    Row("comment_baseline_s", tr_noop("评论速度均值时长"), tr_noop(" 秒")),
    Row("comment_min_history_s", tr_noop("评论热度至少需要历史"), tr_noop(" 秒")),
    Row("comment_min_rate", tr_noop("评论均值至少"), tr_noop(" 条/分"), 1),
    Row("frames_dropped_percent", tr_noop("推流丢帧超过"), "%", 1),
    Row("interaction_drop_percent", tr_noop("互动率下降超过"), "%"),
    Row("interaction_baseline_minutes", tr_noop("互动率对比前"), tr_noop(" 分钟")),
    Row("interaction_window_s", tr_noop("互动率当前窗口"), tr_noop(" 秒")),
    Row("interaction_min_online", tr_noop("互动率平均在线至少"), tr_noop(" 人")),
)
REVIEW_ROWS = (
    Row("weight_gmv", tr_noop("成交额权重")),
    Row("weight_conversion", tr_noop("转化率权重")),
    Row("weight_interaction", tr_noop("互动率权重")),
    Row("min_history", tr_noop("按历史计分至少需要"), tr_noop(" 场")),
    Row("target_gmv_cents", tr_noop("成交额目标"), tr_noop(" 元"), 2, 100.0),
    Row("target_conversion_percent", tr_noop("转化率目标"), "%", 2),
    Row("target_interaction", tr_noop("互动率目标"), tr_noop(" 次/人/分"), 2),
)
FAILOVER_ROWS = (
    Row("window_s", tr_noop("摄像头异常多久切备用画面"), tr_noop(" 秒"), 1),
    Row("checks_per_second", tr_noop("每秒检查摄像头"), tr_noop(" 次"), 1),
    Row("recover_s", tr_noop("摄像头正常多久算恢复"), tr_noop(" 秒"), 1),
    Row("mic_window_s", tr_noop("麦克风静音或无声多久告警"), tr_noop(" 秒"), 1),
    Row("mic_silence_db", tr_noop("低于此音量算无声"), " dBFS", 0),
)
BASIS = {"auto": tr_noop("历史足够时对比历史，否则按目标"), "targets": tr_noop("始终按目标")}


def _bounds(model: type[BaseModel], name: str) -> tuple[float, float]:
    """The field's range from the schema (ge/gt, le)."""
    lo, hi = 0.0, 1e12
    for m in model.model_fields[name].metadata:
        lo = float(getattr(m, "ge", getattr(m, "gt", lo)) or lo)
        hi = float(getattr(m, "le", hi) or hi)
    return lo, hi


def _show(box: QSpinBox | QDoubleSpinBox, row: Row, value: float) -> None:
    """A stored value in its box (shown = stored ÷ the row's scale; whole numbers as such)."""
    if isinstance(box, QDoubleSpinBox):
        box.setValue(value / row.scale)
    else:
        box.setValue(int(value))


def _teammate_saved(version: object) -> str:
    """What the page says when a teammate saved over the version it was filled from (seen while
    editing, or as a 409 on 保存): the edit stays, the next 保存 replaces theirs knowingly."""
    return tr(
        "队友刚保存了新的团队评分设置（第 {v} 版）。你的修改仍在页面上："
        "保存将覆盖队友的设置，取消则使用队友的设置"
    ).format(v=version)


class AlertSettingsDialog(QDialog):
    def __init__(
        self,
        settings: Settings,
        save: Callable[[], None],
        parent: QWidget | None = None,
        on_failover: Callable[[FailoverSettings], None] | None = None,
        room: LiveRoom | None = None,
    ) -> None:
        """``room``: the console's room; on a platform with ``team_settings`` the 复盘评分 tab
        is the team's (None: this console's own, e.g. without a platform)."""
        super().__init__(parent)
        self.on_failover = on_failover
        self.room = room
        #: the score's settings are the team's (kept by the platform)
        self.team = room is not None and room.can(Capability.TEAM_SETTINGS)
        #: … and this console may change them (not a reviewer)
        self.team_editable = self.team and room is not None and room.can_act
        #: the team's version the page was filled from: a save replaces that one only
        self.team_version = room.team_review_version if room is not None and self.team else 0
        self.setObjectName("alertSettingsDialog")
        self.setWindowTitle(tr("提醒与评分设置"))
        self.settings = settings
        self.save = save
        self.boxes: dict[str, QSpinBox | QDoubleSpinBox] = {}
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self._page(AlertSettings, settings.alerts, ALERT_ROWS), tr("提醒阈值"))
        shown = self.team_values() or settings.review
        #: the score's values the page was filled with: unchanged, nothing goes to the team
        #: (saving only the thresholds never publishes this console's own score settings)
        self.shown_review = shown
        review_page = self._page(ReviewSettings, shown, REVIEW_ROWS)
        self.basis = QComboBox(review_page)
        self.basis.setObjectName("field:basis")
        for key, text in BASIS.items():
            self.basis.addItem(tr(text), key)
        self.basis.setCurrentIndex(list(BASIS).index(shown.basis))
        form = review_page.layout()
        assert isinstance(form, QFormLayout)
        form.addRow(tr("计分基准"), self.basis)
        self.review_scope = QLabel(self.scope_text(), review_page)
        self.review_scope.setObjectName("reviewScope")
        self.review_scope.setWordWrap(True)
        self.review_scope.setTextFormat(Qt.TextFormat.PlainText)
        self.review_scope.setStyleSheet(theme.text_style(theme.MUTED))
        form.insertRow(0, self.review_scope)
        if self.team and not self.team_editable:
            for row in REVIEW_ROWS:
                self.boxes[row.name].setEnabled(False)
            self.basis.setEnabled(False)
        self.tabs.addTab(review_page, tr("复盘评分"))
        self.tabs.addTab(self._failover_page(settings.failover), tr("故障切换"))
        hint = QLabel(
            tr(
                "互动率 = (评论 + 点赞 + 礼物) ÷ 平均在线 ÷ 分钟。保存后立即生效，无需重启；"
                "评分在场次列表刷新时重新计算。"
            ),
            self,
        )
        hint.setWordWrap(True)
        hint.setTextFormat(Qt.TextFormat.PlainText)
        hint.setStyleSheet(theme.text_style(theme.MUTED))
        self.error = QLabel(self)
        self.error.setObjectName("alertSettingsError")
        self.error.setWordWrap(True)
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setStyleSheet(theme.text_style(theme.DANGER, bold=True))
        self.error.hide()
        buttons = QDialogButtonBox(self)
        self.save_button = buttons.addButton(tr("保存"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.apply)
        buttons.rejected.connect(self.reject)
        #: how the team save went (ui/notify.py: the one way to tell the operator)
        self.notifier = Notifier(self)
        self.message = MessageLabel(self.notifier, self)
        self.message.setObjectName("alertSettingsMessage")
        self.saving = OneAtATime(self.notifier, self.save_button)
        self.saving.on_done = self._saved_or_refused
        lay = QVBoxLayout(self)
        lay.addWidget(self.tabs, 1)
        lay.addWidget(hint)
        lay.addWidget(self.error)
        lay.addWidget(self.message)
        lay.addWidget(buttons)
        if self.team and room is not None:  # a teammate's save while the page is open
            unsubscribe = room.subscribe(self._team_changed)
            self.destroyed.connect(lambda *_: unsubscribe())
            self.finished.connect(lambda *_: unsubscribe())

    def _team_changed(self, changes: frozenset[str]) -> None:
        """A teammate saved the team's score settings while this page is open: an untouched tab
        shows the new values at once; an edited one keeps the edit, and the page says that 保存
        will replace the teammate's values (the version it replaces is now theirs)."""
        room = self.room
        if TEAM_REVIEW not in changes or room is None or not shiboken6.isValid(self):
            return
        team = room.team_review
        version = room.team_review_version
        if team is None or version <= self.team_version:
            return
        _, review, _ = self.check()
        self.team_version = version
        if review == team:  # this page's own save coming back (or the same values): nothing new
            self.shown_review = team
            return
        if review != self.shown_review and self.team_editable:
            self.notifier.warning(_teammate_saved(version))
            return
        self._fill_review(team)
        self.shown_review = team
        self.review_scope.setText(self.scope_text())
        self.notifier.info(
            tr("队友更新了团队评分设置（第 {v} 版），页面已显示最新设置").format(v=version)
        )

    def _fill_review(self, review: ReviewSettings) -> None:
        for row in REVIEW_ROWS:
            _show(self.boxes[row.name], row, float(getattr(review, row.name)))
        self.basis.setCurrentIndex(list(BASIS).index(review.basis))

    def team_values(self) -> ReviewSettings | None:
        """The team's values the room holds (None: not the team's, or never saved yet)."""
        return self.room.team_review if self.team and self.room is not None else None

    def scope_text(self) -> str:
        """Whose settings the 复盘评分 tab shows, and why it is read-only or local only."""
        room = self.room
        if room is None:
            return tr("本机设置：只用于这台电脑上的复盘评分")
        if not self.team:
            return room.why_not(Capability.TEAM_SETTINGS) or ""
        text = tr("团队共享：主播、场控和复盘员使用同一套评分设置")
        if not self.team_editable:
            text += "\n" + tr("复盘员只能查看团队评分设置，由主播或场控修改")
        elif room.team_review is None:
            text += "\n" + tr("团队尚未保存评分设置：现在显示的是本机设置，保存后全队共用")
        return text

    def _page(self, model: type[BaseModel], current: BaseModel, rows: tuple[Row, ...]) -> QWidget:
        page = QWidget(self)
        form = QFormLayout(page)
        for row in rows:
            lo, hi = _bounds(model, row.name)
            value = float(getattr(current, row.name))
            box: QSpinBox | QDoubleSpinBox
            if row.decimals or row.scale != 1.0:
                box = QDoubleSpinBox(page)
                box.setDecimals(row.decimals)
                box.setRange(lo / row.scale, hi / row.scale)
            else:
                box = QSpinBox(page)
                box.setRange(int(lo), int(min(hi, 2**31 - 1)))
            _show(box, row, value)
            box.setObjectName(f"field:{row.name}")
            box.setSuffix(tr(row.suffix) if not row.suffix.isascii() else row.suffix)
            box.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.UpDownArrows)
            box.setKeyboardTracking(False)
            self.boxes[row.name] = box
            form.addRow(tr(row.label), box)
        return page

    def _failover_page(self, current: FailoverSettings) -> QWidget:
        page = self._page(FailoverSettings, current, FAILOVER_ROWS)
        form = page.layout()
        assert isinstance(form, QFormLayout)
        self.failover_enabled = QCheckBox(tr("直播时监看摄像头和麦克风"), page)
        self.failover_enabled.setObjectName("field:enabled")
        self.failover_enabled.setChecked(current.enabled)
        form.insertRow(0, tr("自动故障切换"), self.failover_enabled)
        self.auto_return = QCheckBox(tr("摄像头恢复后自动切回直播画面"), page)
        self.auto_return.setObjectName("field:auto_return")
        self.auto_return.setChecked(current.auto_return)
        form.insertRow(3, tr("自动切回"), self.auto_return)
        self.mic_input = QLineEdit(current.mic_input, page)
        self.mic_input.setObjectName("field:mic_input")
        self.mic_input.setPlaceholderText(tr("留空：OBS 的麦克风/辅助音频"))
        form.insertRow(5, tr("麦克风输入源"), self.mic_input)
        return page

    def values(self, rows: tuple[Row, ...]) -> dict[str, object]:
        out: dict[str, object] = {}
        for row in rows:
            v = self.boxes[row.name].value()
            if row.scale != 1.0:
                out[row.name] = round(v * row.scale)
            elif row.decimals:
                out[row.name] = float(v)
            else:
                out[row.name] = int(v)
        return out

    def check_failover(self) -> tuple[FailoverSettings | None, list[str]]:
        values = {
            **self.values(FAILOVER_ROWS),
            "enabled": self.failover_enabled.isChecked(),
            "auto_return": self.auto_return.isChecked(),
            "mic_input": self.mic_input.text().strip(),
        }
        try:
            failover = FailoverSettings.model_validate(values)
        except ValidationError as exc:
            return None, [tr("故障切换设置无效：{e}").format(e=exc.errors()[0]["msg"])]
        if 1.0 / failover.checks_per_second >= failover.window_s:
            return None, [
                tr("故障切换：检查间隔（{p:g} 秒）须短于切换判定时长（{w:g} 秒）").format(
                    p=round(1.0 / failover.checks_per_second, 2), w=failover.window_s
                )
            ]
        return failover, []

    def check(self) -> tuple[AlertSettings | None, ReviewSettings | None, list[str]]:
        """The values as settings, or the reasons they are refused (the UI language)."""
        reasons: list[str] = []
        alerts = review = None
        try:
            alerts = AlertSettings.model_validate(self.values(ALERT_ROWS))
            reasons.extend(problems(alerts))
        except ValidationError as exc:
            reasons.append(tr("提醒阈值无效：{e}").format(e=exc.errors()[0]["msg"]))
        values = self.values(REVIEW_ROWS)
        if not any(values[k] for k in ("weight_gmv", "weight_conversion", "weight_interaction")):
            reasons.append(tr("评分权重至少有一项大于 0"))
        else:
            try:
                review = ReviewSettings.model_validate(
                    {**values, "basis": self.basis.currentData()}
                )
            except ValidationError as exc:
                reasons.append(tr("评分设置无效：{e}").format(e=exc.errors()[0]["msg"]))
        return alerts, review, reasons

    def apply(self) -> None:
        """保存: refuse with the reasons, or replace both sections, write the file and close."""
        alerts, review, reasons = self.check()
        failover, more = self.check_failover()
        reasons += more
        if reasons or alerts is None or review is None or failover is None:
            self.error.setText(tr("未保存：") + "；".join(reasons))
            self.error.show()
            return
        self.settings.alerts = alerts
        self.settings.failover = failover
        if not self.team:
            self.settings.review = review
        self.save()
        if self.on_failover is not None:
            self.on_failover(failover)
        if not self.team_editable or review == self.shown_review:
            self.accept()  # nothing of the team's to save (a reviewer: read-only)
            return
        self.error.hide()
        self.saving.run(tr("保存团队评分设置"), self._save_team(review))

    def _saved_or_refused(self) -> None:
        """The team save ended: 保存 works again (the page, if still open, keeps the edit)."""
        if shiboken6.isValid(self.save_button):
            self.save_button.setEnabled(True)

    async def _save_team(self, review: ReviewSettings) -> None:
        """Save ``review`` as the team's; close once the platform took it. A failure raises
        (the notifier says it on the page, which stays open with the edit)."""
        assert self.room is not None
        try:
            await self.room.save_team_review(review, self.team_version)
        except StaleVersionError as exc:
            current = getattr(exc.current, "version", None)
            if isinstance(current, int):
                self.team_version = current  # the next 保存 replaces it knowingly
            raise PlatformError(
                exc.code,
                _teammate_saved(current if current is not None else "?"),
                status=exc.status,
            ) from None
        self.settings.review = review  # the cache, before the platform's event comes back
        self.save()
        if shiboken6.isValid(self):
            self.accept()
