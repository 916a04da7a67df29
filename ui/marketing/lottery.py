"""Lottery (福袋/抽奖) dock: prize, keyword, winners, duration, eligibility; then countdown, live
entrants, draw (after the window), winners (plain text), the commitment published at start and
the revealed seed + participants digest, and "verify", which recomputes the draw locally.

A drawn lottery is verified as soon as it shows, against the commitment the console saw at the
lottery's START (not the one sent with the draw); a failed check is red, explicit text in the
panel itself (never only a tooltip), so an operator cannot announce an unfair draw unawares.

到点自动开奖 (on by default, a setting): the host's console — only the host's, so two consoles
never race to draw — draws each lottery once, by itself, when its entry window has closed, and
says so in the status bar. A failed automatic draw is not retried: the 开奖 button stays.

On a platform without lotteries (no ``Capability.PLATFORM_LOTTERIES``) the same panel runs the
console's own lottery among commenters (app/live/console_lottery.py), labelled 中控台抽奖 · 由本机抽取
with the platform's reason and the plain fact that it lives on this console only (a teammate's
console does not see it). Its duration may be 不限时 (drawn by hand, which closes it); a timed one
is drawn automatically by the console that opened it, whatever its role. Everything after the
start — the status, commitment, winners, verification — reads the room's lotteries as for a
platform lottery: one code path.

盲盒 (blind box, on any platform with comments: always the console's own draw): a pool of up to
:data:`POOL_ROWS` prizes with their counts (按数量: each given at most that often) or weights
(按权重); the commitment published at the start covers the seed and the pool
(app/live/blind_box.py), and each winner's prize shows beside their name and is verified with
the winners. A pool smaller than the winners is refused before anything is published.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.format import countdown
from app.live import blind_box
from app.live.console_lottery import ConsoleLotteries
from app.live.lottery_verify import Verification
from app.live.room import LOTTERIES, LiveRoom
from app.platform import models as m
from app.platform.capabilities import Capability
from ui import theme
from ui.i18n import tr
from ui.lifetime import unsubscribe_on_destroy
from ui.marketing.common import GROUP, compliance_problems, confirm_compliance
from ui.notify import Notifier, OneAtATime
from ui.shortcuts import ActionSpec

if TYPE_CHECKING:
    from ui.context import ConsoleContext

ELIGIBILITY = (("all", "所有观众"), ("followers", "仅粉丝"))
POOL_MODES = (("counts", "按数量（送完为止）"), ("weights", "按权重（概率）"))
#: prizes a blind box's pool can list in the panel
POOL_ROWS = 6
#: an automatic draw waits this long past the draw time (the platform refuses a draw at the edge)
AUTO_DRAW_GRACE_S = 0.5


def grouped(hex_text: str | None) -> str:
    """A 64-digit hash in groups of 16 (as fingerprints are shown): it wraps in a narrow dock,
    the first group is what the stream overlay shows, and ``bytes.fromhex`` reads it as is."""
    if not hex_text:
        return ""
    return " ".join(hex_text[i : i + 16] for i in range(0, len(hex_text), 16))


def _mono(label: QLabel) -> QLabel:
    label.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(True)
    return label


class LotteryPanel(QWidget):
    def __init__(
        self,
        room: LiveRoom,
        notifier: Notifier,
        parent: QWidget | None = None,
        *,
        auto_draw: bool = True,
        auto_draw_changed: Callable[[bool], None] = lambda _on: None,
        console: ConsoleLotteries | None = None,
    ) -> None:
        super().__init__(parent)
        self.room = room
        self.notifier = notifier
        #: the console's own lotteries, used when the platform has none (None: the platform's)
        self.console = None if room.can(Capability.PLATFORM_LOTTERIES) else console
        #: the console's own lotteries whatever the platform: blind boxes and quizzes' draws
        self.own = console
        self.mode_note = QLabel(self)
        self.mode_note.setObjectName("lotteryMode")
        self.mode_note.setTextFormat(Qt.TextFormat.PlainText)
        self.mode_note.setWordWrap(True)
        if self.console is not None:
            self.mode_note.setText(
                tr("中控台抽奖 · 由本机抽取")
                + "\n"
                + (room.why_not(Capability.PLATFORM_LOTTERIES) or "")
                + "\n"
                + tr("抽奖只在发起它的这台中控台上：助理等其他中控台看不到（平台无法同步）。")
            )
            self.mode_note.setToolTip(
                tr(
                    "开始时公布承诺值 sha256(种子)，开奖时公布种子与参与者名单，任何人可复算中奖者。"
                )
            )
            self.mode_note.setStyleSheet(theme.text_style(theme.WARNING))
        self.mode_note.setVisible(self.console is not None)
        self.auto_drawn: set[str] = set()  # lotteries this console drew by itself (once each)
        self.auto_draw = QCheckBox(tr("到点自动开奖"), self)
        self.auto_draw.setObjectName("lotteryAutoDraw")
        self.auto_draw.setChecked(auto_draw)
        self.auto_draw.setVisible(room.role == "host" or self.console is not None)
        self.auto_draw.toggled.connect(auto_draw_changed)
        self.prize = QLineEdit(self)
        self.prize.setObjectName("lotteryPrize")
        self.prize.setPlaceholderText(tr("奖品，如 口红一支"))
        self.prize.setMaxLength(60)
        self.keyword = QLineEdit(self)
        self.keyword.setObjectName("lotteryKeyword")
        self.keyword.setPlaceholderText(tr("口令，如 我要福袋"))
        self.keyword.setMaxLength(20)
        self.winners = QSpinBox(self)
        self.winners.setRange(1, 1000)
        self.winners.setValue(3)
        self.duration = QSpinBox(self)
        self.duration.setObjectName("lotteryDuration")
        # 0 (the console's own lottery only): open until drawn by hand
        self.duration.setRange(0 if self.console is not None else 1, 86_400)
        self.duration.setSpecialValueText(tr("不限时（手动开奖）"))
        self.duration.setValue(60)
        self.duration.setSuffix(tr(" 秒"))
        self.eligibility = QComboBox(self)
        for key, label in ELIGIBILITY:
            self.eligibility.addItem(tr(label), key)
        self.compliance = QLabel(self)
        self.compliance.setTextFormat(Qt.TextFormat.PlainText)
        self.compliance.setStyleSheet(theme.text_style(theme.DANGER))
        self.compliance.setWordWrap(True)
        self.compliance.hide()
        self.blind_box = QCheckBox(tr("盲盒：每位中奖者从奖池抽一份奖品（由本机抽取）"), self)
        self.blind_box.setObjectName("lotteryBlindBox")
        self.blind_box.setVisible(console is not None)
        self.pool_box = QGroupBox(tr("奖池"), self)
        self.pool_box.setObjectName("lotteryPool")
        self.pool_mode = QComboBox(self.pool_box)
        self.pool_mode.setObjectName("lotteryPoolMode")
        for key, label in POOL_MODES:
            self.pool_mode.addItem(tr(label), key)
        self.pool_names: list[QLineEdit] = []
        self.pool_counts: list[QSpinBox] = []
        grid = QGridLayout(self.pool_box)
        grid.addWidget(self.pool_mode, 0, 0, 1, 2)
        for i in range(POOL_ROWS):
            name = QLineEdit(self.pool_box)
            name.setObjectName(f"lotteryPoolName{i}")
            name.setMaxLength(60)
            name.setPlaceholderText(tr("奖品 {n}").format(n=i + 1))
            count = QSpinBox(self.pool_box)
            count.setObjectName(f"lotteryPoolCount{i}")
            count.setRange(1, 100_000)
            grid.addWidget(name, i + 1, 0)
            grid.addWidget(count, i + 1, 1)
            self.pool_names.append(name)
            self.pool_counts.append(count)
            name.textChanged.connect(self._validate)
            count.valueChanged.connect(self._validate)
        grid.setColumnStretch(0, 1)
        self.pool_box.setVisible(False)
        self.blind_box.toggled.connect(self._blind_box_toggled)
        form = QFormLayout()
        form.addRow(tr("奖品"), self.prize)
        form.addRow("", self.compliance)
        form.addRow(tr("口令"), self.keyword)
        form.addRow(tr("中奖人数"), self.winners)
        form.addRow(tr("时长"), self.duration)
        form.addRow(tr("参与条件"), self.eligibility)
        self.start_button = QPushButton(tr("发起抽奖"), self)
        self.start_button.setObjectName("startLottery")
        self.start_button.setStyleSheet("font-weight: 600;")
        self.start_button.clicked.connect(self.start)
        self.starting = OneAtATime(notifier, self.start_button)
        self.starting.on_done = self._validate

        # the current lottery
        self.choice = QComboBox(self)
        self.choice.setObjectName("lotteryChoice")
        self.status = QLabel(self)
        self.status.setObjectName("lotteryStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setStyleSheet("font-size: 13pt; font-weight: 600;")
        self.status.setWordWrap(True)  # a long status (English) wraps instead of widening the dock
        self.commitment = _mono(QLabel(self))
        self.commitment.setObjectName("lotteryCommitment")
        self.draw_button = QPushButton(tr("开奖"), self)
        self.draw_button.setObjectName("drawLottery")
        self.draw_button.clicked.connect(self.draw)
        self.drawing = OneAtATime(notifier, self.draw_button)
        self.drawing.on_done = self._show_current
        self.winners_list = QListWidget(self)
        self.winners_list.setObjectName("lotteryWinners")
        self.reveal = _mono(QLabel(self))
        self.reveal.setObjectName("lotteryReveal")
        self.verify_button = QPushButton(tr("验证开奖结果"), self)
        self.verify_button.setObjectName("verifyLottery")
        self.verify_button.clicked.connect(self.verify_current)
        self.verdict = QLabel(self)
        self.verdict.setObjectName("lotteryVerdict")
        self.verdict.setTextFormat(Qt.TextFormat.PlainText)
        self.verdict.setWordWrap(True)
        box = QGroupBox(tr("当前抽奖"), self)
        bl = QVBoxLayout(box)
        for w in (
            self.choice,
            self.status,
            self.auto_draw,
            self.commitment,
            self.draw_button,
            self.winners_list,
            self.reveal,
            self.verify_button,
            self.verdict,
        ):
            bl.addWidget(w)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.mode_note)
        layout.addLayout(form)
        layout.addWidget(self.blind_box)
        layout.addWidget(self.pool_box)
        layout.addWidget(self.start_button)
        layout.addWidget(box, 1)
        self.prize.textChanged.connect(self._validate)
        self.keyword.textChanged.connect(self._validate)
        self.choice.currentIndexChanged.connect(self._show_current)
        self._shown: m.Lottery | None = None
        self._unsub = room.subscribe(self._changed)
        unsubscribe_on_destroy(self, self._unsub)
        self._clock = QTimer(self)
        self._clock.setInterval(500)
        self._clock.timeout.connect(self._tick)
        self._clock.start()
        self._validate()
        self._changed(frozenset({LOTTERIES}))

    # --- starting ----------------------------------------------------------------------------
    def spec(self) -> m.LotterySpec:
        return m.LotterySpec(
            prize=self.prize.text().strip(),
            keyword=self.keyword.text().strip(),
            winners=self.winners.value(),
            duration_seconds=max(1, self.duration.value()),
            eligibility=str(self.eligibility.currentData()),  # type: ignore[arg-type]
        )

    def pool(self) -> m.PrizePool | None:
        """The blind box's pool as filled in (None: not a blind box, or no prize named)."""
        if not self.blind_box.isChecked():
            return None
        prizes = [
            {"name": name.text().strip(), "n": count.value()}
            for name, count in zip(self.pool_names, self.pool_counts, strict=True)
            if name.text().strip()
        ]
        if not prizes:
            return None
        return m.PrizePool.model_validate({"mode": self.pool_mode.currentData(), "prizes": prizes})

    def _blind_box_toggled(self, on: bool) -> None:
        self.pool_box.setVisible(on)
        # a blind box is always drawn here: 不限时 is offered as for the console's own lottery
        self.duration.setMinimum(0 if (self.console is not None or on) else 1)
        self.start_button.setText(tr("发起盲盒") if on else tr("发起抽奖"))
        self._validate()

    def problem(self) -> str:
        if not self.prize.text().strip():
            return tr("请填写奖品")
        if not self.keyword.text().strip():
            return tr("请填写口令")
        if self.blind_box.isChecked():
            pool = self.pool()
            if pool is None:
                return tr("请在奖池里填写至少一份奖品")
            problem = blind_box.pool_problem(pool, self.winners.value())
            if problem:
                return problem
        return ""

    def _texts(self) -> list[str]:
        """The operator's text that goes on stream: the prize and, for a blind box, the pool."""
        pool = [n.text() for n in self.pool_names] if self.blind_box.isChecked() else []
        return [self.prize.text(), *pool]

    def _validate(self) -> None:
        problems = "；".join(p for p in (compliance_problems(t) for t in self._texts()) if p)
        self.compliance.setText(tr("合规提示：") + problems if problems else "")
        self.compliance.setVisible(bool(problems))
        self.start_button.setToolTip(self.problem())
        self.start_button.setEnabled(
            not self.problem() and not self.starting.busy and self.room.can_act
        )

    def start(self) -> None:
        if self.starting.busy or self.problem() or not self.room.can_act:
            return
        spec = self.spec()
        if not all(confirm_compliance(self, tr("奖品"), t) for t in self._texts() if t.strip()):
            return
        pool = self.pool()
        if pool is not None and self.own is not None:
            own = self.own
            manual = self.duration.value() == 0
            coro = _now(own.open, spec, manual=manual, pool=pool)
            self.starting.run(tr("发起盲盒"), coro, done=tr("盲盒抽奖已开始"))
            return
        if self.console is not None:
            coro = _now(self.console.open, spec, manual=self.duration.value() == 0)
        else:
            coro = self.room.start_lottery(spec)
        self.starting.run(tr("发起抽奖"), coro, done=tr("抽奖已开始"))

    def _draw_call(self, lot: m.Lottery) -> Coroutine[Any, Any, m.Lottery]:
        if lot.origin == "console" and self.own is not None:
            return _now(self.own.draw, lot.id)
        return self.room.draw_lottery(lot.id)

    def _manual(self, lot: m.Lottery) -> bool:
        """A console lottery open until drawn: the operator may draw it at any time."""
        return self.own is not None and self.own.manual(lot.id)

    # --- the current lottery -----------------------------------------------------------------
    def current(self) -> m.Lottery | None:
        lid = self.choice.currentData()
        return self.room.lotteries.get(str(lid)) if lid is not None else None

    def _changed(self, changes: frozenset[str]) -> None:
        if LOTTERIES not in changes:
            return
        lots = sorted(self.room.lotteries.values(), key=lambda lo: -lo.starts_ts)
        ids = [lo.id for lo in lots]
        have = [self.choice.itemData(i) for i in range(self.choice.count())]
        if ids != have:
            newest_added = bool(ids) and ids[0] not in have
            keep = self.choice.currentData()
            self.choice.blockSignals(True)
            self.choice.clear()
            for lo in lots:
                self.choice.addItem(choice_label(lo), lo.id)
            i = 0 if newest_added or keep is None else max(0, self.choice.findData(keep))
            self.choice.setCurrentIndex(i)
            self.choice.blockSignals(False)
        self._show_current()

    def _show_current(self, *_: object) -> None:
        lot = self.current()
        changed = lot != self._shown
        self._shown = lot
        if lot is None:
            self.status.setText(tr("还没有抽奖"))
            for w in (self.commitment, self.reveal, self.verdict):
                w.setText("")
            self.winners_list.clear()
            self.draw_button.setEnabled(False)
            self.verify_button.setEnabled(False)
            return
        start = self.room.lottery_commitments.get(lot.id)
        label = (
            tr("开始时的承诺值 sha256(seed + 奖池)：{c}")
            if lot.pool is not None
            else tr("开始时的承诺值 sha256(seed)：{c}")
        )
        text = label.format(c=grouped(start) if start else tr("（未见到）"))
        if lot.pool is not None:  # a blind box: what the commitment covers besides the seed
            text += "\n" + pool_text(lot.pool)
        if start is not None and lot.commitment.lower() != start.lower():
            text += "\n" + tr("开奖时附带的承诺值（与开始时不同）：{c}").format(
                c=grouped(lot.commitment)
            )
        self.commitment.setText(text)
        if changed:
            self.winners_list.clear()
            self.verdict.setText("")
            if lot.status == "drawn":
                # a blind box: each winner with their prize; item text is plain text
                self.winners_list.addItems(blind_box.winner_lines(lot))
                self.reveal.setText(
                    tr("种子：{seed}\n参与者摘要：{digest}\n参与人数：{n}").format(
                        seed=grouped(lot.seed),
                        digest=grouped(lot.participants_digest),
                        n=len(lot.participant_ids or []),
                    )
                )
                self.verify_current()  # at once: a failed check must not wait for a click
            else:
                self.reveal.setText("")
        self._tick()

    def _auto_draw_due(self) -> None:
        """Draw, once each, the lotteries whose entry window has closed (host console only)."""
        room = self.room
        if not self.auto_draw.isChecked() or self.drawing.busy:
            return
        # the platform's lotteries: the host's console only (two consoles never race to draw);
        # the console's own: the console that opened it, which alone holds the seed
        platform_ok = room.role == "host" and room.online and self.console is None
        now = time.time()
        for lot in room.lotteries.values():
            if lot.status == "drawn" or lot.id in self.auto_drawn or self._manual(lot):
                continue
            mine = self.own is not None and self.own.is_open(lot.id)
            if not (mine or platform_ok) or now < lot.ends_ts + AUTO_DRAW_GRACE_S:
                continue
            self.auto_drawn.add(lot.id)
            self.notifier.info(tr("福袋「{prize}」到点，自动开奖").format(prize=lot.prize))
            self.drawing.run(tr("自动开奖"), self._draw_call(lot), done=tr("已自动开奖"))
            return

    def _tick(self) -> None:
        self._auto_draw_due()
        lot = self._shown
        if lot is None:
            return
        left = lot.ends_ts - time.time()
        if lot.status == "drawn":
            text = tr("已开奖 · 参与 {n} 人 · 中奖 {w} 人").format(
                n=lot.entrants, w=len(lot.winner_ids or [])
            )
        elif self._manual(lot):
            text = tr("进行中 · 参与 {n} 人 · 不限时，随时可开奖").format(n=lot.entrants)
            left = 0.0
        elif left > 0:
            text = tr("进行中 · 参与 {n} 人 · 还剩 {t}").format(n=lot.entrants, t=countdown(left))
        else:
            text = tr("已截止 · 参与 {n} 人 · 可以开奖").format(n=lot.entrants)
        self.status.setText(text)
        self.draw_button.setEnabled(
            lot.status != "drawn" and left <= 0 and not self.drawing.busy and self.room.can_act
        )
        self.verify_button.setEnabled(lot.status == "drawn")

    def draw(self) -> None:
        lot = self.current()
        if lot is None or lot.status == "drawn":
            return
        if time.time() < lot.ends_ts and not self._manual(lot):
            return
        self.drawing.run(tr("开奖"), self._draw_call(lot), done=tr("已开奖"))

    def verify_current(self) -> Verification | None:
        lot = self.current()
        if lot is None:
            return None
        v = self.room.verify_lottery(lot.id)
        if v is None:
            return None
        self.verdict.setText(verdict_text(v))
        if v.drawn:
            self.verdict.setStyleSheet(FAILED_STYLE if v.failed else PASSED_STYLE)
        else:
            self.verdict.setStyleSheet("")
        return v


