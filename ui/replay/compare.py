"""Two sessions side by side: cumulative GMV curves on one chart (minutes since each start) and
the two per-product tables."""

from __future__ import annotations

import time
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from app.session.replay import SessionFile, Summary
from app.session.report import hms, yuan
from ui.i18n import tr
from ui.replay.tables import ProductTable

COLOURS = ("#c62828", "#1565c0")


def short(s: Summary) -> str:
    date = time.strftime("%m-%d %H:%M", time.localtime(s.started_ts))
    return tr("{date} {room}/{sid} · 成交额 {gmv} · 订单 {orders} · 时长 {dur}").format(
        date=date,
        room=s.room,
        sid=s.session_id,
        gmv=yuan(s.gmv_cents),
        orders=s.orders,
        dur=hms(s.duration_s),
    )


class CompareWindow(QWidget):
    def __init__(self, a: Path, b: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowFlag(Qt.WindowType.Window)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(tr("场次对比"))
        self.resize(1500, 900)
        self.files = [SessionFile(a), SessionFile(b)]
        self.summaries = [f.summary() for f in self.files]
        grid = QGridLayout(self)
        self.plot = pg.PlotWidget(self)
        self.plot.setLabel("left", tr("累计成交额（元）"))
        self.plot.setLabel("bottom", tr("开播后（分钟）"))
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        legend = self.plot.addLegend()
        self.tables: list[ProductTable] = []
        for i, (f, s) in enumerate(zip(self.files, self.summaries, strict=True)):
            ser = f.series()
            self.plot.plot(
                ser.sec / 60.0,
                ser.cum_gmv_cents / 100.0,
                pen=pg.mkPen(COLOURS[i], width=2),
                name=f"{s.room}/{s.session_id}",
            )
            label = QLabel(short(s), self)
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setStyleSheet(f"color: {COLOURS[i]}; font-weight: 600;")
            table = ProductTable(self)
            table.set_rows(f.per_product())
            grid.addWidget(label, 1, i)
            grid.addWidget(table, 2, i)
            self.tables.append(table)
        del legend
        grid.addWidget(self.plot, 0, 0, 1, 2)
        grid.setRowStretch(0, 2)
        grid.setRowStretch(2, 3)

    def closeEvent(self, event: object) -> None:
        for f in self.files:
            f.close()
        super().closeEvent(event)  # type: ignore[arg-type]
