"""The alerts strip: visible, dismissable alerts, worded from the rule's kind and figures."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from app.live.alerts import Alert, AlertKind
from ui import theme
from ui.i18n import tr

TEMPLATES: dict[AlertKind, str] = {
    AlertKind.ONLINE_DROP: "在线人数 {minutes} 分钟内下降 {percent}%（{peak} → {online}）",
    AlertKind.LOW_STOCK: "库存告急：{title} 仅剩 {stock} 件（阈值 {threshold}）",
    AlertKind.SOLD_OUT: "已售罄：{title}",
    AlertKind.COMMENT_COLLAPSE: "评论热度骤降：{rate} 条/分（{minutes} 分钟均值 {baseline}）",
    AlertKind.FRAMES_DROPPED: "推流丢帧 {percent}%",
    AlertKind.INTERACTION_DROP: "互动率下降 {percent}%：{rate} 次/人/分（前 {minutes} 分钟 {baseline}），"
    "检查话术或福利",
}
COLOURS = {
    "critical": (theme.DANGER_BG, theme.DANGER_DARK),
    "warning": (theme.WARNING_BG, theme.WARNING_DARK),
}
#: the sign before an alert: glyphs the UI fonts have (Noto Sans CJK, DejaVu); "⛔" is in neither
#: and showed as a box (tests/ui/test_stage_time.py checks each with QFontMetrics.inFontUcs4)
MARKS = {"warning": "⚠", "critical": "⊘"}


def alert_text(alert: Alert) -> str:
    template = tr(TEMPLATES.get(alert.kind, str(alert.kind)))
    try:
        return template.format(**alert.params)
    except (KeyError, IndexError, ValueError):
        return template


class AlertsStrip(QWidget):
    """One row per visible alert, each with a × that dismisses it."""

    def __init__(self, on_dismiss: Callable[[str], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.on_dismiss = on_dismiss
        self.rows: dict[str, QFrame] = {}
        self._shown: list[tuple[str, str]] = []
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)
        self.hide()

    def texts(self) -> list[str]:
        return [text for _, text in self._shown]

    def show_alerts(self, alerts: Sequence[Alert]) -> None:
        wanted = [(a.key, alert_text(a)) for a in alerts]
        if wanted == self._shown:
            return
        for row in self.rows.values():
            self._layout.removeWidget(row)
            row.deleteLater()
        self.rows = {}
        for a, (key, text) in zip(alerts, wanted, strict=True):
            self.rows[key] = self._row(a, text)
            self._layout.addWidget(self.rows[key])
        self._shown = wanted
        self.setVisible(bool(wanted))

    def _row(self, alert: Alert, text: str) -> QFrame:
        bg, fg = COLOURS[alert.level]
        row = QFrame(self)
        row.setObjectName(f"alert:{alert.key}")
        row.setStyleSheet(f"QFrame {{ background: {bg}; border-radius: 4px; }}")
        label = QLabel(f"{MARKS[alert.level]} {text}", row)
        label.setTextFormat(Qt.TextFormat.PlainText)  # product titles are platform text
        label.setStyleSheet(f"color: {fg}; font-weight: 600;")
        label.setWordWrap(True)
        close = QToolButton(row)
        close.setObjectName(f"dismiss:{alert.key}")
        close.setText("×")
        close.setToolTip(tr("知道了（关闭提醒）"))
        close.setAutoRaise(True)
        close.clicked.connect(lambda _c=False, key=alert.key: self.on_dismiss(key))
        lay = QHBoxLayout(row)
        lay.setContentsMargins(6, 2, 2, 2)
        lay.addWidget(label, 1)
        lay.addWidget(close)
        return row