#: a failed verification: red on pale red, bold, in the panel itself
FAILED_STYLE = (
    f"color: {theme.DANGER_DARK}; background: {theme.DANGER_BG}; border: 2px solid {theme.DANGER};"
    " border-radius: 4px;"
    " padding: 6px; font-weight: 700;"
)
PASSED_STYLE = theme.text_style(theme.OK, bold=True)


async def _now(call: Callable[..., m.Lottery], *args: Any, **kwargs: Any) -> m.Lottery:
    """A console lottery's step as the coroutine the panel's runners take (it is done at once)."""
    return call(*args, **kwargs)


def verdict_text(v: Verification) -> str:
    """The verdict as explicit lines (plain text): the headline first, then each check."""
    if not v.drawn:
        return tr("无法验证：{why}").format(why=v.problem or "")

    def mark(ok: bool) -> str:
        return "✓" if ok else "✗"

    lines = [tr("✓ 验证通过") if v.ok else tr("✗ 验证未通过：无法证明开奖公平，请勿公布结果")]
    if v.problem:
        lines.append("✗ " + v.problem)
    if v.commitment_changed:
        lines.append(
            "✗ " + tr("开奖时附带的承诺值与开始时公布的不同（种子可能是看到参与者后才选的）")
        )
    blind_box = bool(v.recomputed_prizes) or not v.prizes_ok  # its commitment covers the pool
    if blind_box:
        checks = tr(
            "{c} sha256(seed + 奖池) == 开始时的承诺值\n{d} 参与者名单与摘要一致\n"
            "{w} 按公开算法复算的中奖者与公布一致"
        )
    else:
        checks = tr(
            "{c} sha256(seed) == 开始时的承诺值\n{d} 参与者名单与摘要一致\n"
            "{w} 按公开算法复算的中奖者与公布一致"
        )
    lines.append(checks.format(c=mark(v.commitment_ok), d=mark(v.digest_ok), w=mark(v.winners_ok)))
    if blind_box:
        lines.append(tr("{p} 按公开算法复算的盲盒奖品与公布一致").format(p=mark(v.prizes_ok)))
    return "\n".join(lines)


