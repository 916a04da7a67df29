"""Coupons dock: choose a template (满减 / 折扣 / 无门槛), see the whole config, issue in one click;
the live list shows claimed / remaining, status, time left, and ends a coupon early."""

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
from app.live.room import COUPONS, LiveRoom
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

KINDS = (
    (m.CouponKind.THRESHOLD, "满减券"),
    (m.CouponKind.DISCOUNT, "折扣券"),
    (m.CouponKind.NO_THRESHOLD, "无门槛券"),
)
STATUS = {"active": "进行中", "ended": "已结束", "expired": "已过期"}


def describe(c: m.Coupon | m.CouponSpec, currency: str = m.DEFAULT_CURRENCY) -> str:
    """What the buyer gets, e.g. 满¥199.00减¥20.00 / 8.5折 / 无门槛减¥5.00."""
    if c.kind is m.CouponKind.THRESHOLD:
        return tr("满{threshold}减{amount}").format(
            threshold=money(c.threshold_cents, currency),
            amount=money(c.amount_cents or 0, currency),
        )
    if c.kind is m.CouponKind.DISCOUNT:
        rate = (100 - (c.percent_off or 0)) / 10
        text = tr("{rate}折").format(rate=f"{rate:g}")
        if c.threshold_cents:
            text = tr("满{threshold}").format(threshold=money(c.threshold_cents, currency)) + text
        return text
    return tr("无门槛减{amount}").format(amount=money(c.amount_cents or 0, currency))


class CouponRow(QFrame):
    def __init__(self, coupon: m.Coupon, panel: CouponsPanel) -> None:
        super().__init__(panel)
        self.setObjectName(f"coupon:{coupon.id}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.panel = panel
        self.coupon_id = coupon.id
        self.title = QLabel(self)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setStyleSheet("font-weight: 600;")
        self.progress = QProgressBar(self)
        self.progress.setObjectName("claimed")
        self.progress.setFormat(tr("已领 %v / %m"))
        self.info = QLabel(self)
        self.info.setObjectName("info")
        self.info.setTextFormat(Qt.TextFormat.PlainText)
        self.end_button = QPushButton(tr("提前结束"), self)
        self.end_button.setObjectName("endCoupon")
        self.end_button.clicked.connect(lambda: panel.end(self.coupon_id))
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.end_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 4)
        lay.addLayout(top)
        lay.addWidget(self.progress)
        lay.addWidget(self.info)
        self.show_coupon(coupon)

    def show_coupon(self, c: m.Coupon) -> None:
        self.coupon = c
        what = describe(c, self.panel.room.currency)
        name = c.name or what
        self.title.setText(f"{name} · {what}" if c.name else name)
        self.progress.setRange(0, c.quantity)
        self.progress.setValue(min(c.claimed, c.quantity))
        self.tick()

    def tick(self) -> None:
        c = self.coupon
        active = c.status == "active"
        left = c.ends_ts - time.time()
        when = tr("剩余 {t}").format(t=countdown(left)) if active else tr(STATUS[c.status])
        self.info.setText(
            tr("剩余 {remaining} 张 · 已用 {used} · 每人限 {limit} 张 · {when}").format(
                remaining=c.remaining, used=c.used, limit=c.per_user_limit, when=when
            )
        )
        self.end_button.setEnabled(active and self.panel.room.can_act)


