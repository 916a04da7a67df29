"""Dock factories for the orders, metrics, coupons, flash sale and lottery panels, with the
keyboard shortcuts of their one-click actions (listed in the cheat sheet, configurable)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from ui.marketing.coupons import CouponsPanel
from ui.marketing.flash_sale import FlashSalePanel
from ui.marketing.lottery import LotteryPanel
from ui.metrics.panel import MetricsPanel
from ui.orders.panel import OrdersPanel
from ui.shortcuts import ActionSpec

if TYPE_CHECKING:
    from ui.main_window import MainWindow

GROUP = "营销"


def orders_dock(w: MainWindow) -> QWidget:
    return OrdersPanel(w.room)


def metrics_dock(w: MainWindow) -> QWidget:
    obs = w.obs
    return MetricsPanel(
        w.room, dropped_frames_ratio=obs.dropped_ratio if obs is not None else lambda: None
    )


def coupons_dock(w: MainWindow) -> QWidget:
    panel = CouponsPanel(w.room, w.notifier)
    can = w.room.can_act
    w.shortcuts.register(
        ActionSpec("coupon.issue", "发券", "Ctrl+Alt+C", GROUP), panel.issue, enabled=can
    )
    w.shortcuts.register(
        ActionSpec("coupon.end", "结束最新优惠券", "Ctrl+Alt+X", GROUP),
        panel.end_latest,
        enabled=can,
    )
    return panel


def flash_sale_dock(w: MainWindow) -> QWidget:
    panel = FlashSalePanel(w.room, w.notifier)
    w.shortcuts.register(
        ActionSpec("flash_sale.start", "开始秒杀", "Ctrl+Alt+F", GROUP),
        panel.start,
        enabled=w.room.can_act,
    )
    return panel


def lottery_dock(w: MainWindow) -> QWidget:
    from app.settings import save_settings

    def auto_draw_changed(on: bool) -> None:
        w.settings.ui.lottery_auto_draw = on
        save_settings(w.settings)

    panel = LotteryPanel(
        w.room,
        w.notifier,
        auto_draw=w.settings.ui.lottery_auto_draw,
        auto_draw_changed=auto_draw_changed,
    )
    can = w.room.can_act
    w.shortcuts.register(
        ActionSpec("lottery.start", "发起抽奖", "Ctrl+Alt+L", GROUP), panel.start, enabled=can
    )
    w.shortcuts.register(
        ActionSpec("lottery.draw", "开奖", "Ctrl+Alt+D", GROUP), panel.draw, enabled=can
    )
    return panel