def pool_text(pool: m.PrizePool) -> str:
    """「奖池（按数量）：隐藏款 ×1、普通款 ×4」 (plain text)."""
    mode = dict(POOL_MODES)[pool.mode]
    items = "、".join(f"{p.name} ×{p.n}" for p in pool.prizes)
    return tr("奖池（{mode}）：{items}").format(mode=tr(mode), items=items)


def choice_label(lot: m.Lottery) -> str:
    """How a lottery is named in the panel's list (its prize and how one enters)."""
    if lot.quiz_id is not None:
        return f"{lot.prize} · {tr('答对者抽奖')}"
    kind = f" · {tr('盲盒')}" if lot.pool is not None else ""
    return f"{lot.prize}{kind} · {tr('口令')}「{lot.keyword}」"


#: the dock's window-wide keys (ui/panels.py lists them: without platform lotteries they only
#: say why)
START = ActionSpec("lottery.start", "发起抽奖", "Ctrl+Alt+L", GROUP)
DRAW = ActionSpec("lottery.draw", "开奖", "Ctrl+Alt+D", GROUP)


def make(ctx: ConsoleContext) -> LotteryPanel:
    """The 福袋抽奖 dock (ui/panels.py), with its shortcuts; the auto-draw choice is remembered."""

    def auto_draw_changed(on: bool) -> None:
        ctx.settings.ui.lottery_auto_draw = on
        ctx.save_settings()

    panel = LotteryPanel(
        ctx.room,
        ctx.notifier,
        auto_draw=ctx.settings.ui.lottery_auto_draw,
        auto_draw_changed=auto_draw_changed,
        console=ctx.lotteries,
    )
    can = ctx.room.can_act
    ctx.shortcuts.register(START, panel.start, enabled=can)
    ctx.shortcuts.register(DRAW, panel.draw, enabled=can)
    return panel
