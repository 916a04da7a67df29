"""The queue dock's factory for ``ui.main_window.PANELS``: builds the panel and sets the stage."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from ui.products.panel import ProductQueuePanel
from ui.stage import Stage

if TYPE_CHECKING:
    from ui.main_window import MainWindow


def product_queue(w: MainWindow) -> QWidget:
    panel = ProductQueuePanel(
        w.room,
        w.notifier,
        w.shortcuts,
        hold_seconds=w.settings.ui.explain_hold_seconds,
        max_drop_percent=w.settings.ui.price_drop_confirm_percent,
    )
    panel.stage = Stage(w.room, panel.hold)
    w.set_stage(panel.stage)
    return panel
