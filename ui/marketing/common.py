"""Small pieces the marketing panels share: countdowns, money inputs, a one-at-a-time action
runner (a double click never sends twice), and the compliance check of operator-written text."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtWidgets import QAbstractButton, QDoubleSpinBox, QWidget

from app.compliance import check
from ui.confirm import confirm
from ui.i18n import localize, tr
from ui.notify import Notifier

GROUP = "营销"  # the cheat sheet's group for the marketing panels' shortcuts


def countdown_text(seconds: float) -> str:
    """Whole seconds left as m:ss or h:mm:ss (never negative)."""
    s = max(0, int(seconds + 0.999))  # 0.2 s left still reads 0:01, not 0:00
    h, rest = divmod(s, 3600)
    mnt, sec = divmod(rest, 60)
    return f"{h}:{mnt:02d}:{sec:02d}" if h else f"{mnt}:{sec:02d}"


def yuan_spin(
    parent: QWidget, value_cents: int, *, maximum_yuan: float = 1_000_000.0
) -> QDoubleSpinBox:
    spin = QDoubleSpinBox(parent)
    spin.setDecimals(2)
    spin.setPrefix("¥")
    spin.setRange(0.0, maximum_yuan)
    spin.setValue(value_cents / 100)
    spin.setGroupSeparatorShown(True)
    return spin


def cents_of(spin: QDoubleSpinBox) -> int:
    return round(spin.value() * 100)


def compliance_problems(text: str) -> str:
    """'' when clean; otherwise the terms hit and why, as plain text for the operator."""
    hits = check(text)
    if not hits:
        return ""
    return "；".join(f"「{text[h.start : h.end]}」{localize(h.reason)}" for h in hits)


def confirm_compliance(parent: QWidget, what: str, text: str) -> bool:
    """Ask before pushing text with prohibited terms; True when clean or the operator confirms."""
    problems = compliance_problems(text)
    if not problems:
        return True
    return confirm(
        parent,
        tr("合规提示"),
        tr("{what}含有广告法禁用或慎用词：{problems}\n仍要继续吗？").format(
            what=what, problems=problems
        ),
        action=tr("仍要继续"),
    )


class OneAtATime:
    """Runs an action through the notifier with its button disabled until it has finished.

    A second trigger while the first is in flight (a double click, a shortcut repeat) is ignored.
    """

    def __init__(self, notifier: Notifier, *buttons: QAbstractButton) -> None:
        self.notifier = notifier
        self.buttons = list(buttons)
        self.busy = False
        self.on_done: Callable[[], None] = lambda: None

    def run(self, what: str, coro: Coroutine[Any, Any, Any], done: str | None = None) -> bool:
        if self.busy:
            coro.close()
            return False
        self.busy = True
        for b in self.buttons:
            b.setEnabled(False)

        async def guarded() -> None:
            try:
                await coro
            finally:
                self.busy = False
                self.on_done()

        self.notifier.run(what, guarded(), done=done)
        return True