class CouponsPanel(QWidget):
    def __init__(self, room: LiveRoom, notifier: Notifier, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.room = room
        self.notifier = notifier
        self.kind = QComboBox(self)
        self.kind.setObjectName("couponKind")
        for kind, label in KINDS:
            self.kind.addItem(tr(label), kind)
        self.name = QLineEdit(self)
        self.name.setObjectName("couponName")
        self.name.setPlaceholderText(tr("券名（可选），如 新人专享"))
        self.name.setMaxLength(40)
        self.compliance = QLabel(self)
        self.compliance.setTextFormat(Qt.TextFormat.PlainText)
        self.compliance.setStyleSheet(theme.text_style(theme.DANGER))
        self.compliance.setWordWrap(True)
        self.compliance.hide()
        self.threshold = money_spin(self, 19900, room.currency)
        self.amount = money_spin(self, 2000, room.currency)
        self.percent = QSpinBox(self)
        self.percent.setRange(1, 99)
        self.percent.setValue(15)
        self.percent.setSuffix("%")
        self.quantity = QSpinBox(self)
        self.quantity.setObjectName("couponQuantity")
        self.quantity.setRange(1, 1_000_000)
        self.quantity.setValue(100)
        self.per_user = QSpinBox(self)
        self.per_user.setRange(1, 99)
        self.valid = QSpinBox(self)
        self.valid.setRange(1, 7 * 24 * 60)
        self.valid.setValue(10)
        self.valid.setSuffix(tr(" 分钟"))
        form = QFormLayout()
        form.addRow(tr("类型"), self.kind)
        form.addRow(tr("券名"), self.name)
        form.addRow("", self.compliance)
        self._threshold_label = QLabel(tr("门槛"), self)
        form.addRow(self._threshold_label, self.threshold)
        self._amount_label = QLabel(tr("减免金额"), self)
        form.addRow(self._amount_label, self.amount)
        self._percent_label = QLabel(tr("折扣（减免比例）"), self)
        form.addRow(self._percent_label, self.percent)
        form.addRow(tr("发放数量"), self.quantity)
        form.addRow(tr("每人限领"), self.per_user)
        form.addRow(tr("有效期"), self.valid)
        self.preview = QLabel(self)
        self.preview.setObjectName("couponPreview")
        self.preview.setTextFormat(Qt.TextFormat.PlainText)
        self.preview.setWordWrap(True)
        self.preview.setStyleSheet("background: #fff3e0; padding: 4px; border-radius: 4px;")
        self.issue_button = QPushButton(tr("发券"), self)
        self.issue_button.setObjectName("issueCoupon")
        self.issue_button.setStyleSheet("font-weight: 600;")
        self.issue_button.clicked.connect(self.issue)
        self.issuing = OneAtATime(notifier, self.issue_button)
        self.issuing.on_done = self._update_form
        self.rows: dict[str, CouponRow] = {}
        self._list, scroll = row_list(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(form)
        layout.addWidget(self.preview)
        layout.addWidget(self.issue_button)
        layout.addWidget(scroll, 1)
        for w in (self.threshold, self.amount, self.percent, self.quantity, self.per_user):
            w.valueChanged.connect(self._update_form)
        self.valid.valueChanged.connect(self._update_form)
        self.kind.currentIndexChanged.connect(self._update_form)
        self.name.textChanged.connect(self._update_form)
        self._unsub = room.subscribe(self._changed)
        unsubscribe_on_destroy(self, self._unsub)
        self._clock = QTimer(self)
        self._clock.setInterval(1000)
        self._clock.timeout.connect(self._tick)
        self._clock.start()
        self._update_form()
        self._changed(frozenset({COUPONS}))

    # --- the form ----------------------------------------------------------------------------
    def current_kind(self) -> m.CouponKind:
        return m.CouponKind(self.kind.currentData())  # Qt hands the enum back as a plain str

    def spec(self) -> m.CouponSpec:
        kind = self.current_kind()
        return m.CouponSpec(
            kind=kind,
            name=self.name.text().strip(),
            threshold_cents=cents_of(self.threshold)
            if kind is not m.CouponKind.NO_THRESHOLD
            else 0,
            amount_cents=cents_of(self.amount) if kind is not m.CouponKind.DISCOUNT else None,
            percent_off=self.percent.value() if kind is m.CouponKind.DISCOUNT else None,
            quantity=self.quantity.value(),
            per_user_limit=self.per_user.value(),
            valid_seconds=self.valid.value() * 60,
        )

    def problem(self) -> str:
        """Why the config cannot be issued ('' when it can)."""
        kind = self.current_kind()
        if kind is not m.CouponKind.DISCOUNT and cents_of(self.amount) <= 0:
            return tr("减免金额必须大于 0")
        if kind is m.CouponKind.THRESHOLD and cents_of(self.amount) >= cents_of(self.threshold):
            return tr("减免金额必须小于门槛")
        return ""

    def retranslate(self) -> None:
        """After a live language switch (ui/i18n.py): the preview line in the new language."""
        self._update_form()

    def _update_form(self) -> None:
        kind = self.current_kind()
        self._threshold_label.setVisible(kind is not m.CouponKind.NO_THRESHOLD)
        self.threshold.setVisible(kind is not m.CouponKind.NO_THRESHOLD)
        self._amount_label.setVisible(kind is not m.CouponKind.DISCOUNT)
        self.amount.setVisible(kind is not m.CouponKind.DISCOUNT)
        self._percent_label.setVisible(kind is m.CouponKind.DISCOUNT)
        self.percent.setVisible(kind is m.CouponKind.DISCOUNT)
        problems = compliance_problems(self.name.text())
        self.compliance.setText(tr("合规提示：") + problems if problems else "")
        self.compliance.setVisible(bool(problems))
        problem = self.problem()
        if problem:
            self.preview.setText(problem)
        else:
            spec = self.spec()
            self.preview.setText(
                tr(
                    "将发放：{name}{what} · 共 {n} 张 · 每人限 {limit} 张 · 有效 {minutes} 分钟"
                ).format(
                    name=f"{spec.name} · " if spec.name else "",
                    what=describe(spec, self.room.currency),
                    n=spec.quantity,
                    limit=spec.per_user_limit,
                    minutes=self.valid.value(),
                )
            )
        self.issue_button.setEnabled(not problem and not self.issuing.busy and self.room.can_act)

    # --- actions -----------------------------------------------------------------------------
    def issue(self) -> None:
        """Issue the coupon as configured (one click, or the shortcut); never twice at once."""
        if self.issuing.busy or self.problem() or not self.room.can_act:
            return
        spec = self.spec()
        if spec.name and not confirm_compliance(self, tr("券名"), spec.name):
            return
        # compliance: coupon names pass app.compliance.check above (confirmed if they hit)
        self.issuing.run(tr("发券"), self.room.issue_coupon(spec), done=tr("已发券"))

    def end(self, coupon_id: str) -> None:
        row = self.rows.get(coupon_id)
        if row is not None:
            row.end_button.setEnabled(False)
        self.notifier.run(
            tr("结束优惠券"), self.room.end_coupon(coupon_id), done=tr("优惠券已结束")
        )

    def end_latest(self) -> None:
        """End the newest active coupon (the shortcut's target)."""
        active = [c for c in self.room.coupons.values() if c.status == "active"]
        if active:
            self.end(max(active, key=lambda c: c.created_ts).id)

    # --- the list ----------------------------------------------------------------------------
    def _changed(self, changes: frozenset[str]) -> None:
        if self.threshold.set_currency(self.room.currency) | self.amount.set_currency(
            self.room.currency
        ):
            self._update_form()
        if COUPONS not in changes:
            return
        coupons = sorted(self.room.coupons.values(), key=lambda c: -c.created_ts)
        for c in coupons:
            row = self.rows.get(c.id)
            if row is None:
                row = self.rows[c.id] = CouponRow(c, self)
            elif row.coupon != c:
                row.show_coupon(c)
        for i, c in enumerate(coupons):  # newest first
            if self._list.indexOf(self.rows[c.id]) != i:
                self._list.insertWidget(i, self.rows[c.id])

    def _tick(self) -> None:
        for row in self.rows.values():
            if row.coupon.status == "active":
                row.tick()


#: the dock's window-wide keys (ui/panels.py lists them: on a platform without coupons they
#: only say why)
ISSUE = ActionSpec("coupon.issue", "发券", "Ctrl+Alt+C", GROUP)
END = ActionSpec("coupon.end", "结束最新优惠券", "Ctrl+Alt+X", GROUP)


def make(ctx: ConsoleContext) -> CouponsPanel:
    """The 优惠券 dock (ui/panels.py), with its one-click actions' shortcuts."""
    panel = CouponsPanel(ctx.room, ctx.notifier)
    can = ctx.room.can_act
    ctx.shortcuts.register(ISSUE, panel.issue, enabled=can)
    ctx.shortcuts.register(END, panel.end_latest, enabled=can)
    return panel
