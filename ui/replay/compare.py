"""Two sessions side by side: cumulative GMV curves on one chart (minutes since each start), the
KPI deltas (GMV, orders, conversion, peak online, duration, the replay score and the interaction
rate — each session scored against the sessions before it, app/session/score.py — later −
earlier, ▲ green / ▼ red) and
the products aligned by product id (each session's orders and GMV and the change). Each
session's money is in its own currency; GMV of two sessions in different currencies is shown
side by side, never subtracted (「币种不同，不比较」).

The earlier session is the base whichever order they were picked in (:mod:`app.session.compare`).
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from app.format import hms, minor_digits, money
from app.session import summary as summary_mod
from app.session.attribution import per_product
from app.session.compare import Delta, align_products, kpi_deltas, score_deltas
from app.session.replay import SessionFile, Summary
from app.session.report_charts import gmv_title
from app.session.score import score_file
from ui import theme
from ui.i18n import tr
from ui.replay.tables import Table

COLOURS = ("#c62828", "#1565c0")
UP, DOWN = QColor(theme.OK), QColor(theme.DANGER)
KPI_NAMES = {
    "gmv": "成交额",
    "orders": "订单",
    "conversion": "转化率",
    "peak": "峰值在线",
    "duration": "时长",
    "score": "复盘评分",
    "interaction": "互动率",
}


def short(s: Summary) -> str:
    date = time.strftime("%m-%d %H:%M", time.localtime(s.started_ts))
    return tr("{date} {room}/{sid} · 成交额 {gmv} · 订单 {orders} · 时长 {dur}").format(
        date=date,
        room=s.room,
        sid=s.session_id,
        gmv=money(s.gmv_cents, s.currency),
        orders=s.orders,
        dur=hms(s.duration_s),
    )


def value_text(key: str, v: float, currency: str = "CNY") -> str:
    if key == "gmv":
        return money(int(v), currency)
    if key == "conversion":
        return f"{v:.1%}"
    if key == "duration":
        return hms(v)
    if key == "score":
        return f"{v:.1f}"
    if key == "interaction":
        return f"{v:.2f}"
    return f"{int(v):,}"


def delta_text(d: Delta, currency: str = "CNY") -> str:
    """``▲ ¥120.00 (+12.5%)``; conversion in percentage points; money in two currencies: said
    so, not subtracted."""
    if not d.comparable:
        return tr("币种不同，不比较")
    if d.diff == 0:
        return "= 0"
    if d.key == "conversion":
        body = f"{abs(d.diff) * 100:.1f} pp"
    elif d.key == "duration":
        body = hms(abs(d.diff))
    elif d.key == "gmv":
        body = money(int(abs(d.diff)), currency)
    elif d.key == "score":
        body = f"{abs(d.diff):.1f}"
    elif d.key == "interaction":
        body = f"{abs(d.diff):.2f}"
    else:
        body = f"{int(abs(d.diff)):,}"
    rel = f" ({d.ratio:+.1%})" if d.ratio is not None and d.key != "conversion" else ""
    return f"{d.arrow} {body}{rel}"


class CompareWindow(QWidget):
    def __init__(self, a: Path, b: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowFlag(Qt.WindowType.Window)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(tr("场次对比"))
        self.resize(1500, 900)
        files = [SessionFile(a), SessionFile(b)]
        files.sort(key=lambda f: f.started_ts)  # the earlier one is the base
        self.files = files
        self.data = [summary_mod.read(f) for f in files]
        self.summaries = [d.summary for d in self.data]
        cur_a, cur_b = (f.currency for f in files)
        same = cur_a == cur_b
        grid = QGridLayout(self)
        self.plot = pg.PlotWidget(self)
        self.plot.setLabel("left", gmv_title(cur_a if same else f"A {cur_a} · B {cur_b}", tr))
        self.plot.setLabel("bottom", tr("开播后（分钟）"))
        for side in ("left", "bottom"):  # values as they are: no "(x0.001)" scale in the label
            self.plot.getAxis(side).enableAutoSIPrefix(False)
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.addLegend()
        for i, (f, s) in enumerate(zip(self.files, self.summaries, strict=True)):
            ser = f.series()
            self.plot.plot(
                ser.sec / 60.0,
                ser.cum_gmv_cents / 10 ** minor_digits(f.currency),
                pen=pg.mkPen(COLOURS[i], width=2),
                name=f"{s.room}/{s.session_id}",
            )
            label = QLabel(("A  " if i == 0 else "B  ") + short(s), self)
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setStyleSheet(f"color: {COLOURS[i]}; font-weight: 600;")
            grid.addWidget(label, 1, i)
        self.scores = [score_file(f) for f in files]
        self.deltas = kpi_deltas(self.data[0], self.data[1]) + score_deltas(*self.scores)
        self.kpis = Table(["指标", "A（较早）", "B（较晚）", "变化"], self)
        self.kpis.setObjectName("compareKpis")
        self.kpis.fill(
            [
                [
                    tr(KPI_NAMES[d.key]),
                    value_text(d.key, d.base, cur_a),
                    value_text(d.key, d.other, cur_b),
                    delta_text(d, cur_a),
                ]
                for d in self.deltas
            ]
        )
        for row, d in enumerate(self.deltas):
            self._colour(self.kpis, row, 3, d)
        for col, width in enumerate((110, 150, 150)):
            self.kpis.setColumnWidth(col, width)
        self.pairs = align_products(per_product(files[0]), per_product(files[1]))
        self.products = Table(
            ["商品", "A 订单", "B 订单", "订单变化", "A 成交额", "B 成交额", "成交额变化"], self
        )
        self.products.setObjectName("compareProducts")
        self.products.fill(
            [
                [
                    p.title,
                    p.orders.base,
                    p.orders.other,
                    delta_text(p.orders),
                    money(int(p.gmv.base), cur_a),
                    money(int(p.gmv.other), cur_b),
                    delta_text(p.gmv if same else replace(p.gmv, comparable=False), cur_a),
                ]
                for p in self.pairs
            ]
        )
        for row, p in enumerate(self.pairs):
            self._colour(self.products, row, 3, p.orders)
            if same:
                self._colour(self.products, row, 6, p.gmv)
        self.products.setColumnWidth(0, 260)
        grid.addWidget(self.plot, 0, 0, 1, 2)
        grid.addWidget(self.kpis, 2, 0)
        grid.addWidget(self.products, 2, 1)
        grid.setColumnStretch(1, 2)
        grid.setRowStretch(0, 2)
        grid.setRowStretch(2, 3)

    @staticmethod
    def _colour(table: Table, row: int, col: int, d: Delta) -> None:
        item = table.item(row, col)
        if item is not None and d.diff and d.comparable:
            item.setForeground(QBrush(UP if d.diff > 0 else DOWN))

    def closeEvent(self, event: object) -> None:
        for f in self.files:
            f.close()
        super().closeEvent(event)  # type: ignore[arg-type]
