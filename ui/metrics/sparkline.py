"""A small trend line painted with QPainter from (ts, value) points (the last ~10 minutes)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPointF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget


class Sparkline(QWidget):
    def __init__(self, parent: QWidget | None = None, *, colour: str = "#1e88e5") -> None:
        super().__init__(parent)
        self.points: list[tuple[float, float]] = []
        self.span = 600.0  # seconds shown across the width
        self._pen = QPen(QColor(colour), 1.5)
        self._fill = QColor(colour)
        self._fill.setAlpha(40)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(16)

    def sizeHint(self) -> QSize:
        return QSize(100, 18)

    def set_points(self, points: Sequence[tuple[float, float]]) -> None:
        self.points = list(points)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        pts = self.points
        if len(pts) < 2:
            return
        w, h = self.width() - 2, self.height() - 3
        t1 = pts[-1][0]
        # the last ``span`` seconds across the width; a shorter history (a session that has just
        # started) is stretched to fill it, so the trend reads from the first minute on
        t0 = max(t1 - self.span, pts[0][0])
        width_s = (t1 - t0) or 1.0
        lo = min(v for _, v in pts)
        hi = max(v for _, v in pts)
        rng = hi - lo or 1.0
        path = QPainterPath()
        first = True
        for t, v in pts:
            x = 1 + w * (t - t0) / width_s
            y = 1 + h - h * (v - lo) / rng
            if first:
                path.moveTo(QPointF(x, y))
                first = False
            else:
                path.lineTo(QPointF(x, y))
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        area = QPainterPath(path)
        area.lineTo(QPointF(path.currentPosition().x(), h + 2))
        area.lineTo(QPointF(1 + w * max(0.0, pts[0][0] - t0) / width_s, h + 2))
        area.closeSubpath()
        painter.fillPath(area, self._fill)
        painter.setPen(self._pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)
        painter.end()
