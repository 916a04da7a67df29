"""Connection health, always visible: platform (and later OBS, camera) link state and event age."""

from __future__ import annotations

import time

import shiboken6
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from app.format import time_of_day
from app.platform.connection import ConnectionStatus, ConnectionTracker, LinkState, Skip
from ui.i18n import localize, tr
from ui.theme import LINK_COLOURS

ERROR_CHARS = 40
NAMES = {
    LinkState.CONNECTED: "已连接",
    LinkState.CONNECTING: "连接中",
    LinkState.RECONNECTING: "重连中",
    LinkState.OFFLINE: "离线",
}


def describe(name: str, status: ConnectionStatus, now: float | None = None) -> str:
    """One line an operator reads at a glance, e.g. "平台 重连中 · 自 20:01:13 起 · 第 3 次"."""
    now = time.time() if now is None else now
    parts = [f"{tr(name)} {tr(NAMES[status.state])}"]
    if status.state is LinkState.RECONNECTING:
        parts.append(tr("自 {t} 起").format(t=time_of_day(status.since)))
        parts.append(tr("第 {n} 次").format(n=status.attempt))
    age = status.last_event_age(now)
    if status.state is LinkState.CONNECTED and age is not None:
        parts.append(tr("最近事件 {s:.0f} 秒前").format(s=age) if age >= 2 else tr("实时"))
    if status.skipped:  # the feed has holes: say so as long as the link lives
        parts.append(tr("已跳过 {n} 条").format(n=status.skipped))
    if status.error and status.state is not LinkState.CONNECTED:
        # the whole reason is in the tooltip; the bar keeps room for the other links
        error = localize(status.error).splitlines()[0]
        parts.append(error if len(error) <= ERROR_CHARS else error[: ERROR_CHARS - 1] + "…")
    return " · ".join(parts)


SEQS_SHOWN = 5


def skip_note(skip: Skip) -> str:
    """What the operator is told when the feed skips what it cannot take, e.g.
    "跳过了 1 条无法接收的事件 (seq 42)"."""
    notes = []
    if skip.seqs:
        seqs = ", ".join(str(s) for s in skip.seqs[:SEQS_SHOWN])
        if len(skip.seqs) > SEQS_SHOWN:
            seqs += ", …"
        notes.append(
            tr("跳过了 {n} 条无法接收的事件 (seq {seqs})").format(n=len(skip.seqs), seqs=seqs)
        )
    if skip.unnumbered:
        notes.append(tr("跳过了 {n} 条无法识别的消息").format(n=skip.unnumbered))
    return "；".join(notes)


def skip_tooltip(status: ConnectionStatus) -> str:
    if not status.skipped:
        return ""
    seqs = ", ".join(str(s) for s in status.skipped_seqs) or "—"
    return tr("共跳过 {n} 条无法接收的事件或消息；最近的 seq：{seqs}").format(
        n=status.skipped, seqs=seqs
    )


class LinkIndicator(QLabel):
    """A coloured dot and a line of text for one link; refreshed every second and on change."""

    def __init__(
        self, name: str, tracker: ConnectionTracker, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.name = name
        self.tracker = tracker
        self.setTextFormat(self.textFormat().PlainText)
        unsub = tracker.subscribe(self._changed)
        self.destroyed.connect(lambda *_: unsub())
        self.refresh()

    def _changed(self, _status: ConnectionStatus) -> None:
        if shiboken6.isValid(self):  # the tracker outlives windows (tests, reconnect dialogs)
            self.refresh()

    def refresh(self) -> None:
        status = self.tracker.status
        self.setText("● " + describe(self.name, status))
        self.setStyleSheet(
            f"color: {LINK_COLOURS[status.state]}; font-weight: 600; padding: 0 8px;"
        )
        tips = [localize(status.error) if status.error else "", skip_tooltip(status)]
        self.setToolTip("\n".join(t for t in tips if t))


class HealthBar(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.indicators: dict[str, LinkIndicator] = {}
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()

    def add_link(self, key: str, name: str, tracker: ConnectionTracker) -> LinkIndicator:
        ind = LinkIndicator(name, tracker, self)
        ind.setObjectName(f"health:{key}")
        self.indicators[key] = ind
        self._layout.addWidget(ind)
        return ind

    def refresh(self) -> None:
        for ind in self.indicators.values():
            ind.refresh()
