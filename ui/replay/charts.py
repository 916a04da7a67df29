"""Timeline charts of a session (pyqtgraph): online viewers, cumulative GMV, orders/min and
comments/min on one shared time axis (minutes since the start), with a marker for every action
(who did it in the tooltip) and a cursor that can be dragged or set by a click. A red-envelope rain
is also shown as its effect window: a faint red band on every plot from its start to its end, so
the rise it caused in viewers, comments and orders is seen against it."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtGui import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.format import minor_digits
from app.names import marker_name
from app.session.replay import Marker, Series, display_bins
from app.session.report_charts import gmv_title
from ui.i18n import tr

pg.setConfigOptions(antialias=False, background="w", foreground="#333")

MARKER_STYLE: dict[str, tuple[str, str]] = {
    # kind: (symbol, colour)
    "explain": ("t1", "#1565c0"),
    "explain_stop": ("t", "#90caf9"),
    "coupon_issued": ("s", "#2e7d32"),
    "coupon_ended": ("s", "#a5d6a7"),
    "flash_sale_scheduled": ("star", "#ff8a65"),
    "flash_sale_started": ("star", "#e65100"),
    "flash_sale_ended": ("star", "#ffcc80"),
    "lottery_started": ("d", "#6a1b9a"),
    "lottery_drawn": ("d", "#ce93d8"),
    "quiz_started": ("h", "#00838f"),
    "quiz_revealed": ("h", "#80deea"),
    "red_envelope_started": ("h", "#d50000"),
    "red_envelope_ended": ("h", "#ef9a9a"),
    "stock_reserved": ("s", "#00695c"),
    "stock_released": ("s", "#80cbc4"),
    "scene": ("o", "#455a64"),
    "product_updated": ("x", "#795548"),
    "session_started": ("p", "#000000"),
    "session_ended": ("p", "#000000"),
}


def marker_text(mk: Marker) -> str:
    """「开奖 · 红包（主播）」: the marker's name (app/names.py, the report's words too) and who."""
    what, who = marker_name(mk.kind, mk.label, mk.role)
    return what + (f"（{who}）" if who else "")


class TimelineCharts(QWidget):
    """Four stacked, x-linked plots. ``moment`` is emitted with the Unix time under the cursor."""

    moment = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.t0 = 0.0
        self.view = pg.GraphicsLayoutWidget(self)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.view)
        titles = [tr("在线人数"), tr("累计成交额（元）"), tr("每分钟订单"), tr("每分钟评论")]
        self.plots: list[pg.PlotItem] = []
        self.titles: list[pg.LabelItem] = []
        for i, title in enumerate(titles):
            p = self.view.addPlot(row=i, col=0)
            # the name inside the plot's top-left corner (a rotated axis label would run into
            # its neighbours' once the plots are made short); tick values stay on the axis
            label = pg.LabelItem(title, color="#333", size="9pt", bold=True)
            label.setParentItem(p.vb)
            label.anchor(itemPos=(0, 0), parentPos=(0, 0), offset=(6, 14 if i == 0 else 0))
            self.titles.append(label)
            p.getAxis("left").setWidth(58)
            for side in ("left", "bottom"):  # minutes and counts as they are: no "(x0.001)" scale
                p.getAxis(side).enableAutoSIPrefix(False)
            p.showGrid(x=True, y=True, alpha=0.2)
            p.setMouseEnabled(x=True, y=False)
            p.setMenuEnabled(False)
            p.hideButtons()
            if i:
                p.setXLink(self.plots[0])
            if i < len(titles) - 1:
                p.getAxis("bottom").setStyle(showValues=False)
            self.plots.append(p)
        self.plots[-1].setLabel("bottom", tr("开播后（分钟）"))
        self.curves = [
            self.plots[0].plot(pen=pg.mkPen("#1565c0", width=1)),
            self.plots[1].plot(pen=pg.mkPen("#c62828", width=2)),
            self.plots[2].plot(stepMode="center", fillLevel=0, brush="#ffcc80", pen="#e65100"),
            self.plots[3].plot(stepMode="center", fillLevel=0, brush="#b3e5fc", pen="#0277bd"),
        ]
        self.marker_lines = [
            p.plot(pen=pg.mkPen("#9e9e9e", width=1, style=Qt.PenStyle.DashLine), connect="pairs")
            for p in self.plots
        ]
        self.scatter = pg.ScatterPlotItem(size=11, hoverable=True, tip=self._tip)
        self.plots[0].addItem(self.scatter)
        self.cursors: list[pg.InfiniteLine] = []
        for p in self.plots:
            line = pg.InfiniteLine(angle=90, movable=True, pen=pg.mkPen("#d81b60", width=2))
            line.sigPositionChanged.connect(self._cursor_moved)
            line.sigPositionChangeFinished.connect(self._cursor_dropped)
            p.addItem(line, ignoreBounds=True)
            self.cursors.append(line)
        self.view.scene().sigMouseClicked.connect(self._clicked)
        self._syncing = False
        self._markers: list[Marker] = []
        #: (start, end) in minutes of each red-envelope rain, and their bands on the plots
        self.rain_windows: list[tuple[float, float]] = []
        self._bands: list[pg.LinearRegionItem] = []

    # --- data --------------------------------------------------------------------------------------
    def set_data(self, series: Series, markers: Sequence[Marker], currency: str = "CNY") -> None:
        """The recording's series; GMV in whole units of ``currency`` (the recording's)."""
        self.t0 = series.t0
        x = series.sec / 60.0
        unit = 10 ** minor_digits(currency)
        self.titles[1].setText(gmv_title(currency, tr))
        self.curves[0].setData(x, series.online)
        self.curves[1].setData(x, series.cum_gmv_cents / unit)
        edges_s, opm, cpm = display_bins(series)
        edges = edges_s / 60.0
        if len(edges):
            self.curves[2].setData(edges, opm)
            self.curves[3].setData(edges, cpm)
        self._markers = [mk for mk in markers if mk.kind not in ("explain_stop",)]
        mxs = np.array([(mk.ts - self.t0) / 60.0 for mk in self._markers], dtype=float)
        tops = [
            float(series.online.max()) if len(series.online) else 1.0,
            float(series.cum_gmv_cents[-1] / unit) if len(series.cum_gmv_cents) else 1.0,
            float(opm.max()) if len(opm) else 1.0,
            float(cpm.max()) if len(cpm) else 1.0,
        ]
        for line, top in zip(self.marker_lines, tops, strict=True):
            if len(mxs):
                line.setData(np.repeat(mxs, 2), np.tile([0.0, top or 1.0], len(mxs)))
            else:
                line.setData([], [])
        spots = []
        for i, mk in enumerate(self._markers):
            sym, colour = MARKER_STYLE.get(mk.kind, ("o", "#607d8b"))
            spots.append(
                {
                    "pos": (mxs[i], (tops[0] or 1.0) * 1.12),
                    "symbol": sym,
                    "brush": pg.mkBrush(colour),
                    "pen": pg.mkPen(colour),
                    "data": marker_text(mk),
                }
            )
        self.scatter.setData(spots)
        self._show_rain_windows()
        # headroom above the curve: the action markers sit in a row of their own
        self.plots[0].setYRange(0, (tops[0] or 1.0) * 1.2, padding=0)
        if len(x):
            self.plots[0].setXRange(float(x[0]), float(x[-1]), padding=0.01)
            self.set_cursor(series.t0 + float(series.sec[len(series.sec) // 2]))

    def _show_rain_windows(self) -> None:
        """A band from each rain's start marker to the end marker that follows it."""
        for band in self._bands:
            scene = band.scene()
            if scene is not None:
                scene.removeItem(band)
        self._bands = []
        windows: list[tuple[float, float]] = []
        start: float | None = None
        for mk in self._markers:
            if mk.kind == "red_envelope_started":
                start = (mk.ts - self.t0) / 60.0
            elif mk.kind == "red_envelope_ended" and start is not None:
                windows.append((start, max(start, (mk.ts - self.t0) / 60.0)))
                start = None
        self.rain_windows = windows
        for a, b in windows:
            for p in self.plots:
                band = pg.LinearRegionItem(
                    values=(a, b),
                    movable=False,
                    brush=pg.mkBrush(213, 0, 0, 28),
                    pen=pg.mkPen(None),
                )
                band.setZValue(-10)
                p.addItem(band, ignoreBounds=True)
                self._bands.append(band)

    @staticmethod
    def _tip(x: float, y: float, data: object) -> str:
        """A marker's tooltip. Qt guesses whether a tooltip is HTML, and the label is text from
        the session file (a product title, a nickname): made rich text that shows it as is."""
        return Qt.convertFromPlainText(str(data), Qt.WhiteSpaceMode.WhiteSpaceNoWrap)

    # --- cursor ------------------------------------------------------------------------------------
    def set_cursor(self, ts: float) -> None:
        self.cursors[0].setValue((ts - self.t0) / 60.0)

    def cursor_ts(self) -> float:
        return self.t0 + float(self.cursors[0].value()) * 60.0

    def _cursor_moved(self, line: pg.InfiniteLine) -> None:
        if self._syncing:
            return
        self._syncing = True
        try:
            for other in self.cursors:
                if other is not line:
                    other.setValue(line.value())
        finally:
            self._syncing = False
        self.moment.emit(self.t0 + float(line.value()) * 60.0)

    def _cursor_dropped(self, line: pg.InfiniteLine) -> None:
        """A drag ended: the moment where the cursor was let go (even if the last move was there)."""
        self.moment.emit(self.t0 + float(line.value()) * 60.0)

    def _clicked(self, ev: object) -> None:
        pos = ev.scenePos()  # type: ignore[attr-defined]
        for p in self.plots:
            if p.sceneBoundingRect().contains(pos):
                x = p.vb.mapSceneToView(pos).x()
                self.cursors[0].setValue(x)
                return
